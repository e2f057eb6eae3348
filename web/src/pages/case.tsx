import { useEffect, useState } from 'preact/hooks';
import type { EventType } from '../../../schemas/events';
import { PARTY_ROLES } from '../../../schemas/services';
import { api, type CaseView, type TimelineEntry, type User } from '../api';
import { formatDate, formatTime, label, relative, t, taskLabel, type MessageKey } from '../i18n';
import {
  Badge,
  Empty,
  Field,
  fieldErrors,
  FormEnd,
  Loadable,
  ProblemNote,
  saveFile,
  Toast,
  useFileFetch,
  useJurisdictions,
  useResource,
  useSubmit,
} from '../ui';
import { ACTIONS, ActionForm, actionsFor, taskAction, type Action } from './actions';
import { OutboxAtCase } from './outbox';
import { EventForm, eventTypesFor, taskEvent } from './record';

type Open = { event: EventType; preset?: Record<string, unknown> } | { action: Action } | null;

// The engine's bookkeeping, hidden unless asked for: the events and what they changed stay in view.
const QUIET = new Set([
  'task_created',
  'task_completed',
  'task_cancelled',
  'notification_sent',
  'unannounced_tests_drawn',
]);
const PAGE = 50;

/** The supervisor's tasks, done by an action: the tier review (R10) and the end-of-control proposal (R19). */

/** One line of what an entry holds, in the user's words: "社区执行中 → 已结案", "结果：阴性". */
function describe(entry: TimelineEntry, place: (code: string) => string): string {
  const d = entry.data;
  if (entry.type === 'phase_changed')
    return `${label('phase', String(d.from))} → ${label('phase', String(d.phase))}`;
  if (entry.type === 'tier_changed' || entry.type === 'tier_set')
    return [
      d.from ? `${label('tier', String(d.from))} → ` : '',
      label('tier', String(d.tier)),
      d.why || d.reason ? ` · ${String(d.why ?? d.reason)}` : '',
    ].join('');
  const value = (key: string, v: unknown): string => {
    if (typeof v === 'boolean') return t(v ? 'app.yes' : 'app.no');
    if (typeof v !== 'string') return String(v);
    if (/^\d{4}-\d\d-\d\dT/.test(v)) return formatTime(v);
    if (key === 'jurisdiction' || key === 'to') return place(v);
    if (key === 'kind') return label(entry.type.startsWith('task_') ? 'task' : 'option', v);
    if (key === 'recipient') return label('role', v);
    if (key === 'reason' && entry.type === 'notification_sent') return label('notify', v);
    return label('option', v);
  };
  return SHOWN.filter((key) => d[key] !== undefined && d[key] !== null)
    .map((key) => `${label('field', key)}：${value(key, d[key])}`)
    .join(' · ');
}

const SHOWN = [
  'kind',
  'area',
  'action',
  'agency',
  'joint',
  'channel',
  'method',
  'result',
  'reached',
  'unannounced',
  'releaseAt',
  'by',
  'jurisdiction',
  'from',
  'until',
  'destination',
  'to',
  'caseworker',
  'dueAt',
  'recipient',
  'reason',
  'rule',
  'note',
];

function Timeline({ entries }: { entries: TimelineEntry[] }) {
  const jurisdictions = useJurisdictions();
  const [engine, setEngine] = useState(false);
  const [shown, setShown] = useState(PAGE);
  const visible = entries.filter((e) => engine || !QUIET.has(e.type)).reverse();
  return (
    <section aria-labelledby="timeline-title">
      <div class="heading">
        <h2 id="timeline-title">{t('case.timeline')}</h2>
        <label class="choice">
          <input type="checkbox" checked={engine} onChange={() => setEngine(!engine)} />
          {t('case.showEngine')}
        </label>
      </div>
      {visible.length === 0 ? (
        <Empty>{t('case.timelineEmpty')}</Empty>
      ) : (
        <ol class="timeline">
          {visible.slice(0, shown).map((entry) => (
            <li key={entry.seq} class={entry.kind}>
              <time dateTime={entry.at}>{formatTime(entry.at)}</time>
              <strong>{label(entry.kind === 'event' ? 'event' : 'engine', entry.type)}</strong>
              <span class="muted">{describe(entry, jurisdictions.path)}</span>
              <span class="muted">
                {entry.actor ? t('case.actor', { actor: entry.actor }) : t('case.system')}
              </span>
            </li>
          ))}
        </ol>
      )}
      {visible.length > shown && (
        <button type="button" onClick={() => setShown(shown + PAGE)}>
          {t('app.more')}
        </button>
      )}
    </section>
  );
}

