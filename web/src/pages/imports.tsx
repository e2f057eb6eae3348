import { useEffect, useState } from 'preact/hooks';
import { api, currentSession, type ImportDryRun, type ImportRowError, type ImportView } from '../api';
import { label, t } from '../i18n';
import { Field, FormEnd, useSubmit } from '../ui';

// R25: the supervisor brings in a caseload already under way: choose the file, check it (a dry
// run), then import it and follow its progress.

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** The file with the media type the API expects, whatever the browser guessed. */
function asUpload(file: File): Blob {
  return new Blob([file], { type: /\.xlsx$/i.test(file.name) ? XLSX : 'text/csv' });
}

async function downloadTemplate(): Promise<void> {
  const reply = await fetch('/v1/imports/template.csv', {
    headers: { authorization: `Bearer ${currentSession()?.token ?? ''}` },
  });
  const url = URL.createObjectURL(await reply.blob());
  const a = Object.assign(document.createElement('a'), { href: url, download: 'import-template.csv' });
  a.click();
  URL.revokeObjectURL(url);
}

function RowErrors({ invalid }: { invalid: { row: number; errors: ImportRowError[] }[] }) {
  if (!invalid.length) return null;
  return (
    <div class="table-wrap">
      <table aria-label={t('imports.problem')}>
        <thead>
          <tr>
            <th scope="col">{t('imports.row')}</th>
            <th scope="col">{t('imports.column')}</th>
            <th scope="col">{t('imports.problem')}</th>
          </tr>
        </thead>
        <tbody>
          {invalid.flatMap((row) =>
            row.errors.map((error, i) => (
              <tr key={`${row.row}-${i}`}>
                <td>{row.row}</td>
                <td>{label('imports.column', error.column)}</td>
                <td>{label('imports.error', error.code)}</td>
              </tr>
            )),
          )}
        </tbody>
      </table>
    </div>
  );
}

export function ImportsPage() {
  const [file, setFile] = useState<File | null>(null);
  const [report, setReport] = useState<ImportDryRun | null>(null);
  const [job, setJob] = useState<ImportView | null>(null);

  const check = useSubmit(async () => {
    if (!file) throw new Error(t('imports.chooseFile'));
    setReport(await api<ImportDryRun>('POST', '/v1/imports?dryRun=true', asUpload(file)));
  });
  const start = useSubmit(async () => {
    if (!file) return;
    const { id } = await api<{ id: string }>('POST', '/v1/imports', asUpload(file));
    setJob(await api<ImportView>('GET', `/v1/imports/${id}`));
  });

  useEffect(() => {
    if (job?.status !== 'running') return;
    const timer = setTimeout(() => {
      void api<ImportView>('GET', `/v1/imports/${job.id}`).then(setJob, () => undefined);
    }, 1_000);
    return () => clearTimeout(timer);
  }, [job]);

  const elsewhere = (job?.skippedRows ?? [])
    .filter((r) => r.reason === 'open_case_elsewhere')
    .map((r) => r.row);

  const choose = (e: { currentTarget: HTMLInputElement }) => {
    setFile(e.currentTarget.files?.[0] ?? null);
    setReport(null);
    setJob(null);
  };

  return (
    <section aria-labelledby="imports-title">
      <h1 id="imports-title">{t('imports.title')}</h1>
      <p class="intro">{t('imports.intro')}</p>
      <p>
        <button type="button" onClick={() => void downloadTemplate()}>
          {t('imports.template')}
        </button>
      </p>
      <form onSubmit={check.submit} class="form" noValidate>
        <Field id="import-file" label={t('imports.file')} required hint={t('imports.fileHint')}>
          <input id="import-file" type="file" accept=".csv,.xlsx,text/csv" required onChange={choose} />
        </Field>
        <FormEnd
          busy={check.busy}
          problem={check.problem}
          label={t('imports.check')}
          busyLabel={t('imports.checking')}
        />
      </form>

      {report && (
        <div class="import-report" role="status">
          <p>
            {t('imports.report', {
              total: report.total,
              valid: report.valid,
              invalid: report.invalid.length,
              open: report.alreadyOpen.length,
            })}
          </p>
          {report.ignoredColumns.length > 0 && (
            <p>{t('imports.ignored', { columns: report.ignoredColumns.join('、') })}</p>
          )}
          {report.invalid.length === 0 && <p>{t('imports.allValid')}</p>}
          <RowErrors invalid={report.invalid} />
          {!job && report.valid > 0 && (
            <form onSubmit={start.submit} class="form">
              <FormEnd
                busy={start.busy}
                problem={start.problem}
                label={t('imports.start')}
                busyLabel={t('imports.starting')}
              />
            </form>
          )}
        </div>
      )}

      {job && (
        <div class="import-progress">
          <h2>{t('imports.progress')}</h2>
          <progress aria-label={t('imports.progress')} max={job.total} value={job.total - job.pending} />
          <p role="status">
            {t(`imports.status.${job.status}`)}{' '}
            {t('imports.counts', {
              done: job.total - job.pending,
              total: job.total,
              created: job.created,
              skipped: job.skipped,
              invalid: job.invalid.length,
            })}
          </p>
          {elsewhere.length > 0 && <p>{t('imports.skippedElsewhere', { rows: elsewhere.join('、') })}</p>}
          {job.status === 'done' && job.cases.length > 0 && <a href="#/cases">{t('imports.viewCases')}</a>}
        </div>
      )}
    </section>
  );
}
