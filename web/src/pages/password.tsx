import { useState } from 'preact/hooks';
import { api } from '../api';
import { t } from '../i18n';
import { Field, FormEnd, useSubmit } from '../ui';

// 修改密码: the current password, then the new one twice. The server decides what is too weak
// (12 characters at least, not the username, not a common password) and says so by its code; the
// console only checks that the two new ones match. This browser stays logged in; the user's
// other sessions end.

const MIN_LENGTH = 12;

export function PasswordPage() {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [again, setAgain] = useState('');
  const [done, setDone] = useState(false);
  const mismatch = again !== '' && again !== next;
  const { busy, problem, submit } = useSubmit(async () => {
    if (next !== again) return;
    setDone(false);
    await api<void>('POST', '/v1/auth/password', { current, next });
    setCurrent('');
    setNext('');
    setAgain('');
    setDone(true);
  });
  return (
    <section>
      <h1>{t('password.title')}</h1>
      {done && (
        <p class="notice" role="status">
          {t('password.changed')}
        </p>
      )}
      <form onSubmit={submit} aria-labelledby="password-form">
        <h2 id="password-form" class="sr-only">
          {t('password.title')}
        </h2>
        <Field id="current-password" label={t('password.current')} required>
          <input
            id="current-password"
            type="password"
            autocomplete="current-password"
            required
            value={current}
            onInput={(e) => setCurrent(e.currentTarget.value)}
          />
        </Field>
        <Field
          id="new-password"
          label={t('password.next')}
          hint={t('password.rules', { count: MIN_LENGTH })}
          required
        >
          <input
            id="new-password"
            type="password"
            autocomplete="new-password"
            required
            minLength={MIN_LENGTH}
            value={next}
            onInput={(e) => setNext(e.currentTarget.value)}
          />
        </Field>
        <Field
          id="new-password-again"
          label={t('password.again')}
          error={mismatch ? t('password.mismatch') : undefined}
          required
        >
          <input
            id="new-password-again"
            type="password"
            autocomplete="new-password"
            required
            value={again}
            onInput={(e) => setAgain(e.currentTarget.value)}
          />
        </Field>
        <FormEnd busy={busy} problem={problem} label={t('password.submit')} busyLabel={t('password.busy')} />
      </form>
    </section>
  );
}
