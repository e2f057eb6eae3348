import { useEffect, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import { parseDuration } from '../../../config/duration';
import { STALL_KINDS } from '../../../schemas/catalogue';
import {
  api,
  KPI_NAMES,
  type Caseload,
  type CaseSummary,
  type KpiName,
  type Kpis,
  type StallReason,
} from '../api';
import { formatDate, lang, percent, relative, t, taskLabel, toldLabel } from '../i18n';
import {
  Badge,
  CaseCard,
  Empty,
  Loadable,
  ProblemNote,
  toProblem,
  useJurisdictions,
  useResource,
} from '../ui';

const MONTHS = 6;

function kpiText(name: KpiName, value: number | null): string {
  if (value === null) return '—';
  return name === 'medianHoursReleaseToFirstVisit'
    ? t('kpi.hours', { value: Math.round(value * 10) / 10 })
    : percent(value);
}

function reasonText(reason: StallReason): string {
  if (reason.kind === 'engine_failing') return t('stall.engineDetail');
  return t('stall.detail', {
    task: taskLabel(reason.taskKind ?? ''),
    when: relative(reason.since),
    told: toldLabel(reason.told),
  });
}

/** Six windows of 30 policy days each, ending now: the accelerated policy's month lasts 30 seconds. */
function useTrend(scope: string, name: KpiName) {
  const [points, setPoints] = useState<{ to: string; value: number | null }[] | null>(null);
  const [error, setError] = useState<ReturnType<typeof toProblem>>();
  useEffect(() => {
    let live = true;
    setPoints(null);
    (async () => {
      const policy = await api<{ document: { dayLength?: string } }>('GET', '/v1/policies/current');
      const month = 30 * (parseDuration(policy.document.dayLength ?? 'P1D') ?? 86_400_000);
      const now = Date.now();
      const windows = Array.from({ length: MONTHS }, (_, i) => now - (MONTHS - 1 - i) * month);
      const scoped = scope ? `&jurisdiction=${encodeURIComponent(scope)}` : '';
      const replies = await Promise.all(
        windows.map((to) =>
          api<Kpis>(
            'GET',
            `/v1/supervisor/kpis?from=${new Date(to - month).toISOString()}&to=${new Date(to).toISOString()}${scoped}`,
          ),
        ),
      );
      if (live) setPoints(replies.map((k) => ({ to: k.to, value: k[name].value })));
    })().catch((e: unknown) => live && setError(toProblem(e)));
    return () => {
      live = false;
    };
  }, [scope, name]);
  return { points, error };
}

/** Dates in the user's language; times of day when the chart spans less than a day (accelerated policy). */
function tickLabel(seconds: number, ticks: number[]): string {
  const span = (ticks[ticks.length - 1]! - ticks[0]!) * 1000;
  const options: Intl.DateTimeFormatOptions =
    span < 86_400_000
      ? { hour: '2-digit', minute: '2-digit', second: '2-digit' }
      : { month: 'short', day: 'numeric' };
  return new Intl.DateTimeFormat(lang(), options).format(new Date(seconds * 1000));
}

function TrendChart({ scope, name }: { scope: string; name: KpiName }) {
  const { points, error } = useTrend(scope, name);
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!points || !box.current) return;
    const width = Math.min(box.current.clientWidth || 600, 720);
    const rate = name !== 'medianHoursReleaseToFirstVisit';
    const chart = new uPlot(
      {
        width,
        height: 180,
        legend: { show: false },
        scales: { x: { time: true }, y: rate ? { range: [0, 100] } : {} },
        axes: [
          { space: 90, values: (_u, ticks) => ticks.map((seconds) => tickLabel(seconds, ticks)) },
          { values: (_u, ticks) => ticks.map((v) => (rate ? `${v}%` : `${v}`)) },
        ],
        series: [
          {},
          { label: t(`kpi.${name}`), stroke: '#1d5fa8', width: 2, points: { size: 6 }, spanGaps: true },
        ],
      },
      [
        points.map((p) => Date.parse(p.to) / 1000),
        points.map((p) => (p.value === null ? null : rate ? p.value * 100 : p.value)),
      ],
      box.current,
    );
    return () => chart.destroy();
  }, [points]);
  return (
    <figure class="trend">
      <figcaption>{t('supervisor.trendOf', { kpi: t(`kpi.${name}`) })}</figcaption>
      {error && <ProblemNote problem={error} />}
      {!points && !error && <p class="loading">{t('app.loading')}</p>}
      <div ref={box} aria-hidden="true" />
      {points && (
        <details>
          <summary>{t('supervisor.trendTable')}</summary>
          <table>
            <thead>
              <tr>
                <th scope="col">{t('supervisor.month')}</th>
                <th scope="col">{t(`kpi.${name}`)}</th>
              </tr>
            </thead>
            <tbody>
              {points.map((p) => (
                <tr key={p.to}>
                  <td>{formatDate(p.to)}</td>
                  <td>{p.value === null ? t('supervisor.noData') : kpiText(name, p.value)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </details>
      )}
    </figure>
  );
}

export function SupervisorPage() {
  const jurisdictions = useJurisdictions();
  const [scope, setScope] = useState('');
  const [reason, setReason] = useState('');
  const [chosen, setChosen] = useState<KpiName>('reportInRate');
  const scoped = scope ? `jurisdiction=${encodeURIComponent(scope)}` : '';
  const kpis = useResource<Kpis>(`/v1/supervisor/kpis?${scoped}`);
  const stalled = useResource<{ case: CaseSummary; reasons: StallReason[] }[]>(
    `/v1/supervisor/stalled?${scoped}${reason ? `&reason=${reason}` : ''}`,
  );
  const loads = useResource<Caseload[]>(`/v1/supervisor/caseloads?${scoped}`);

  return (
    <section aria-labelledby="supervisor-title">
      <div class="heading">
        <h1 id="supervisor-title">{t('supervisor.title')}</h1>
        <label for="scope" class="sr-only">
          {t('supervisor.scope')}
        </label>
        <select id="scope" value={scope} onChange={(e) => setScope(e.currentTarget.value)}>
          <option value="">{t('supervisor.allScope')}</option>
          {jurisdictions.items
            .filter((j) => j.mine)
            .map((j) => (
              <option key={j.code} value={j.code}>
                {jurisdictions.path(j.code)}
              </option>
            ))}
        </select>
      </div>

      <section aria-labelledby="kpi-title">
        <h2 id="kpi-title">{t('supervisor.kpis')}</h2>
        <Loadable resource={kpis}>
          {(k) => (
            <>
              <p class="muted">
                {t('supervisor.kpiPeriod', { from: formatDate(k.from), to: formatDate(k.to) })}
              </p>
              <div class="tiles kpis">
                {KPI_NAMES.map((name) => (
                  <button
                    key={name}
                    type="button"
                    class={`tile${chosen === name ? ' chosen' : ''}`}
                    aria-pressed={chosen === name}
                    onClick={() => setChosen(name)}
                  >
                    <span class="tile-value">{kpiText(name, k[name].value)}</span>
                    <span class="tile-label">{t(`kpi.${name}`)}</span>
                    <span class="muted">
                      {t('kpi.fraction', { numerator: k[name].numerator, denominator: k[name].denominator })}
                    </span>
                  </button>
                ))}
              </div>
              <TrendChart scope={scope} name={chosen} />
            </>
          )}
        </Loadable>
      </section>

      <section aria-labelledby="stalled-title">
        <div class="heading">
          <h2 id="stalled-title">{t('supervisor.stalled')}</h2>
          <label for="reason" class="sr-only">
            {t('field.reason')}
          </label>
          <select id="reason" value={reason} onChange={(e) => setReason(e.currentTarget.value)}>
            <option value="">{t('supervisor.allReasons')}</option>
            {STALL_KINDS.map((r) => (
              <option key={r} value={r}>
                {t(`stall.${r}`)}
              </option>
            ))}
          </select>
        </div>
        <Loadable resource={stalled}>
          {(list) =>
            list.length === 0 ? (
              <Empty>{t('supervisor.stalledEmpty')}</Empty>
            ) : (
              <ul class="cards">
                {list.map(({ case: c, reasons }) => (
                  <CaseCard key={c.id} id={c.id} name={c.person.name}>
                    <Badge kind="tier" code={c.tier} />
                    <span class="muted">{jurisdictions.path(c.jurisdiction)}</span>
                    <ul class="reasons">
                      {reasons.map((r) => (
                        <li key={r.kind + r.since + (r.taskKind ?? '')}>
                          <Badge kind="stall" code={r.kind} /> {reasonText(r)}
                        </li>
                      ))}
                    </ul>
                  </CaseCard>
                ))}
              </ul>
            )
          }
        </Loadable>
      </section>

      <section aria-labelledby="loads-title">
        <h2 id="loads-title">{t('supervisor.caseloads')}</h2>
        <Loadable resource={loads}>
          {(list) =>
            list.length === 0 ? (
              <Empty>{t('supervisor.caseloadsEmpty')}</Empty>
            ) : (
              <div class="table-wrap">
                <table class="loads">
                  <thead>
                    <tr>
                      <th scope="col">{t('supervisor.caseworker')}</th>
                      <th scope="col">{t('supervisor.openCases')}</th>
                      <th scope="col">{t('tier.stable')}</th>
                      <th scope="col">{t('tier.key')}</th>
                      <th scope="col">{t('tier.abnormal')}</th>
                      <th scope="col">{t('supervisor.overdueTasks')}</th>
                      <th scope="col">{t('supervisor.ratio')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {list.map((load) => (
                      <tr key={load.caseworker ?? '-'} class={load.overRatio ? 'over' : undefined}>
                        <th scope="row">{load.displayName ?? t('supervisor.unassigned')}</th>
                        <td>{load.openCases}</td>
                        <td>{load.byTier.stable}</td>
                        <td>{load.byTier.key}</td>
                        <td>{load.byTier.abnormal}</td>
                        <td>{load.overdueTasks}</td>
                        <td>
                          {load.ratio}
                          {load.overRatio ? ` · ${t('supervisor.overRatio')}` : ''}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )
          }
        </Loadable>
      </section>
    </section>
  );
}
