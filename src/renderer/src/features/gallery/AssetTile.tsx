import { Check, Layers, Star, XCircle } from 'lucide-react';
import type { AssetListItem } from '@shared/organise';
import { memo, type CSSProperties } from 'react';
import { useTranslation } from 'react-i18next';
import type { AssetSummary } from '@shared/domain';
import { MediaImg } from '../../ui/MediaImg';
import { ASSET_DRAG, useChainUi } from '../chains/store';
import { ariaShortcut, matchesShortcut } from '../../lib/keys';
import { useStackUi } from '../stacks/store';
import { assetLabel } from './label';
import { startAssetsDrag } from '../organise/drop';

function frameStyle(width: number, height: number): CSSProperties {
  const w = Math.max(1, width);
  const h = Math.max(1, height);
  return w >= h ? { width: '100%', aspectRatio: `${w} / ${h}` } : { height: '100%', aspectRatio: `${w} / ${h}` };
}

interface AssetTileProps {
  asset: AssetSummary & Partial<Pick<AssetListItem, 'rating' | 'flag' | 'title' | 'stackCount' | 'originalName'>>;
  tabIndex: number;
  index: number;
  /** Selected in the multi-selection (store/selection.ts). */
  selected?: boolean;
  /** Click: the grid decides from the modifier keys whether to open, toggle or extend the selection. */
  /** A click (`e`: select, or open when the keyboard made it) or a double-click (no `e`: open). */
  onOpen(id: string, e?: React.MouseEvent): void;
}

/**
 * One thumbnail: no chrome, the image contained in its square; Enter or click opens the viewer, E edits it (as does
 * the Edit button shown on hover). It can be dragged into the composer's inputs, or onto a folder in the sidebar
 * (with the selection when it is selected). A stack's cover carries the stack's
 * count as a button that opens the stack (S on the tile does too).
 */
export const AssetTile = memo(function AssetTile({ asset, tabIndex, index, selected = false, onOpen }: AssetTileProps) {
  const { t, i18n } = useTranslation();
  const alt = assetLabel(asset, t, i18n.language);
  const stack = asset.stackCount && asset.stackCount > 1 ? asset.stackCount : 0;
  return (
    <>
    <button
      type="button"
      className={`thumb${selected ? ' is-selected' : ''}`}
      tabIndex={tabIndex}
      data-tile-index={index}
      data-asset-id={asset.id}
      aria-keyshortcuts={stack ? `${ariaShortcut('gridEdit')} ${ariaShortcut('gridOpenStack')}` : ariaShortcut('gridEdit')}
      draggable
      onDragStart={(e) => {
        // Desktop window, Alt/Option held: drag the file out to the desktop or another app (the main process
        // resolves the blob id; drags inside the window keep working without the modifier).
        if (e.altKey && window.atelier) {
          e.preventDefault();
          window.atelier.startDrag(asset.blob.id);
          return;
        }
        // Into the composer's inputs (a copy), and onto a folder in the sidebar (a move; Alt at the drop: a copy).
        e.dataTransfer.setData(ASSET_DRAG, JSON.stringify(asset));
        startAssetsDrag(e, asset.id);
      }}
      onKeyDown={(e) => {
        if (matchesShortcut(e, 'gridEdit')) {
          e.preventDefault();
          useChainUi.getState().edit(asset);
        }
        if (stack && matchesShortcut(e, 'gridOpenStack')) {
          e.preventDefault();
          useStackUi.getState().open(asset.id);
        }
      }}
      aria-describedby={[asset.rating || asset.flag ? `meta-${asset.id}` : '', stack ? `stack-${asset.id}` : ''].join(' ').trim() || undefined}
      onClick={(e) => onOpen(asset.id, e)}
      onDoubleClick={() => onOpen(asset.id)}
    >
      {/* The frame has the image's own proportions (known before it loads), so the layout never jumps and the
          badge sits on the image, not in the cell's margin. */}
      <span className="thumb-frame" style={frameStyle(asset.blob.width, asset.blob.height)}>
        <MediaImg blobId={asset.blob.id} variant="thumb" alt={alt} loading="lazy" decoding="async" draggable={false} />
        {/* The provider badge and the rating/flag share one row along the image's bottom edge, which wraps into
            two rows when a small thumbnail cannot hold both side by side (they never overlap). */}
        {asset.provider === 'sandbox' || asset.rating || asset.flag ? (
          <span className="thumb-badges">
            {asset.provider === 'sandbox' ? <span className="badge badge-sandbox">{t('gallery.sandboxBadge')}</span> : null}
            {asset.rating || asset.flag ? (
              <span className="thumb-meta" id={`meta-${asset.id}`}>
                {asset.flag === 1 ? <Check size={12} aria-label={t('organise.pick')} /> : null}
                {asset.flag === -1 ? <XCircle size={12} aria-label={t('organise.reject')} /> : null}
                {asset.rating ? (
                  <span aria-label={t('organise.stars', { count: asset.rating })}>
                    <Star size={11} aria-hidden="true" className="thumb-star" />
                    {asset.rating}
                  </span>
                ) : null}
              </span>
            ) : null}
          </span>
        ) : null}
      </span>
    </button>
    <button
      type="button"
      className="thumb-edit btn btn-plain btn-xs"
      tabIndex={-1}
      aria-label={t('chains.editImage', { name: alt })}
      onClick={() => useChainUi.getState().edit(asset)}
    >
      {t('chains.edit')}
    </button>
    {stack ? (
      <button
        type="button"
        className="thumb-stack"
        id={`stack-${asset.id}`}
        tabIndex={-1}
        aria-label={t('stacks.open', { count: stack })}
        onClick={() => useStackUi.getState().open(asset.id)}
      >
        <Layers size={12} aria-hidden="true" />
        {stack}
      </button>
    ) : null}
    </>
  );
});
