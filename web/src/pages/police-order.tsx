import { useState } from 'preact/hooks';
import { api, type CaseView } from '../api';
import { t } from '../i18n';
import {
  Field,
  fieldErrors,
  FormEnd,
  fromLocalInput,
  toLocalInput,
  useJurisdictions,
  useSubmit,
} from '../ui';
import { DestinationFields, duplicateOf, PersonFields, usePerson } from './handover';
import { WhenInput } from '../when';

/** R22: community detox ordered by the public security organ; the 15-day report-in runs from the decision. */
export function PoliceOrderPage() {
  const jurisdictions = useJurisdictions();
  const person = usePerson();
  const [form, setForm] = useState({
    authority: '',
    decidedAt: toLocalInput(Date.now()),
    documentNo: '',
    destination: '',
    note: '',
  });
  const set = (name: keyof typeof form) => (e: { currentTarget: { value: string } }) =>
    setForm({ ...form, [name]: e.currentTarget.value });

  const { busy, problem, submit } = useSubmit(async (key) => {
    const created = await api<CaseView>(
      'POST',
      '/v1/cases',
      {
        origin: 'police_order',
        person: person.body(),
        measure: 'community_detox',
        decision: {
          authority: form.authority,
          decidedAt: form.decidedAt ? fromLocalInput(form.decidedAt) : '',
          ...(form.documentNo.trim() ? { documentNo: form.documentNo.trim() } : {}),
        },
        destination: form.destination,
        ...(form.note.trim() ? { note: form.note.trim() } : {}),
      },
      key,
    );
    location.hash = `#/cases/${created.id}`;
  });
  const errors = fieldErrors(problem);
  const duplicate = duplicateOf(problem);

  return (
    <section aria-labelledby="police-order-title">
      <h1 id="police-order-title">{t('policeOrder.title')}</h1>
      <p class="intro">{t('policeOrder.intro')}</p>
      <form onSubmit={submit} class="form" noValidate>
        <PersonFields person={person} errors={errors} />
        <fieldset>
          <legend>{t('policeOrder.decision')}</legend>
          <Field
            id="authority"
            label={t('policeOrder.authority')}
            required
            error={errors['decision.authority']}
          >
            <input
              id="authority"
              required
              maxLength={200}
              value={form.authority}
              onInput={set('authority')}
            />
          </Field>
          <Field
            id="decidedAt"
            label={t('policeOrder.decidedAt')}
            required
            hint={t('policeOrder.decidedAtHint')}
            error={errors['decision.decidedAt']}
            group
          >
            <WhenInput
              id="decidedAt"
              value={form.decidedAt}
              onChange={(value) => setForm({ ...form, decidedAt: value })}
            />
          </Field>
          <Field id="documentNo" label={t('policeOrder.documentNo')} error={errors['decision.documentNo']}>
            <input id="documentNo" maxLength={100} value={form.documentNo} onInput={set('documentNo')} />
          </Field>
        </fieldset>
        <DestinationFields
          jurisdictions={jurisdictions}
          destination={form.destination}
          note={form.note}
          errors={errors}
          onDestination={set('destination')}
          onNote={set('note')}
        />
        <FormEnd busy={busy} problem={problem} label={t('policeOrder.submit')} busyLabel={t('handover.busy')}>
          {duplicate && <a href={`#/cases/${duplicate}`}>{t('handover.openDuplicate')}</a>}
        </FormEnd>
      </form>
    </section>
  );
}
