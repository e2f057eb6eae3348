import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, api, currentSession, fetchFile, newKey, type Jurisdiction, type Problem } from './api';
import { formatTime, label, t } from './i18n';
import { fieldMessage, problemMessage } from './i18n/problems';
import { SYNCED } from './offline/outbox';
import { readThrough } from './offline/reads';

/**
 * A GET (or, with `search`, a POST of it: what is searched for stays out of URLs) and its three
 * states; `reload` fetches again (after a change, on "try again", after the outbox delivered).
 * With no network a GET the console keeps offline answers from its kept copy, `savedAt` telling when.
 */
export function useResource<T>(path: string | null, search?: Record<string, unknown>) {
  const [state, setState] = useState<{ data?: T; error?: Problem; loading: boolean; savedAt?: number }>({
    loading: true,
  });
  const [round, setRound] = useState(0);
  const body = search === undefined ? undefined : JSON.stringify(search);
  useEffect(() => {
    if (!path) return;
    let live = true;
    setState((s) => ({ ...s, loading: true, error: undefined }));
    (body === undefined
      ? readThrough<T>(path)
      : api<T>('POST', path, JSON.parse(body)).then((data) => ({ data }))
    ).then(
      (read: { data: T; savedAt?: number }) => live && setState({ ...read, loading: false }),
      (error: unknown) => live && setState({ error: toProblem(error), loading: false }),
    );
    return () => {
      live = false;
    };
  }, [path, body, round]);
  const reload = useCallback(() => setRound((r) => r + 1), []);
  useEffect(() => {
    addEventListener(SYNCED, reload);
    return () => removeEventListener(SYNCED, reload);
  }, [reload]);
  return { ...state, reload };
}

export const toProblem = (error: unknown): Problem =>
  error instanceof ApiError ? error.problem : { status: 500, detail: String(error) };

/** Loading, failed (with "try again"), or the content once the data is there. */
export function Loadable<T>(props: {
  resource: { data?: T; error?: Problem; loading: boolean; reload: () => void; savedAt?: number };
  children: (data: T) => ComponentChildren;
}) {
  const { data, error, reload, savedAt } = props.resource;
  if (error)
    return (
      <div>
        <ProblemNote problem={error} />
        <button type="button" onClick={reload}>
          {t('app.retry')}
        </button>
      </div>
    );
  // While a reload runs, the data already shown stays (no flicker on a phone).
  if (data === undefined)
    return (
      <p class="loading" role="status">
        {t('app.loading')}
      </p>
    );
  return (
    <>
      {savedAt !== undefined && (
        <p class="notice offline-copy" role="status">
          {t('offline.copy', { when: formatTime(new Date(savedAt).toISOString()) })}
        </p>
      )}
      {props.children(data)}
    </>
  );
}

export function ProblemNote({ problem }: { problem: Problem }) {
  const { message, original } = problemMessage(problem);
  return (
    <div class="problem" role="alert">
      <p>{message}</p>
      {original && <p class="original">{original}</p>}
    </div>
  );
}

export const Empty = ({ children }: { children: ComponentChildren }) => <p class="empty">{children}</p>;

export const Badge = ({ kind, code }: { kind: 'phase' | 'tier' | 'taskStatus' | 'stall'; code: string }) => (
  <span class={`badge ${kind}-${code}`}>{label(kind, code)}</span>
);

/** Field errors of a 422, by field path (`body.person.idNumber` → `person.idNumber`). */
export function fieldErrors(problem: Problem | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!problem) return out;
  for (const error of problem.errors ?? []) {
    const path = error.path.replace(/^body\.?/, '');
    out[path] ??= fieldMessage(problem, error.message);
  }
  return out;
}

/**
 * A labelled control with its hint or error, tied together for screen readers. `group`: several
 * controls answer the one question (a date as its parts): a fieldset named by its legend.
 */
export function Field(props: {
  id: string;
  label: string;
  error?: string;
  hint?: string;
  hintOk?: boolean;
  required?: boolean;
  group?: boolean;
  children: ComponentChildren;
}) {
  const described = props.error || props.hint ? `${props.id}-note` : undefined;
  const name = (
    <>
      {props.label}
      {props.required ? <span class="required"> *</span> : null}
    </>
  );
  const note = described && (
    <p id={described} class={props.error ? 'error' : props.hintOk ? 'hint ok' : 'hint'} aria-live="polite">
      {props.error ?? props.hint}
    </p>
  );
  const className = `field${props.error ? ' invalid' : ''}`;
  if (props.group)
    return (
      <fieldset class={className} aria-describedby={described}>
        <legend>{name}</legend>
        {props.children}
        {note}
      </fieldset>
    );
  return (
    <div class={className}>
      <label for={props.id}>{name}</label>
      {props.children}
      {note}
    </div>
  );
}

