/**
 * Stacks in the renderer: which stack's dialog is open, and the actions (stack the selection, stack two
 * near-duplicates from an import report, unstack). Each action re-reads the gallery, which shows a stack as its
 * cover (store/search.ts asks for collapsed listings), and reports a failure as a toast. Stacking and unstacking are
 * steps of the undo history (store/undo-ops.ts).
 */
import { create } from 'zustand';
import { useGallery } from '../../store/gallery';
import { selectedIds, useSelection } from '../../store/selection';
import { useToasts } from '../../store/toasts';
import { call } from '../../transport';
import * as ops from '../../store/undo-ops';
import { keepFocusInGrid } from '../organise/actions';

/** The open stack dialog (null: none). */
export interface StackUiState {
  /** The stack shown in the dialog (its cover's id), or null. */
  openId: string | null;
  open(stackId: string): void;
  close(): void;
}

export const useStackUi = create<StackUiState>()((set) => ({
  openId: null,
  open: (stackId) => set({ openId: stackId }),
  close: () => set({ openId: null }),
}));

/**
 * Stacks the selected images (2 or more) under the first one selected.
 * @returns true when the stack was made
 */
export async function stackSelection(): Promise<boolean> {
  const ids = selectedIds();
  if (ids.length < 2) return false;
  try {
    await ops.stackAssets(ids, ids[0]!);
    useSelection.getState().clear();
    useToasts.getState().info('stacks.stackedToast', { count: ids.length });
    await useGallery.getState().reload();
    // The bulk bar's Stack button went with the selection.
    keepFocusInGrid();
    return true;
  } catch (err) {
    useToasts.getState().error(err);
    return false;
  }
}

/**
 * Stacks an imported near-duplicate with the image it resembles; the one with more pixels is the cover (the
 * image resembled when they are equal).
 * @returns true when the stack was made
 */
export async function stackPair(similarTo: string, assetId: string): Promise<boolean> {
  try {
    const [a, b] = await Promise.all([call('assets.get', { id: similarTo }), call('assets.get', { id: assetId })]);
    const coverId = b.blob.width * b.blob.height > a.blob.width * a.blob.height ? assetId : similarTo;
    await ops.stackAssets([similarTo, assetId], coverId);
    await useGallery.getState().reload();
    return true;
  } catch (err) {
    useToasts.getState().error(err);
    return false;
  }
}

/**
 * Takes every image out of a stack; they show as separate tiles again.
 * @returns true when it was dissolved
 */
export async function unstack(stackId: string): Promise<boolean> {
  try {
    await ops.unstack(stackId);
    await useGallery.getState().reload();
    keepFocusInGrid();
    return true;
  } catch (err) {
    useToasts.getState().error(err);
    return false;
  }
}
