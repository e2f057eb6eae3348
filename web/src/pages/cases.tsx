import { useState } from 'preact/hooks';
import { PHASES } from '../../../schemas/codes';
import { currentSession, type CaseSummary } from '../api';
import { label, relative, t } from '../i18n';
import {
  Badge,
  CaseCard,
  Empty,
  Loadable,
  ProblemNote,
  saveFile,
  Toast,
  useFileFetch,
  useJurisdictions,
  useResource,
} from '../ui';

/**
 * The supervisor's export of the list (api.md "Reports, exports and documents"), by the phase
 * chosen; the search text stays out, since the export is a GET and a name must not be in a URL.
 */
function ExportButtons({ phase }: { phase?: string }) {
  const query = phase ? `&phase=${phase}` : '';
  const file = useFileFetch();
  const [saved, setSaved] = useState<string | null>(null);
  const save = (format: 'csv' | 'xlsx') =>
    void file.run(`/v1/cases/export?format=${format}${query}`, (fetched) => {
      saveFile(fetched);
      setSaved(t('cases.exported', { file: fetched.filename }));
    });
  return (
    <section class="export" aria-labelledby="export-title">
      <h2 id="export-title" class="sr-only">
        {t('cases.export')}
      </h2>
      <p class="muted">{t('cases.exportHint')}</p>
      <div class="event-buttons">
        <button type="button" disabled={file.busy} onClick={() => save('xlsx')}>
          {t('cases.exportXlsx')}
        </button>
        <button type="button" disabled={file.busy} onClick={() => save('csv')}>
          {t('cases.exportCsv')}
        </button>
      </div>
      {file.problem && <ProblemNote problem={file.problem} />}
      <Toast message={saved} />
    </section>
  );
}

/** Every case within the caller's jurisdictions, searchable by name or ID number. */
export function CasesPage() {
  const [q, setQ] = useState('');
  const [phase, setPhase] = useState('');
  const [filters, setFilters] = useState<{ q?: string; phase?: string }>({});
  // A name or ID number is searched by POST, never put in a URL (R21: URLs end up in logs).
  const resource = useResource<{ items: CaseSummary[] }>('/v1/cases/search', { limit: 100, ...filters });
  const jurisdictions = useJurisdictions();
  const search = (e: Event) => {
    e.preventDefault();
    setFilters({ ...(q.trim() ? { q: q.trim() } : {}), ...(phase ? { phase } : {}) });
  };
  return (
    <section aria-labelledby="cases-title">
      <h1 id="cases-title">{t('cases.title')}</h1>
      <form class="filters" role="search" onSubmit={search}>
        <label class="sr-only" for="q">
          {t('cases.search')}
        </label>
        <input
          id="q"
          type="search"
          placeholder={t('cases.search')}
          value={q}
          onInput={(e) => setQ(e.currentTarget.value)}
        />
        <label class="sr-only" for="phase">
          {t('cases.phaseFilter')}
        </label>
        <select id="phase" value={phase} onChange={(e) => setPhase(e.currentTarget.value)}>
          <option value="">{t('cases.allPhases')}</option>
          {PHASES.map((p) => (
            <option key={p} value={p}>
              {label('phase', p)}
            </option>
          ))}
        </select>
        <button type="submit">{t('cases.searchButton')}</button>
      </form>
      {currentSession()?.user.role === 'supervisor' && <ExportButtons phase={filters.phase} />}
      <Loadable resource={resource}>
        {(list) =>
          list.items.length === 0 ? (
            <Empty>{t('cases.empty')}</Empty>
          ) : (
            <ul class="cards">
              {list.items.map((c) => (
                <CaseCard key={c.id} id={c.id} name={c.person.name}>
                  <Badge kind="phase" code={c.phase} />
                  <Badge kind="tier" code={c.tier} />
                  <span class="muted">
                    {jurisdictions.path(c.jurisdiction)}
                    {c.nextDueAt ? ` · ${t('cases.nextDue')} ${relative(c.nextDueAt)}` : ''}
                  </span>
                </CaseCard>
              ))}
            </ul>
          )
        }
      </Loadable>
    </section>
  );
}
