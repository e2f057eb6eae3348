import { useEffect, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import { FIGURES, type Figure, type MonthlyReport } from '../../../schemas/report-figures';
import { SERVICE_ACTIONS, SERVICE_AREAS } from '../../../schemas/services';
import { download } from '../api';
import { label, t } from '../i18n';
import { Loadable, ProblemNote, toProblem, useJurisdictions, useResource } from '../ui';
import { WhenInput } from '../when';

// The supervisor's monthly report for the 禁毒办 (docs/reports.md): the month's figures, each
// charted against the twelve months before, the services table, and the workbook to download.

const thisMonth = () => new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 7);

function FigureChart({ report, figure }: { report: MonthlyReport; figure: Figure }) {
  const box = useRef<HTMLDivElement>(null);
  const months = [...report.previous, { month: report.month, figures: report.figures }];
  useEffect(() => {
    if (!box.current) return;
    const width = Math.min(box.current.clientWidth || 320, 480);
    const chart = new uPlot(
      {
        width,
        height: 140,
        legend: { show: false },
        scales: { x: { time: false }, y: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
        axes: [
          { values: (_u, ticks) => ticks.map((i) => months[i]?.month.slice(2) ?? '') },
          { values: (_u, ticks) => ticks.map((v) => (Number.isInteger(v) ? String(v) : '')) },
        ],
        series: [{}, { label: t(`report.${figure}`), stroke: '#1d5fa8', width: 2, points: { size: 5 } }],
      },
      [months.map((_, i) => i), months.map((m) => m.figures[figure])],
      box.current,
    );
    return () => chart.destroy();
  }, [report]);
  return (
    <figure class="trend figure">
      <figcaption>
        <span>{t(`report.${figure}`)}</span>
        <strong class="figure-value">{report.figures[figure]}</strong>
      </figcaption>
      <div ref={box} aria-hidden="true" />
      <details>
        <summary>{t('supervisor.trendTable')}</summary>
        <table>
          <thead>
            <tr>
              <th scope="col">{t('supervisor.month')}</th>
              <th scope="col">{t(`report.${figure}`)}</th>
            </tr>
          </thead>
          <tbody>
            {months.map((m) => (
              <tr key={m.month}>
                <td>{m.month}</td>
                <td>{m.figures[figure]}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}

function Services({ report }: { report: MonthlyReport }) {
  return (
    <section aria-labelledby="report-services">
      <h2 id="report-services">{t('report.services')}</h2>
      <div class="table-wrap">
        <table class="plan">
          <thead>
            <tr>
              <th scope="col">{t('field.area')}</th>
              {SERVICE_ACTIONS.map((action) => (
                <th key={action} scope="col">
                  {label('option', action)}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {SERVICE_AREAS.map((area) => (
              <tr key={area}>
                <th scope="row">{label('option', area)}</th>
                {SERVICE_ACTIONS.map((action) => (
                  <td key={action}>{report.figures.services[area][action]}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

export function ReportPage() {
  const jurisdictions = useJurisdictions();
  const mine = jurisdictions.items.filter((j) => j.mine);
  const [scope, setScope] = useState('');
  const [month, setMonth] = useState(thisMonth());
  const [problem, setProblem] = useState<ReturnType<typeof toProblem> | null>(null);
  const query = `month=${month}${scope ? `&jurisdiction=${encodeURIComponent(scope)}` : ''}`;
  const report = useResource<MonthlyReport>(`/v1/reports/monthly?${query}`);
  const save = () => {
    setProblem(null);
    download(`/v1/reports/monthly?${query}&format=xlsx`, `monthly-${scope || 'report'}-${month}.xlsx`).catch(
      (e: unknown) => setProblem(toProblem(e)),
    );
  };
  return (
    <section aria-labelledby="report-title">
      <div class="heading">
        <h1 id="report-title">{t('report.title')}</h1>
        <label for="report-scope" class="sr-only">
          {t('supervisor.scope')}
        </label>
        <select id="report-scope" value={scope} onChange={(e) => setScope(e.currentTarget.value)}>
          {mine.length !== 1 && <option value="">{t('report.firstScope')}</option>}
          {mine.map((j) => (
            <option key={j.code} value={j.code}>
              {jurisdictions.path(j.code)}
            </option>
          ))}
        </select>
        <div class="when-labelled" role="group" aria-labelledby="report-month-label">
          <span id="report-month-label">{t('report.month')}</span>
          <WhenInput
            id="report-month"
            precision="month"
            value={month}
            years={[Number(thisMonth().slice(0, 4)) - 5, Number(thisMonth().slice(0, 4))]}
            latest={thisMonth()}
            onChange={(value) => value && setMonth(value)}
          />
        </div>
        <button type="button" onClick={save}>
          {t('report.download')}
        </button>
      </div>
      {problem && <ProblemNote problem={problem} />}
      <Loadable resource={report}>
        {(r) => (
          <>
            <p class="muted">
              {t('report.caption', { month: r.month, place: jurisdictions.path(r.jurisdiction) })}
            </p>
            <div class="figures">
              {FIGURES.map((figure) => (
                <FigureChart key={figure} report={r} figure={figure} />
              ))}
            </div>
            <Services report={r} />
          </>
        )}
      </Loadable>
    </section>
  );
}
