import { useMemo, useState } from 'preact/hooks';
import { birthDateOf, idNumberProblem } from '../../../schemas/id-number';
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
import { WhenInput } from '../when';

const DAY = 86_400_000;

/** What the ID number says as it is typed: how many characters so far, a bad check digit, or the birth date. */
function idNote(value: string): { text: string; ok: boolean } | undefined {
  if (!value) return undefined;
  const problem = idNumberProblem(value);
  if (!problem) {
    const sex = Number(value[16]) % 2 === 1 ? t('option.male') : t('option.female');
    return { text: t('handover.idOk', { birthDate: birthDateOf(value)!, sex }), ok: true };
  }
  if (problem.startsWith('must be 18'))
    return { text: t('handover.idLength', { count: value.length }), ok: false };
  if (problem.startsWith('check digit')) return { text: t('handover.idCheck'), ok: false };
  return { text: t('handover.idDate'), ok: false };
}

/** The person's fields, shared by the handover and the police-order forms. */
export function usePerson() {
  const [form, setForm] = useState({
    name: '',
    idNumber: '',
    phone: '',
    residenceAddress: '',
    registeredAddress: '',
  });
  const set = (name: keyof typeof form) => (e: { currentTarget: { value: string } }) =>
    setForm({ ...form, [name]: e.currentTarget.value });
  const id = form.idNumber.trim().toUpperCase();
  const note = idNote(id);
  const body = () => ({
    name: form.name,
    idNumber: id,
    ...(note?.ok ? { birthDate: birthDateOf(id)!, sex: Number(id[16]) % 2 === 1 ? 'male' : 'female' } : {}),
    ...(form.phone.trim() ? { phone: form.phone.trim() } : {}),
    residenceAddress: form.residenceAddress,
    ...(form.registeredAddress.trim() ? { registeredAddress: form.registeredAddress.trim() } : {}),
  });
  return { form, set, id, note, body };
}

export function PersonFields({
  person: { form, set, id, note },
  errors,
}: {
  person: ReturnType<typeof usePerson>;
  errors: Record<string, string>;
}) {
  return (
    <fieldset>
      <legend>{t('handover.person')}</legend>
      <Field id="name" label={t('handover.name')} required error={errors['person.name']}>
        <input id="name" required maxLength={100} value={form.name} onInput={set('name')} />
      </Field>
      <Field
        id="idNumber"
        label={t('handover.idNumber')}
        required
        error={errors['person.idNumber'] ?? (note && !note.ok && id.length >= 18 ? note.text : undefined)}
        hint={note?.text}
        hintOk={note?.ok}
      >
        <input
          id="idNumber"
          required
          inputMode="text"
          autocomplete="off"
          maxLength={18}
          value={form.idNumber}
          onInput={set('idNumber')}
          aria-invalid={note ? !note.ok : undefined}
        />
      </Field>
      <Field id="phone" label={t('handover.phone')} error={errors['person.phone']}>
        <input id="phone" type="tel" inputMode="tel" value={form.phone} onInput={set('phone')} />
      </Field>
      <Field id="address" label={t('handover.address')} required error={errors['person.residenceAddress']}>
        <input
          id="address"
          required
          maxLength={300}
          value={form.residenceAddress}
          onInput={set('residenceAddress')}
        />
      </Field>
      <Field
        id="registeredAddress"
        label={t('handover.registeredAddress')}
        error={errors['person.registeredAddress']}
      >
        <input
          id="registeredAddress"
          maxLength={300}
          value={form.registeredAddress}
          onInput={set('registeredAddress')}
        />
      </Field>
    </fieldset>
  );
}

/** The open case a 409 names, to link to it. */
export const duplicateOf = (problem: { status: number; detail?: string } | undefined) =>
  problem?.status === 409 ? /open case: ([0-9a-f-]{36})/.exec(problem.detail ?? '')?.[1] : null;

/** Where the person is to be followed (the caller's own jurisdictions) and a note: the last fields of every way in. */
export function DestinationFields(props: {
  jurisdictions: ReturnType<typeof useJurisdictions>;
  destination: string;
  note: string;
  errors: Record<string, string>;
  onDestination: (e: { currentTarget: { value: string } }) => void;
  onNote: (e: { currentTarget: { value: string } }) => void;
}) {
  const { jurisdictions, destination, note, errors, onDestination, onNote } = props;
  const destinations = useMemo(() => jurisdictions.items.filter((j) => j.mine), [jurisdictions.items]);
  return (
    <>
      <Field id="destination" label={t('handover.destination')} required error={errors.destination}>
        <select id="destination" required value={destination} onChange={onDestination}>
          <option value="">{t('handover.chooseDestination')}</option>
          {destinations.map((j) => (
            <option key={j.code} value={j.code}>
              {jurisdictions.path(j.code)}
            </option>
          ))}
        </select>
      </Field>
      <Field id="note" label={t('handover.note')} error={errors.note}>
        <textarea id="note" maxLength={2000} value={note} onInput={onNote} />
      </Field>
    </>
  );
}

export function HandoverPage() {
  const jurisdictions = useJurisdictions();
  const person = usePerson();
  const [form, setForm] = useState({
    facility: '',
    measure: 'community_detox',
    expectedReleaseAt: toLocalInput(Date.now() + 30 * DAY),
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
        person: person.body(),
        facility: { name: form.facility },
        measure: form.measure,
        expectedReleaseAt: fromLocalInput(form.expectedReleaseAt),
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
    <section aria-labelledby="handover-title">
      <h1 id="handover-title">{t('handover.title')}</h1>
      <p class="intro">{t('handover.intro')}</p>
      <form onSubmit={submit} class="form" noValidate>
        <PersonFields person={person} errors={errors} />
        <Field id="facility" label={t('handover.facility')} required error={errors['facility.name']}>
          <input id="facility" required maxLength={200} value={form.facility} onInput={set('facility')} />
        </Field>
        <Field id="measure" label={t('handover.measure')} required>
          <select id="measure" value={form.measure} onChange={set('measure')}>
            <option value="community_detox">{t('measure.community_detox')}</option>
            <option value="community_rehabilitation">{t('measure.community_rehabilitation')}</option>
          </select>
        </Field>
        <Field
          id="expected"
          label={t('handover.expectedReleaseAt')}
          required
          error={errors.expectedReleaseAt}
          group
        >
          <WhenInput
            id="expected"
            value={form.expectedReleaseAt}
            onChange={(value) => setForm({ ...form, expectedReleaseAt: value })}
          />
        </Field>
        <DestinationFields
          jurisdictions={jurisdictions}
          destination={form.destination}
          note={form.note}
          errors={errors}
          onDestination={set('destination')}
          onNote={set('note')}
        />
        <FormEnd busy={busy} problem={problem} label={t('handover.submit')} busyLabel={t('handover.busy')}>
          {duplicate && <a href={`#/cases/${duplicate}`}>{t('handover.openDuplicate')}</a>}
        </FormEnd>
      </form>
    </section>
  );
}
