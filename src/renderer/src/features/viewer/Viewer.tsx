import * as Dialog from '@radix-ui/react-dialog';
import { ChevronLeft, ChevronRight, GitBranch, Pencil, X } from 'lucide-react';
import { useEffect, useRef, type KeyboardEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { formatDateTime } from '../../i18n/format';
import { useGallery } from '../../store/gallery';
import { useViewer } from '../../store/viewer';
import { mediaUrl } from '../../transport';
import { useReturnFocus } from '../../ui/useReturnFocus';
import { Recipe } from './Recipe';
import { useChainUi } from '../chains/store';
import { useSearch } from '../../store/search';
import { ViewerOrganise, viewerOrganiseKey } from './ViewerOrganise';
import { matchesShortcut } from '../../lib/keys';

/**
 * The full-window viewer: the image (Fit or 1:1), arrows step through the folder; beside it the image's rating, flag
 * and tags (keys 0–5, P, X, U), "Use these settings" and the recipe.
 */
export function Viewer() {
  const { t, i18n } = useTranslation();
  // Back to the tile of the image last shown (the user may have stepped far from the one that opened it).
  const lastShownRef = useRef<string | null>(null);
  const focus = useReturnFocus(undefined, () => {
    const id = lastShownRef.current;
    return id ? document.querySelector<HTMLElement>(`[data-asset-id="${CSS.escape(id)}"]`) : null;
  });
  const assetId = useViewer((s) => s.assetId);
  const zoom = useViewer((s) => s.zoom);
  const setZoom = useViewer((s) => s.setZoom);
  const open = useViewer((s) => s.open);
  const close = useViewer((s) => s.close);
  const entry = useViewer((s) => (s.assetId ? s.details[s.assetId] : undefined));
  const items = useGallery((s) => s.items);
  const total = useGallery((s) => s.total);
  const nextCursor = useGallery((s) => s.nextCursor);
  const loadMore = useGallery((s) => s.loadMore);
  const inTrash = useSearch((s) => s.source.kind === 'trash');

  useEffect(() => {
    if (assetId) lastShownRef.current = assetId;
  }, [assetId]);
  const index = assetId ? items.findIndex((a) => a.id === assetId) : -1;
  const asset = index >= 0 ? items[index] : entry?.status === 'ok' ? entry.detail : undefined;
  const prev = index > 0 ? items[index - 1] : undefined;
  const next = index >= 0 ? items[index + 1] : undefined;

  // Near the end of what is loaded: fetch the next page so → keeps going.
  useEffect(() => {
    if (index >= 0 && index >= items.length - 3 && nextCursor) void loadMore();
  }, [index, items.length, nextCursor, loadMore]);

  // Warm the neighbours' recipes and pixels.
  useEffect(() => {
    for (const n of [prev, next]) {
      if (!n) continue;
      const img = new Image();
      img.src = mediaUrl(n.blob.id, 'original');
    }
  }, [prev, next]);

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>): void => {
    if (matchesShortcut(e, 'viewerPrevious') && prev) open(prev.id);
    else if (matchesShortcut(e, 'viewerNext') && next) open(next.id);
    else if (!(asset && !inTrash && viewerOrganiseKey(e, asset.id))) return;
    e.preventDefault();
  };

  const alt = asset?.prompt?.trim() || (asset ? t('gallery.untitled', { date: formatDateTime(asset.createdAt, i18n.language) }) : '');

  return (
    <Dialog.Root open={assetId !== null} onOpenChange={(o) => !o && close()}>
      <Dialog.Portal>
        <Dialog.Content
          className="viewer"
          onKeyDown={onKeyDown}
          aria-describedby={undefined}
          onOpenAutoFocus={focus.onOpenAutoFocus}
          onCloseAutoFocus={focus.onCloseAutoFocus}
        >
          <Dialog.Title className="sr-only">{t('viewer.title')}</Dialog.Title>
          <div className="viewer-stage">
            <div className="viewer-bar">
              <div className="segmented" role="group" aria-label={t('viewer.zoom')}>
                <button type="button" className="btn btn-ghost" aria-pressed={zoom === 'fit'} onClick={() => setZoom('fit')}>
                  {t('viewer.fit')}
                </button>
                <button
                  type="button"
                  className="btn btn-ghost"
                  aria-pressed={zoom === 'actual'}
                  onClick={() => setZoom('actual')}
                >
                  {t('viewer.actual')}
                </button>
              </div>
              <span className="muted viewer-pos" aria-live="polite">
                {index >= 0 ? t('viewer.position', { index: index + 1, total: Math.max(total, items.length) }) : ''}
              </span>
              <div className="spacer" />
              {asset ? (
                <>
                  <button
                    type="button"
                    className="btn btn-plain btn-sm"
                    onClick={() => {
                      close();
                      useChainUi.getState().edit(asset);
                    }}
                  >
                    <Pencil size={14} aria-hidden="true" />
                    <span>{t('chains.edit')}</span>
                  </button>
                  <button
                    type="button"
                    className="btn btn-ghost btn-sm"
                    onClick={() => {
                      close();
                      useChainUi.getState().openChain(asset.id);
                    }}
                  >
                    <GitBranch size={14} aria-hidden="true" />
                    <span>{t('chains.versions')}</span>
                  </button>
                </>
              ) : null}
              <Dialog.Close asChild>
                <button type="button" className="btn btn-ghost btn-icon" aria-label={t('viewer.close')}>
                  <X size={18} aria-hidden="true" />
                </button>
              </Dialog.Close>
            </div>
            <div className={`viewer-canvas zoom-${zoom}`}>
              {asset ? <img key={asset.id} src={mediaUrl(asset.blob.id, 'original')} alt={alt} draggable={false} /> : null}
            </div>
            <button
              type="button"
              className="viewer-nav viewer-prev"
              aria-label={t('viewer.previous')}
              disabled={!prev}
              onClick={() => prev && open(prev.id)}
            >
              <ChevronLeft size={28} aria-hidden="true" />
            </button>
            <button
              type="button"
              className="viewer-nav viewer-next"
              aria-label={t('viewer.next')}
              disabled={!next}
              onClick={() => next && open(next.id)}
            >
              <ChevronRight size={28} aria-hidden="true" />
            </button>
          </div>
          <div className="viewer-side">
            {asset ? <ViewerOrganise assetId={asset.id} detail={entry?.status === 'ok' ? entry.detail : undefined} inTrash={inTrash} /> : null}
            <Recipe entry={entry} />
          </div>
        </Dialog.Content>
      </Dialog.Portal>
    </Dialog.Root>
  );
}
