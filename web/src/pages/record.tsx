import { useRef, useState } from 'preact/hooks';
import { EVENTS, TASKS, type TaskKind } from '../../../schemas/catalogue';
import type { EventType } from '../../../schemas/events';
import { SERVICE_ACTIONS, SERVICE_AREAS } from '../../../schemas/services';
import type { CaseView, Role } from '../api';
import { recordOrQueue } from '../offline/outbox';
import { label, t, type MessageKey } from '../i18n';
import {
  Field,
  fieldErrors,
  FormEnd,
  fromLocalInput,
  toLocalInput,
  useJurisdictions,
  useSubmit,
} from '../ui';
import { WhenInput } from '../when';

// One form per event type of api.md "Recording what happened", described as data: each field is
// a choice, a yes/no, a time, a jurisdiction or a line of text, with the value a tap leaves.

type FieldDef =
  | { name: string; kind: 'select'; options: string[] }
  | { name: string; kind: 'bool'; initial: boolean }
  | { name: string; kind: 'time'; optional?: boolean }
  | { name: string; kind: 'text'; optional?: boolean }
  | { name: string; kind: 'jurisdiction' };

const select = (name: string, options: string[]): FieldDef => ({ name, kind: 'select', options });

export const EVENT_FIELDS: Record<EventType, FieldDef[]> = {
  intervention: [select('kind', ['intake', 'briefing', 'interview'])],
  agreement_signed: [select('kind', ['community', 'assistance'])],
  release_date_confirmed: [{ name: 'releaseAt', kind: 'time' }],
  released: [],
  picked_up: [{ name: 'by', kind: 'text' }],
  reported_in: [{ name: 'jurisdiction', kind: 'jurisdiction' }],
  home_visit: [{ name: 'reached', kind: 'bool', initial: true }],
  contact: [
    select('channel', ['phone', 'interview', 'visit', 'message']),
    { name: 'reached', kind: 'bool', initial: true },
  ],
  test: [
    select('method', ['urine', 'hair']),
    select('result', ['negative', 'positive', 'refused', 'missed']),
    { name: 'unannounced', kind: 'bool', initial: false },
  ],
  leave_notice: [
    { name: 'from', kind: 'time' },
    { name: 'until', kind: 'time' },
    { name: 'destination', kind: 'text' },
  ],
  absence_found: [
    { name: 'from', kind: 'time' },
    { name: 'until', kind: 'time', optional: true },
  ],
  detained: [],
  freed: [],
  sentenced: [],
  service: [
    select('area', [...SERVICE_AREAS]),
    select('action', [...SERVICE_ACTIONS]),
    { name: 'agency', kind: 'text', optional: true },
  ],
};

/** Which event does a task, and how its form starts (the catalogue's `doneBy`); null for a command's task. */
export function taskEvent(kind: string): { type: EventType; preset?: Record<string, unknown> } | null {
  const done = (TASKS as Record<string, (typeof TASKS)[TaskKind]>)[kind]?.doneBy;
  return done && 'event' in done
    ? { type: done.event, ...('preset' in done ? { preset: done.preset } : {}) }
    : null;
}

export const eventTypesFor = (role: Role) =>
  (Object.keys(EVENT_FIELDS) as EventType[]).filter((type) => EVENTS[type].roles.includes(role));

const DAY = 86_400_000;

function initialValues(type: EventType, c: CaseView, preset: Record<string, unknown> = {}) {
  const now = Date.now();
  const values: Record<string, unknown> = {};
  for (const field of EVENT_FIELDS[type]) {
    if (field.kind === 'select') values[field.name] = field.options[0];
    if (field.kind === 'bool') values[field.name] = field.initial;
    if (field.kind === 'text') values[field.name] = '';
    if (field.kind === 'jurisdiction') values[field.name] = c.transferTo ?? c.jurisdiction;
    if (field.kind === 'time' && !field.optional)
      values[field.name] = toLocalInput(
        field.name === 'releaseAt'
          ? Date.parse(c.expectedReleaseAt ?? new Date(now).toISOString())
          : field.name === 'until'
            ? now + 7 * DAY
            : now,
      );
  }
  return { ...values, ...preset };
}

