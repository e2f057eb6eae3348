import { useState } from 'preact/hooks';
import { PHASES } from '../../../schemas/codes';
import type { CaseSummary } from '../api';
import { label, relative, t } from '../i18n';
import { Badge, CaseCard, Empty, Loadable, useJurisdictions, useResource } from '../ui';

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