const STEPS = ['assessedAt', 'referredAt', 'providedAt', 'achievedAt'] as const;

/** R24: the service plan, area by area, with the date each step was last recorded. */
function ServicePlan({ c }: { c: CaseView }) {
  const lines = c.services ?? [];
  return (
    <section aria-labelledby="plan-title">
      <h2 id="plan-title">{t('case.plan')}</h2>
      {lines.length === 0 ? (
        <Empty>{t('case.planEmpty')}</Empty>
      ) : (
        <div class="table-wrap">
          <table class="plan">
            <thead>
              <tr>
                <th scope="col">{t('field.area')}</th>
                {STEPS.map((step) => (
                  <th key={step} scope="col">
                    {label('option', step.replace(/At$/, ''))}
                  </th>
                ))}
                <th scope="col">{t('field.agency')}</th>
              </tr>
            </thead>
            <tbody>
              {lines.map((line) => (
                <tr key={line.area}>
                  <th scope="row">{label('option', line.area)}</th>
                  {STEPS.map((step) => (
                    <td key={step}>{line[step] ? formatDate(line[step]) : '—'}</td>
                  ))}
                  <td>{line.agency ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

/** R24: the four-party group; caseworkers and supervisors add its members. */
function Parties({ c, user, onAdded }: { c: CaseView; user: User; onAdded: (what: string) => void }) {
  const parties = c.parties ?? [];
  const [adding, setAdding] = useState(false);
  const mayAdd = c.status === 'open' && (user.role === 'caseworker' || user.role === 'supervisor');
  return (
    <section aria-labelledby="parties-title">
      <div class="heading">
        <h2 id="parties-title">{t('case.parties')}</h2>
        {mayAdd && !adding && (
          <button type="button" onClick={() => setAdding(true)}>
            {t('party.add')}
          </button>
        )}
      </div>
      {parties.length === 0 ? (
        <Empty>{t('case.partiesEmpty')}</Empty>
      ) : (
        <ul class="parties">
          {parties.map((p) => (
            <li key={p.id}>
              <strong>{label('party', p.role)}</strong> {p.name}
              {p.relation ? ` · ${p.relation}` : ''}
              {p.phone ? ` · ${p.phone}` : ''}
              {p.username ? ` · ${t('case.officerNotified')}` : ''}
            </li>
          ))}
        </ul>
      )}
      {adding && (
        <PartyForm
          caseId={c.id}
          onDone={() => (setAdding(false), onAdded(t('party.add')))}
          onCancel={() => setAdding(false)}
        />
      )}
    </section>
  );
}

function PartyForm(props: { caseId: string; onDone: () => void; onCancel: () => void }) {
  const [values, setValues] = useState({ role: 'family', name: '', relation: '', phone: '', username: '' });
  const set = (name: keyof typeof values) => (e: { currentTarget: { value: string } }) =>
    setValues({ ...values, [name]: e.currentTarget.value });
  const { busy, problem, submit } = useSubmit(async (key) => {
    const body: Record<string, string> = { role: values.role, name: values.name.trim() };
    for (const name of ['relation', 'phone', 'username'] as const) {
      const value = values[name].trim();
      if (value && (name !== 'username' || values.role === 'police_officer')) body[name] = value;
    }
    await api('POST', `/v1/cases/${props.caseId}/parties`, body, key);
    props.onDone();
  });
  const errors = fieldErrors(problem);
  return (
    <form class="form event-form" onSubmit={submit} aria-labelledby="party-title" noValidate>
      <h3 id="party-title">{t('party.add')}</h3>
      <fieldset class="choices">
        <legend>{t('party.role')}</legend>
        {PARTY_ROLES.map((role) => (
          <label key={role} class="choice">
            <input
              type="radio"
              name="party-role"
              value={role}
              checked={values.role === role}
              onChange={() => setValues({ ...values, role })}
            />
            {label('party', role)}
          </label>
        ))}
      </fieldset>
      <Field id="party-name" label={t('party.name')} required error={errors.name}>
        <input id="party-name" maxLength={100} value={values.name} onInput={set('name')} />
      </Field>
      <Field id="party-relation" label={t('party.relation')} error={errors.relation}>
        <input id="party-relation" maxLength={50} value={values.relation} onInput={set('relation')} />
      </Field>
      <Field id="party-phone" label={t('party.phone')} error={errors.phone}>
        <input id="party-phone" type="tel" maxLength={20} value={values.phone} onInput={set('phone')} />
      </Field>
      {values.role === 'police_officer' && (
        <Field
          id="party-username"
          label={t('party.username')}
          hint={t('party.usernameHint')}
          error={errors.username}
        >
          <input id="party-username" maxLength={100} value={values.username} onInput={set('username')} />
        </Field>
      )}
      <FormEnd busy={busy} problem={problem} onCancel={props.onCancel} />
    </form>
  );
}

function Facts({ c }: { c: CaseView }) {
  const jurisdictions = useJurisdictions();
  const rows: [MessageKey, string][] = [
    ['case.idNumber', c.person.idNumber],
    ['case.jurisdiction', jurisdictions.path(c.jurisdiction)],
    ...(c.transferTo ? [['case.transferTo', jurisdictions.path(c.transferTo)] as [MessageKey, string]] : []),
    ...(c.delegatedTo
      ? [['case.delegatedTo', jurisdictions.path(c.delegatedTo)] as [MessageKey, string]]
      : []),
    ['case.assignee', c.assignee ?? t('case.unassigned')],
    ['case.measure', label('measure', c.measure)],
    ['case.residenceAddress', c.person.residenceAddress],
    ...(c.person.registeredAddress
      ? [['case.registeredAddress', c.person.registeredAddress] as [MessageKey, string]]
      : []),
    ['case.origin', label('origin', c.origin)],
    ...(c.decision
      ? [
          [
            'case.decision',
            t('case.decisionText', {
              authority: c.decision.authority,
              date: formatDate(c.decision.decidedAt),
            }) + (c.decision.documentNo ? ` · ${c.decision.documentNo}` : ''),
          ] as [MessageKey, string],
        ]
      : []),
    ...(c.facility
      ? ([
          ['case.facility', c.facility.name],
          ['case.expectedRelease', formatTime(c.expectedReleaseAt)],
          ['case.released', formatTime(c.releasedAt)],
        ] as [MessageKey, string][])
      : []),
    [
      'case.term',
      c.term.startsAt && c.term.endsAt
        ? t('case.termDates', { from: formatDate(c.term.startsAt), to: formatDate(c.term.endsAt) }) +
          (c.term.pausedDays ? ` (${t('case.pausedDays', { days: c.term.pausedDays })})` : '')
        : t('case.termNotStarted'),
    ],
    ['case.policy', c.policyVersion],
  ];
  return (
    <dl class="facts">
      {rows.map(([key, v]) => (
        <div key={key}>
          <dt>{t(key)}</dt>
          <dd>{v}</dd>
        </div>
      ))}
    </dl>
  );
}

type DocumentKind = 'registration' | 'agreement' | 'end-of-control-proposal';

/** Who prints the standard forms (R26), as the API allows. */
const PRINTS: ReadonlySet<User['role']> = new Set(['caseworker', 'supervisor', 'liaison']);

/** The standard forms (R26); the end-of-control proposal once the engine has drafted it (R19). */
function PrintForms({ c }: { c: CaseView }) {
  const file = useFileFetch();
  const proposalDue = c.openTasks.some((x) => x.kind === 'end_of_control_proposal');
  const kinds: DocumentKind[] = ['registration', 'agreement'];
  if (proposalDue) kinds.push('end-of-control-proposal');
  const print = async (kind: DocumentKind) => {
    // The window opens on the tap itself (a popup opened after a wait is blocked), then gets the PDF.
    const popup = window.open('', '_blank');
    const shown = await file.run(`/v1/cases/${c.id}/documents/${kind}`, (fetched) => {
      if (!popup) return saveFile(fetched);
      const url = URL.createObjectURL(fetched.blob);
      popup.location.href = url;
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
    });
    if (!shown) popup?.close();
  };
  return (
    <section aria-labelledby="print-title">
      <h2 id="print-title">{t('case.print')}</h2>
      <p class="muted">{t('case.printHint')}</p>
      <div class="event-buttons">
        {kinds.map((kind) => (
          <button key={kind} type="button" disabled={file.busy} onClick={() => void print(kind)}>
            {t(`document.${kind}`)}
          </button>
        ))}
      </div>
      {file.busy && (
        <p class="loading" role="status">
          {t('case.printing')}
        </p>
      )}
      {file.problem && <ProblemNote problem={file.problem} />}
    </section>
  );
}

export function CasePage({ id, task, user }: { id: string; task: string | null; user: User }) {
  const theCase = useResource<CaseView>(`/v1/cases/${id}`);
  const timeline = useResource<{ items: TimelineEntry[] }>(`/v1/cases/${id}/timeline`);
  const [open, setOpen] = useState<Open>(null);
  const [toast, setToast] = useState<string | null>(null);

  // Arriving from the inbox with a task: its form is open, ready for one tap.
  useEffect(() => {
    const c = theCase.data;
    const found = task && c?.openTasks.find((x) => x.id === task);
    const mapped = found && taskEvent(found.kind);
    if (mapped && eventTypesFor(user.role).includes(mapped.type))
      setOpen({ event: mapped.type, preset: mapped.preset });
  }, [theCase.data?.id, task]);

  const done = (what: string, queued?: boolean) => {
    setOpen(null);
    setToast(t(queued ? 'outbox.queued' : 'case.recorded', { what }));
    theCase.reload();
    timeline.reload();
    if (task) history.replaceState(null, '', `#/cases/${id}`);
  };
  const cancel = () => setOpen(null);

  if (theCase.error?.status === 404) return <Empty>{t('case.notFound')}</Empty>;
  return (
    <Loadable resource={theCase}>
      {(c) => (
        <article aria-labelledby="case-title">
          <div class="heading">
            <h1 id="case-title">{c.person.name}</h1>
            <Badge kind="phase" code={c.phase} />
            <Badge kind="tier" code={c.tier} />
          </div>
          <OutboxAtCase caseId={c.id} />
          <Facts c={c} />
          <section aria-labelledby="counters-title">
            <h2 id="counters-title" class="sr-only">
              {t('case.counters')}
            </h2>
            <div class="tiles">
              {(['testsRefused', 'leavesWithoutNotice', 'daysAwayWithoutNotice'] as const).map((name) => (
                <div key={name} class={`tile${c.counters[name] > 0 ? ' warn' : ''}`}>
                  <span class="tile-value">{c.counters[name]}</span>
                  <span class="tile-label">{t(`case.${name}`)}</span>
                </div>
              ))}
            </div>
          </section>
          <ServicePlan c={c} />
          <Parties c={c} user={user} onAdded={done} />
          <section aria-labelledby="tasks-title">
            <h2 id="tasks-title">{t('case.openTasks')}</h2>
            {c.openTasks.length === 0 ? (
              <Empty>{t('case.noTasks')}</Empty>
            ) : (
              <ul class="tasks">
                {c.openTasks.map((x) => {
                  const mapped = taskEvent(x.kind);
                  const canRecord = mapped && eventTypesFor(user.role).includes(mapped.type);
                  const action = taskAction(x.kind);
                  const canAct = action && ACTIONS[action].includes(user.role);
                  return (
                    <li key={x.id} class={x.status}>
                      <span>{taskLabel(x.kind)}</span>
                      <Badge kind="taskStatus" code={x.status} />
                      <time dateTime={x.dueAt}>{relative(x.dueAt)}</time>
                      {canRecord && (
                        <button
                          type="button"
                          onClick={() => setOpen({ event: mapped.type, preset: mapped.preset })}
                        >
                          {label('event', mapped.type)}
                        </button>
                      )}
                      {canAct && (
                        <button type="button" onClick={() => setOpen({ action })}>
                          {t(`action.${action}`)}
                        </button>
                      )}
                    </li>
                  );
                })}
              </ul>
            )}
          </section>
          {c.status === 'open' && eventTypesFor(user.role).length > 0 && (
            <section aria-labelledby="record-title">
              <h2 id="record-title">{t('case.record')}</h2>
              <p class="muted">{t('case.recordHint')}</p>
              <div class="event-buttons">
                {eventTypesFor(user.role).map((type) => (
                  <button
                    key={type}
                    type="button"
                    aria-pressed={open !== null && 'event' in open && open.event === type}
                    onClick={() => setOpen({ event: type })}
                  >
                    {label('event', type)}
                  </button>
                ))}
              </div>
            </section>
          )}
          {c.status === 'open' && actionsFor(user.role, c).length > 0 && (
            <section aria-labelledby="actions-title">
              <h2 id="actions-title">{t('case.actions')}</h2>
              <div class="event-buttons">
                {actionsFor(user.role, c).map((a) => (
                  <button key={a} type="button" onClick={() => setOpen({ action: a })}>
                    {t(`action.${a}`)}
                  </button>
                ))}
              </div>
            </section>
          )}
          {open && 'event' in open && (
            <EventForm
              key={open.event}
              type={open.event}
              case={c}
              preset={open.preset}
              onDone={done}
              onCancel={cancel}
            />
          )}
          {open && 'action' in open && (
            <ActionForm key={open.action} action={open.action} case={c} onDone={done} onCancel={cancel} />
          )}
          {PRINTS.has(user.role) && <PrintForms c={c} />}
          <Toast message={toast} />
          <Loadable resource={timeline}>{({ items }) => <Timeline entries={items} />}</Loadable>
        </article>
      )}
    </Loadable>
  );
}