export function EventForm(props: {
  type: EventType;
  case: CaseView;
  preset?: Record<string, unknown>;
  onDone: (what: string, queued?: boolean) => void;
  onCancel: () => void;
}) {
  const { type } = props;
  // The time it happened, fixed with the form's Idempotency-Key: a resend (now or from the outbox)
  // carries the very same body, so the API answers it with the first reply.
  const stamp = useRef<{ key: string; at: string } | undefined>(undefined);
  const [values, setValues] = useState(() => initialValues(type, props.case, props.preset));
  const [occurredAt, setOccurredAt] = useState('');
  const [note, setNote] = useState('');
  const jurisdictions = useJurisdictions();
  const set = (name: string, value: unknown) => setValues({ ...values, [name]: value });

  const { busy, problem, submit } = useSubmit(async (key) => {
    const body: Record<string, unknown> = { type };
    for (const field of EVENT_FIELDS[type]) {
      const value = values[field.name];
      if (field.kind === 'time') {
        if (value) body[field.name] = fromLocalInput(value as string);
      } else if (field.kind === 'text' && field.optional) {
        if ((value as string).trim()) body[field.name] = (value as string).trim();
      } else body[field.name] = value;
    }
    if (stamp.current?.key !== key) stamp.current = { key, at: new Date().toISOString() };
    body.occurredAt = occurredAt ? fromLocalInput(occurredAt) : stamp.current.at;
    if (note.trim()) body.note = note.trim();
    const queued = await recordOrQueue({
      key,
      caseId: props.case.id,
      caseName: props.case.person.name,
      path: `/v1/cases/${props.case.id}/events`,
      type,
      body: body as typeof body & { occurredAt: string },
    });
    props.onDone(label('event', type), queued);
  });
  const errors = fieldErrors(problem);

  const id = (name: string) => `ev-${type}-${name}`;
  return (
    <form class="form event-form" onSubmit={submit} aria-labelledby={id('title')} noValidate>
      <h3 id={id('title')}>{label('event', type)}</h3>
      {EVENT_FIELDS[type].map((field) => {
        const fieldLabel = t(`field.${field.name}` as MessageKey);
        const error = errors[field.name];
        switch (field.kind) {
          case 'select':
            return (
              <fieldset key={field.name} class="choices">
                <legend>{fieldLabel}</legend>
                {field.options.map((option) => (
                  <label key={option} class="choice">
                    <input
                      type="radio"
                      name={id(field.name)}
                      value={option}
                      checked={values[field.name] === option}
                      onChange={() => set(field.name, option)}
                    />
                    {label('option', option)}
                  </label>
                ))}
              </fieldset>
            );
          case 'bool':
            return (
              <fieldset key={field.name} class="choices">
                <legend>{fieldLabel}</legend>
                {[true, false].map((option) => (
                  <label key={String(option)} class="choice">
                    <input
                      type="radio"
                      name={id(field.name)}
                      checked={values[field.name] === option}
                      onChange={() => set(field.name, option)}
                    />
                    {t(option ? 'app.yes' : 'app.no')}
                  </label>
                ))}
              </fieldset>
            );
          case 'time':
            return (
              <Field
                key={field.name}
                id={id(field.name)}
                label={fieldLabel}
                error={error}
                required={!field.optional}
                group
              >
                <WhenInput
                  id={id(field.name)}
                  optional={field.optional}
                  value={(values[field.name] as string | undefined) ?? ''}
                  onChange={(value) => set(field.name, value)}
                />
              </Field>
            );
          case 'jurisdiction':
            return (
              <Field key={field.name} id={id(field.name)} label={fieldLabel} error={error} required>
                <select
                  id={id(field.name)}
                  value={values[field.name] as string}
                  onChange={(e) => set(field.name, e.currentTarget.value)}
                >
                  {/* Until the names arrive, the chosen code is an option of its own, so the
                      select shows (and sends) what the form holds. */}
                  {(jurisdictions.loaded
                    ? jurisdictions.items
                    : [{ code: values[field.name] as string }]
                  ).map((j) => (
                    <option key={j.code} value={j.code}>
                      {jurisdictions.path(j.code)}
                    </option>
                  ))}
                </select>
              </Field>
            );
          default:
            return (
              <Field
                key={field.name}
                id={id(field.name)}
                label={fieldLabel}
                error={error}
                required={!field.optional}
              >
                <input
                  id={id(field.name)}
                  value={values[field.name] as string}
                  maxLength={200}
                  onInput={(e) => set(field.name, e.currentTarget.value)}
                />
              </Field>
            );
        }
      })}
      <details>
        <summary>
          {t('field.occurredAt')} · {t('field.note')}
        </summary>
        <Field id={id('occurredAt')} label={t('field.occurredAt')} error={errors.occurredAt} group>
          <WhenInput id={id('occurredAt')} optional value={occurredAt} onChange={setOccurredAt} />
        </Field>
        <Field id={id('note')} label={t('field.note')} error={errors.note}>
          <textarea
            id={id('note')}
            maxLength={2000}
            value={note}
            onInput={(e) => setNote(e.currentTarget.value)}
          />
        </Field>
      </details>
      <FormEnd busy={busy} problem={problem} onCancel={props.onCancel} />
    </form>
  );
}
