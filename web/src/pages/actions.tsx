import { useState } from 'preact/hooks';
import { TASKS, UPDATES, type TaskKind, type UpdateName } from '../../../schemas/catalogue';
import { TIERS } from '../../../schemas/codes';
import { api, type CaseView, type Caseload, type Role } from '../api';
import { label, t, taskLabel, type MessageKey } from '../i18n';
import {
  Field,
  fieldErrors,
  FormEnd,
  fromLocalInput,
  toLocalInput,
  useJurisdictions,
  useResource,
  useSubmit,
} from '../ui';
import { WhenInput } from '../when';
import { parseDuration } from '../../../config/duration';

// The supervisor's actions on a case (api.md "Supervision"); a caseworker may start a transfer.

/** The console's action for each supervision command of the catalogue (its words: `action.<action>`). */
const ACTION_OF = {
  assign: 'assign',
  setTier: 'tier',
  transfer: 'transfer',
  delegate: 'delegate',
  endDelegation: 'endDelegation',
  close: 'close',
  extendTask: 'extend',
  approveEndOfControl: 'approve',
} as const satisfies Record<UpdateName, string>;
export type Action = (typeof ACTION_OF)[UpdateName];
/** Who may take each action: the catalogue's roles of its command. */
export const ACTIONS = Object.fromEntries(
  (Object.keys(ACTION_OF) as UpdateName[]).map((command) => [ACTION_OF[command], UPDATES[command].roles]),
) as Record<Action, readonly Role[]>;

/** The action that does a task, when a command does it (the catalogue's `doneBy`). */
export function taskAction(kind: string): Action | null {
  const done = (TASKS as Record<string, (typeof TASKS)[TaskKind]>)[kind]?.doneBy;
  return done && 'command' in done ? ACTION_OF[done.command] : null;
}
/** Offered from their task only: approving R19's proposal. */
export const TASK_ONLY: ReadonlySet<Action> = new Set(['approve']);

/** The actions that make sense for this case now, for this role. */
export const actionsFor = (role: Role, c: CaseView): Action[] =>
  (Object.keys(ACTIONS) as Action[]).filter(
    (a) =>
      !TASK_ONLY.has(a) && ACTIONS[a].includes(role) && (a !== 'endDelegation' || c.delegatedTo !== null),
  );

function Caseworkers({
  jurisdiction,
  value,
  onChange,
}: {
  jurisdiction: string;
  value: string;
  onChange: (v: string) => void;
}) {
  const loads = useResource<Caseload[]>(
    `/v1/supervisor/caseloads?jurisdiction=${encodeURIComponent(jurisdiction)}`,
  );
  return (
    <select id="action-caseworker" required value={value} onChange={(e) => onChange(e.currentTarget.value)}>
      <option value="">{t('action.chooseCaseworker')}</option>
      {(loads.data ?? [])
        .filter((load) => load.caseworker)
        .map((load) => (
          <option key={load.caseworker} value={load.caseworker!}>
            {load.displayName} ({load.openCases})
          </option>
        ))}
    </select>
  );
}

export function ActionForm(props: {
  action: Action;
  case: CaseView;
  onDone: (what: string) => void;
  onCancel: () => void;
}) {
  const { action } = props;
  const c = props.case;
  const [values, setValues] = useState<Record<string, string>>({
    caseworker: c.assignee ?? '',
    tier: c.tier,
    to: '',
    reason: '',
    taskId: c.openTasks[0]?.id ?? '',
  });
  // An extension of a week in the policy's days (a week is seconds on the accelerated policy, whose
  // deadlines.maxExtension is 90 s), to the next whole minute: the form asks to the minute.
  const policy = useResource<{ document: { dayLength?: string } }>('/v1/policies/current');
  const day = parseDuration(policy.data?.document.dayLength ?? 'P1D') ?? 86_400_000;
  const until = values.until ?? toLocalInput(Math.ceil((Date.now() + 7 * day) / 60_000) * 60_000);
  const jurisdictions = useJurisdictions();
  const set = (name: string) => (e: { currentTarget: { value: string } }) =>
    setValues({ ...values, [name]: e.currentTarget.value });
  const title = t(`action.${action}` as MessageKey);

  const { busy, problem, submit } = useSubmit(async (key) => {
    if (action === 'close' && !confirm(t('case.closeConfirm'))) return;
    const { reason } = values;
    const [path, body] =
      action === 'assign'
        ? ['assign', { caseworker: values.caseworker }]
        : action === 'tier'
          ? ['tier', { tier: values.tier, reason }]
          : action === 'transfer' || action === 'delegate'
            ? [action, { to: values.to, reason }]
            : action === 'endDelegation'
              ? ['delegate/end', { reason }]
              : action === 'close'
                ? ['close', { reason }]
                : action === 'approve'
                  ? ['end-of-control/approve', { note: reason }]
                  : [`tasks/${values.taskId}/extend`, { until: fromLocalInput(until), reason }];
    await api('POST', `/v1/cases/${c.id}/${path}`, body, key);
    props.onDone(title);
  });
  const errors = fieldErrors(problem);

  return (
    <form class="form event-form" onSubmit={submit} aria-labelledby="action-title" noValidate>
      <h3 id="action-title">{title}</h3>
      {action === 'assign' && (
        <Field id="action-caseworker" label={t('field.caseworker')} required error={errors.caseworker}>
          <Caseworkers
            jurisdiction={c.jurisdiction}
            value={values.caseworker!}
            onChange={(v) => setValues({ ...values, caseworker: v })}
          />
        </Field>
      )}
      {action === 'tier' && (
        <Field id="action-tier" label={t('field.tier')} required>
          <select id="action-tier" value={values.tier} onChange={set('tier')}>
            {TIERS.map((tier) => (
              <option key={tier} value={tier}>
                {label('tier', tier)}
              </option>
            ))}
          </select>
        </Field>
      )}
      {(action === 'transfer' || action === 'delegate') && (
        <Field
          id="action-to"
          label={t(action === 'delegate' ? 'field.delegateTo' : 'field.to')}
          required
          error={errors.to}
        >
          <select id="action-to" value={values.to} onChange={set('to')}>
            <option value="">{t('action.chooseJurisdiction')}</option>
            {jurisdictions.items
              .filter((j) => j.code !== c.jurisdiction && j.code !== c.delegatedTo)
              .map((j) => (
                <option key={j.code} value={j.code}>
                  {jurisdictions.path(j.code)}
                </option>
              ))}
          </select>
        </Field>
      )}
      {action === 'extend' && (
        <>
          <Field id="action-task" label={t('field.task')} required>
            <select id="action-task" value={values.taskId} onChange={set('taskId')}>
              {c.openTasks.map((task) => (
                <option key={task.id} value={task.id}>
                  {taskLabel(task.kind)}
                </option>
              ))}
            </select>
          </Field>
          <Field id="action-until" label={t('field.until')} required error={errors.until} group>
            <WhenInput
              id="action-until"
              value={until}
              onChange={(until) => setValues({ ...values, until })}
            />
          </Field>
        </>
      )}
      {action !== 'assign' && (
        <Field
          id="action-reason"
          label={t(action === 'approve' ? 'field.note' : 'field.reason')}
          required
          error={errors.reason ?? errors.note}
        >
          <textarea
            id="action-reason"
            required
            maxLength={500}
            value={values.reason}
            onInput={set('reason')}
          />
        </Field>
      )}
      <FormEnd busy={busy} problem={problem} onCancel={props.onCancel} />
    </form>
  );
}
