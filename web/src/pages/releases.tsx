import { useMemo } from 'preact/hooks';
import type { CaseSummary } from '../api';
import { formatTime, relative, t } from '../i18n';
import { Badge, CaseCard, Empty, Loadable, useJurisdictions, useResource } from '../ui';

type List = { items: CaseSummary[] };

/** The liaison's list: everyone still inside, soonest release first, with the time left. */
export function ReleasesPage() {
  const inside = useResource<List>('/v1/cases?phase=pre_release&limit=200');
  const awaiting = useResource<List>('/v1/cases?phase=awaiting_release&limit=200');
  const jurisdictions = useJurisdictions();
  const both = useMemo(
    () =>
      inside.data && awaiting.data
        ? {
            items: [...inside.data.items, ...awaiting.data.items].sort(
              (a, b) => Date.parse(a.expectedReleaseAt!) - Date.parse(b.expectedReleaseAt!),
            ),
          }
        : undefined,
    [inside.data, awaiting.data],
  );
  const resource = {
    data: both,
    error: inside.error ?? awaiting.error,
    loading: inside.loading || awaiting.loading,
    reload: () => (inside.reload(), awaiting.reload()),
  };
  const now = Date.now();
  return (
    <section aria-labelledby="releases-title">
      <div class="heading">
        <h1 id="releases-title">{t('releases.title')}</h1>
        <a class="button" href="#/handover">
          {t('releases.new')}
        </a>
      </div>
      <p class="intro">{t('releases.intro')}</p>
      <Loadable resource={resource}>
        {(list) =>
          list.items.length === 0 ? (
            <Empty>{t('releases.empty')}</Empty>
          ) : (
            <ul class="cards">
              {list.items.map((c) => {
                // Only facility handovers are ever inside: they all have an expected release.
                const when = relative(c.expectedReleaseAt!, now);
                const late = Date.parse(c.expectedReleaseAt!) < now;
                return (
                  <CaseCard key={c.id} id={c.id} name={c.person.name}>
                    <Badge kind="phase" code={c.phase} />
                    <span class={late ? 'countdown late' : 'countdown'}>
                      {late ? t('releases.overdue', { when }) : t('releases.in', { when })}
                    </span>
                    <span class="muted">
                      {formatTime(c.expectedReleaseAt)} · {jurisdictions.path(c.jurisdiction)}
                    </span>
                  </CaseCard>
                );
              })}
            </ul>
          )
        }
      </Loadable>
    </section>
  );
}
