import * as Slider from '@radix-ui/react-slider';
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { describeError } from '../../i18n/format';
import { useFolders } from '../../store/folders';
import { THUMB_MAX, THUMB_MIN, useGallery } from '../../store/gallery';
import { isActive, sortJobs, useJobs } from '../../store/jobs';
import { pathTo } from '../folders/tree';
import { Grid } from './Grid';
import '../../styles/organise.css';
import { CompareImagesButton } from '../compare/Compare';
import { BulkBar } from '../organise/BulkBar';
import { SearchBar } from '../search/SearchBar';
import { EmptyTrashButton } from '../trash/EmptyTrashButton';
import { StackDialog } from '../stacks/StackDialog';
import { useCollections } from '../../store/collections';
import { isSearching, useSearch } from '../../store/search';
import { useSelection } from '../../store/selection';

/** The middle of the window: the selected folder's images, newest first, with its running jobs in front. */
export function Gallery() {
  const { t } = useTranslation();
  const nodes = useFolders((s) => s.nodes);
  const foldersLoaded = useFolders((s) => s.loaded);
  const selectedId = useFolders((s) => s.selectedId);
  // The gallery's multi-selection, in selection order: "Compare images" compares 2–4 of them directly.
  const selected = useSelection((s) => s.ids);
  const items = useGallery((s) => s.items);
  const total = useGallery((s) => s.total);
  const totalCapped = useGallery((s) => s.totalCapped);
  const indexing = useGallery((s) => s.indexing);
  const loading = useGallery((s) => s.loading);
  const error = useGallery((s) => s.error);
  const thumbSize = useGallery((s) => s.thumbSize);
  const view = useGallery((s) => s.view);
  const setThumbSize = useGallery((s) => s.setThumbSize);
  const reload = useGallery((s) => s.reload);
  const byId = useJobs((s) => s.byId);
  const dismissed = useJobs((s) => s.dismissed);
  const source = useSearch((s) => s.source);
  const searching = useSearch((s) => isSearching(s));
  const collection = useCollections((s) => (source.kind === 'collection' ? s.collections.find((c) => c.id === source.id) : undefined));
  const folderView = source.kind === 'folder';

  const folder = nodes.find((n) => n.id === selectedId) ?? null;
  const path = useMemo(() => pathTo(new Map(nodes.map((n) => [n.id, n])), selectedId), [nodes, selectedId]);
  // Jobs of this folder still on their way, and the ones that failed until the user dismisses them.
  const jobs = useMemo(
    () =>
      sortJobs(Object.values(byId)).filter(
        (j) =>
          folderView &&
          j.folderId === selectedId &&
          (isActive(j) || ((j.state === 'failed' || j.state === 'expired') && !dismissed[j.id])),
      ),
    [byId, dismissed, selectedId, folderView],
  );

  let body: React.ReactNode;
  if (!foldersLoaded) body = null;
  else if (nodes.length === 0) body = <Empty title={t('gallery.emptyNoProjects')} hint={t('gallery.emptyNoProjectsHint')} />;
  else if (!folder && folderView) body = <Empty title={t('gallery.emptyNoFolder')} hint={t('gallery.emptyNoFolderHint')} />;
  else if (error && items.length === 0)
    body = (
      <div className="empty" role="alert">
        <p className="empty-title">{t('gallery.loadFailed')}</p>
        <p className="empty-hint">{describeError(t, error)}</p>
        <button type="button" className="btn btn-plain" onClick={() => void reload()}>
          {t('app.retry')}
        </button>
      </div>
    );
  else if (items.length === 0 && jobs.length === 0)
    body = loading ? (
      <div className="empty" aria-busy="true">
        <p className="empty-hint">{t('gallery.loading')}</p>
      </div>
    ) : (
      searching ? (
        <Empty title={t('search.noMatches')} hint={t('search.noMatchesHint')} />
      ) : source.kind === 'trash' ? (
        <Empty title={t('trash.emptyTitle')} hint={t('trash.emptyHint')} />
      ) : source.kind === 'collection' ? (
        <Empty title={t('collections.emptyTitle')} hint={t('collections.emptyHint')} />
      ) : (
        <Empty title={t('gallery.emptyFolder')} hint={t('gallery.emptyFolderHint')} />
      )
    );
  // Keyed by view: another folder, source or search starts at the top with its first tile as the tab stop.
  else body = <Grid key={view} jobs={jobs} assets={items} total={total} busy={loading} />;

  return (
    <section className="gallery" aria-label={t('gallery.label')}>
      <div className="gallery-bar">
        <h2 className="gallery-title">
          {folderView && path.length > 1 ? (
            <span className="gallery-path">{path.slice(0, -1).map((p) => p.name).join(' / ')} / </span>
          ) : null}
          {source.kind === 'trash' ? t('trash.heading') : source.kind === 'collection' ? (collection?.name ?? '') : (folder?.name ?? t('app.noFolder'))}
        </h2>
        {folder || !folderView ? (
          <span className="muted gallery-count" aria-live="polite">
            {searching
              ? t(totalCapped ? 'search.matchesCapped' : 'search.matches', { count: total })
              : t(totalCapped ? 'gallery.countCapped' : 'gallery.count', { count: total })}
          </span>
        ) : null}
        {source.kind === 'trash' ? <EmptyTrashButton /> : null}
        <div className="spacer" />
        {folder ? <CompareImagesButton selected={[...selected]} /> : null}
        <Slider.Root
          className="slider"
          min={THUMB_MIN}
          max={THUMB_MAX}
          step={10}
          value={[thumbSize]}
          onValueChange={(v) => setThumbSize(v[0] ?? thumbSize)}
        >
          <Slider.Track className="slider-track">
            <Slider.Range className="slider-range" />
          </Slider.Track>
          <Slider.Thumb className="slider-thumb" aria-label={t('gallery.thumbSize')} />
        </Slider.Root>
      </div>
      <SearchBar />
      {indexing ? (
        <p className="muted gallery-indexing" role="status">
          {t('search.indexing', { percent: indexing.total > 0 ? Math.floor((indexing.done * 100) / indexing.total) : 0 })}
        </p>
      ) : null}
      <BulkBar />
      {body}
      <StackDialog />
    </section>
  );
}

function Empty({ title, hint }: { title: string; hint: string }) {
  return (
    <div className="empty">
      <p className="empty-title">{title}</p>
      <p className="empty-hint">{hint}</p>
    </div>
  );
}
