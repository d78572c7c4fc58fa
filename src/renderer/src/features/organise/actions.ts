/**
 * Bulk actions on the selection: each calls the main process, updates the gallery on screen at once, and reports a
 * failure as a toast. Shared by the bulk bar and the grid's keyboard shortcuts.
 */
import type { AssetPatch } from '../../../../shared/organise';
import { useGallery } from '../../store/gallery';
import { selectedIds, useSelection } from '../../store/selection';
import { useToasts } from '../../store/toasts';
import { call } from '../../transport';

async function run(fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    useToasts.getState().error(err);
  }
}

/** Sets rating / flag / title / note on the selection. */
export function patchSelection(patch: AssetPatch): Promise<void> {
  const ids = selectedIds();
  if (ids.length === 0) return Promise.resolve();
  return run(async () => {
    await call('assets.update', { ids, patch });
    const shown: Parameters<ReturnType<typeof useGallery.getState>['patchItems']>[1] = {};
    if (patch.rating !== undefined) shown.rating = patch.rating;
    if (patch.flag !== undefined) shown.flag = patch.flag;
    if (patch.title !== undefined) shown.title = patch.title;
    useGallery.getState().patchItems(ids, shown);
  });
}

/** Moves the selection to the trash. */
export function trashSelection(): Promise<void> {
  const ids = selectedIds();
  if (ids.length === 0) return Promise.resolve();
  return run(async () => {
    const { trashed } = await call('assets.trash', { ids });
    useGallery.getState().dropItems(ids);
    useToasts.getState().info('organise.trashed', { count: trashed });
  });
}

/** Takes the selection out of the trash. */
export function restoreSelection(): Promise<void> {
  const ids = selectedIds();
  if (ids.length === 0) return Promise.resolve();
  return run(async () => {
    const { restored } = await call('assets.restore', { ids });
    useGallery.getState().dropItems(ids);
    useToasts.getState().info('organise.restored', { count: restored });
  });
}

/** Moves or copies the selection to a folder. Throws (for the dialog to show). */
export async function moveOrCopySelection(kind: 'move' | 'copy', folderId: string): Promise<void> {
  const ids = selectedIds();
  if (ids.length === 0) return;
  if (kind === 'move') {
    await call('assets.move', { ids, folderId });
    if (useGallery.getState().folderId !== folderId) useGallery.getState().dropItems(ids);
  } else {
    await call('assets.copy', { ids, folderId });
  }
  useSelection.getState().clear();
}
