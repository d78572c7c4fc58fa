/**
 * Bulk actions on the selection: each calls the main process through the undoable operations (store/undo-ops.ts, so
 * Ctrl/⌘+Z undoes it), updates the gallery on screen at once, and reports a failure as a toast. Shared by the bulk
 * bar and the grid's keyboard shortcuts.
 */
import type { AssetPatch } from '@shared/organise';
import { useGallery } from '../../store/gallery';
import { isSearching, useSearch } from '../../store/search';
import { selectedIds, useSelection } from '../../store/selection';
import { useToasts } from '../../store/toasts';
import * as ops from '../../store/undo-ops';
import { call } from '../../transport';
import { undoStore } from '../../store/undo';
import { gridTabStop } from '../../lib/grid-focus';

async function run(fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    useToasts.getState().error(err);
  }
}

/**
 * After tiles leave the grid (trash, restore, stack), focus must not fall to the page — where Ctrl+Z would reach the
 * browser's own undo and replay an old search text. If the focused control went with them (a tile, or the bulk
 * bar's button, which hides once nothing is selected), the grid's tab stop takes focus once it has re-rendered.
 * Focus still on a control in the page is left alone.
 */
export function keepFocusInGrid(): void {
  const lost = (): boolean => {
    const el = document.activeElement;
    return !el || el === document.body || !el.isConnected;
  };
  let tries = 0;
  const attempt = (): void => {
    if (!lost()) return;
    const target = gridTabStop();
    if (target) target.focus({ preventScroll: true });
    else if (++tries < 10) requestAnimationFrame(attempt);
  };
  requestAnimationFrame(attempt);
}

/** Sets rating / flag / title / note on the selection. */
export function patchSelection(patch: AssetPatch): Promise<void> {
  return patchAssets(selectedIds(), patch);
}

/** Sets rating / flag / title / note on the images `ids` (the viewer's image, the inspector's selection). */
export function patchAssets(ids: readonly string[], patch: AssetPatch): Promise<void> {
  if (ids.length === 0) return Promise.resolve();
  return run(async () => {
    await ops.updateAssets(ids, patch);
    const shown: Parameters<ReturnType<typeof useGallery.getState>['patchItems']>[1] = {};
    if (patch.rating !== undefined) shown.rating = patch.rating;
    if (patch.flag !== undefined) shown.flag = patch.flag;
    if (patch.title !== undefined) shown.title = patch.title;
    useGallery.getState().patchItems(ids, shown);
  });
}

/** Adds and removes tags on the images `ids`; the failure is a toast. Resolves true when the tags changed. */
export async function tagAssets(ids: readonly string[], add: readonly string[], remove: readonly string[]): Promise<boolean> {
  if (ids.length === 0 || (add.length === 0 && remove.length === 0)) return false;
  let ok = false;
  await run(async () => {
    await ops.tagAssets(ids, add, remove);
    ok = true;
  });
  return ok;
}

/** Moves the selection to the trash. */
export function trashSelection(): Promise<void> {
  const ids = selectedIds();
  if (ids.length === 0) return Promise.resolve();
  return run(async () => {
    // This action's own step (null when it changed nothing): the toast's Undo must not undo an earlier one.
    const step = await ops.trashAssets(ids);
    useGallery.getState().dropItems(ids);
    keepFocusInGrid();
    useToasts.getState().info('organise.trashed', { count: ids.length }, step ? { action: { labelKey: 'undo.undo', run: () => void undoStore.undo(step) } } : {});
  });
}

/** Takes the selection out of the trash. */
export function restoreSelection(): Promise<void> {
  const ids = selectedIds();
  if (ids.length === 0) return Promise.resolve();
  return run(async () => {
    // This action's own step (null when it changed nothing): the toast's Undo must not undo an earlier one.
    const step = await ops.restoreAssets(ids);
    useGallery.getState().dropItems(ids);
    keepFocusInGrid();
    useToasts.getState().info('organise.restored', { count: ids.length }, step ? { action: { labelKey: 'undo.undo', run: () => void undoStore.undo(step) } } : {});
  });
}

/**
 * Takes the selection out of the manual collection `collectionId` on screen (the images stay in the library): they
 * leave the grid and the selection, and a toast says how many left `name`.
 */
export function removeSelectionFromCollection(collectionId: string, name: string): Promise<void> {
  const ids = selectedIds();
  if (ids.length === 0) return Promise.resolve();
  return run(async () => {
    await call('collections.remove', { id: collectionId, assetIds: ids });
    useGallery.getState().dropItems(ids);
    useSelection.getState().clear();
    keepFocusInGrid();
    useToasts.getState().info('organise.removedFromCollection', { count: ids.length, name });
  });
}

/**
 * Moves or copies the selection to a folder. Throws (for the dialog to show). Moved images leave the grid at once
 * only where the view is the one folder they left (no search: a search looks into sub-folders too); in a
 * collection or a search they may still belong, so they stay on screen until the view is read again (as the
 * gallery's `refine` keeps a view until its new first page arrives), and the images that no longer match go then.
 */
export async function moveOrCopySelection(kind: 'move' | 'copy', folderId: string): Promise<void> {
  const ids = selectedIds();
  if (ids.length === 0) return;
  if (kind === 'move') {
    await ops.moveAssets(ids, folderId);
    const gallery = useGallery.getState();
    const search = useSearch.getState();
    if (search.source.kind === 'folder' && !isSearching(search)) {
      if (gallery.folderId !== folderId) gallery.dropItems(ids);
    } else gallery.scheduleReload();
  } else {
    await ops.copyAssets(ids, folderId);
  }
  useSelection.getState().clear();
}