/** The wall-clock text of `WhenInput` ("2026-12-02T09:30"); the API wants ISO-8601 with an offset. */
export const toLocalInput = (ms: number) => {
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000);
  return d.toISOString().slice(0, 16);
};
export const fromLocalInput = (value: string) => new Date(value).toISOString();

/** Jurisdictions by code, and each one's path of names ("苏州市 › 姑苏区 › 沧浪街道"). */
// The tree changes rarely and a case page has several pickers: one request per session (the
// `mine` marks are the user's), asked again only after a failure.
let tree: { token: string | undefined; items: Promise<Jurisdiction[]> } | undefined;
function jurisdictionTree(): Promise<Jurisdiction[]> {
  const token = currentSession()?.token;
  if (tree && tree.token === token) return tree.items;
  const items = readThrough<{ items: Jurisdiction[] }>('/v1/jurisdictions').then((reply) => reply.data.items);
  items.catch(() => (tree = undefined));
  tree = { token, items };
  return items;
}

export function useJurisdictions() {
  const [loaded, setLoaded] = useState<Jurisdiction[]>();
  useEffect(() => {
    let live = true;
    jurisdictionTree().then(
      (items) => live && setLoaded(items),
      () => undefined, // the pickers show codes; the page's own request reports the failure
    );
    return () => {
      live = false;
    };
  }, []);
  const items = loaded ?? [];
  const byCode = new Map(items.map((j) => [j.code, j]));
  const path = (code: string): string => {
    const j = byCode.get(code);
    if (!j) return code;
    return j.parentCode && byCode.has(j.parentCode) ? `${path(j.parentCode)} › ${j.name}` : j.name;
  };
  const name = (code: string) => byCode.get(code)?.name ?? code;
  return { items, path, name, loaded: loaded !== undefined };
}

export function Toast({ message }: { message: string | null }) {
  return (
    <div class="toast" role="status" aria-live="polite">
      {message}
    </div>
  );
}

/**
 * A form's sending: busy while it runs, the problem if it fails. The form keeps what the user
 * entered, so a failed send is retried with one tap, under the same Idempotency-Key while no answer
 * came (the first attempt may have been recorded), under a new one once the API answered 4xx (that
 * answer is kept under its key, and the user may now change the form).
 */
export function useSubmit(send: (idempotencyKey: string) => Promise<void>) {
  const key = useRef(newKey());
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<Problem>();
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setProblem(undefined);
    try {
      await send(key.current);
    } catch (error) {
      const answered = toProblem(error);
      if (answered.status >= 400 && answered.status < 500) key.current = newKey();
      setProblem(answered);
    } finally {
      setBusy(false);
    }
  };
  return { busy, problem, submit };
}

/**
 * The end of a form: what went wrong, then send (and cancel where the form can be closed). The
 * button says 提交 unless the form names its own step.
 */
export function FormEnd(props: {
  busy: boolean;
  problem?: Problem;
  label?: string;
  busyLabel?: string;
  onCancel?: () => void;
  children?: ComponentChildren;
}) {
  return (
    <>
      {props.problem && <ProblemNote problem={props.problem} />}
      {props.children}
      <div class="actions">
        <button type="submit" class="primary" disabled={props.busy}>
          {props.busy ? (props.busyLabel ?? t('case.busy')) : (props.label ?? t('case.submit'))}
        </button>
        {props.onCancel && (
          <button type="button" onClick={props.onCancel}>
            {t('app.cancel')}
          </button>
        )}
      </div>
    </>
  );
}

/** A case in a list: the name, its badges and a line of detail; the whole card opens the case. */
export function CaseCard(props: { id: string; name: string; children: ComponentChildren }) {
  return (
    <li>
      <a class="card" href={`#/cases/${props.id}`}>
        <span class="card-title">{props.name}</span>
        {props.children}
      </a>
    </li>
  );
}

/** A file the API makes, fetched by a button: busy while it runs, the problem if it fails. */
export function useFileFetch() {
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);
  /** True once `use` had the file; false when the API refused or could not be reached. */
  const run = async (path: string, use: (file: { blob: Blob; filename: string }) => void) => {
    setBusy(true);
    setProblem(null);
    try {
      use(await fetchFile(path));
      return true;
    } catch (error) {
      setProblem(toProblem(error));
      return false;
    } finally {
      setBusy(false);
    }
  };
  return { busy, problem, run };
}

/** Saves a fetched file under its own name, as a download link would. */
export function saveFile({ blob, filename }: { blob: Blob; filename: string }): void {
  const url = URL.createObjectURL(blob);
  const link = Object.assign(document.createElement('a'), { href: url, download: filename });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
