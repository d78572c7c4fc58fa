/**
 * Tiles dragged onto a folder or project in the sidebar (issue 11, Lightroom's and Eagle's habit): dropped, they
 * move there; with Alt (Option) held at the drop, they are copied. The dragged images are the selection when the
 * dragged tile is part of it, else that tile alone. The drop runs the same action as Move to… / Copy to…
 * ({@link moveOrCopySelection}, undoable like it).
 */
import type { DragEvent } from 'react';
import { useFolders } from '../../store/folders';
import { useGallery } from '../../store/gallery';
import { useSearch } from '../../store/search';
import { selectedIds, useSelection } from '../../store/selection';
import { useToasts } from '../../store/toasts';
import { moveOrCopySelection } from './actions';

/** The drag data type of the dragged images: a JSON array of asset ids. */
export const ASSETS_DRAG = 'application/x-atelier-assets';

/** On a tile's `dragstart`: puts the dragged images' ids in the drag and allows both a move and a copy. */
export function startAssetsDrag(e: DragEvent, assetId: string): void {
  const sel = useSelection.getState().ids;
  const ids = sel.has(assetId) ? selectedIds() : [assetId];
  e.dataTransfer.setData(ASSETS_DRAG, JSON.stringify(ids));
  e.dataTransfer.effectAllowed = 'copyMove';
}

/** True when the drag carries gallery images (the ids are readable only at the drop). */
export const carriesAssets = (e: DragEvent): boolean => Array.from(e.dataTransfer.types).includes(ASSETS_DRAG);

/** The drop's effect: a copy with Alt (Option) held, else a move. */
export const dropKind = (e: DragEvent): 'move' | 'copy' => (e.altKey ? 'copy' : 'move');

/**
 * Moves or copies the dragged images into `folderId`, names what was done in a toast, and reports a failure as one.
 * A move into the folder the images are shown in does nothing.
 */
export async function dropAssets(e: DragEvent, folderId: string): Promise<void> {
  let ids: string[];
  try {
    const v: unknown = JSON.parse(e.dataTransfer.getData(ASSETS_DRAG));
    ids = Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    ids = [];
  }
  if (ids.length === 0) return;
  const kind = dropKind(e);
  const here = useSearch.getState().source.kind === 'folder' && useGallery.getState().folderId === folderId;
  if (kind === 'move' && here) return;
  const folder = useFolders.getState().nodes.find((n) => n.id === folderId)?.name ?? '';
  try {
    useSelection.getState().setAll(ids);
    await moveOrCopySelection(kind, folderId);
    useToasts.getState().info(kind === 'copy' ? 'menu.copied' : 'menu.moved', { count: ids.length, folder });
  } catch (err) {
    useToasts.getState().error(err);
  }
}
