import { create } from 'zustand';
import type { AssetSummary } from '../../../shared/domain';
import type { AppErrorShape } from '../../../shared/errors';
import { errorShape } from '../i18n/format';
import { loadPref, savePref } from '../lib/persist';
import { call } from '../transport';

const PAGE = 200;
export const THUMB_MIN = 80;
export const THUMB_MAX = 400;

interface GalleryState {
  folderId: string | null;
  items: AssetSummary[];
  total: number;
  nextCursor: string | null;
  loading: boolean;
  error: AppErrorShape | null;
  thumbSize: number;
  /** Shows `folderId` (first page); `null` empties the gallery. */
  show(folderId: string | null): Promise<void>;
  /** Re-reads the first page of the current folder (after a reconnect). */
  reload(): Promise<void>;
  loadMore(): Promise<void>;
  /** An `asset.created` event: adds the new image in front when it belongs to the folder on screen. */
  assetCreated(assetId: string, folderId: string): Promise<void>;
  setThumbSize(px: number): void;
}

const clampThumb = (v: number): number => Math.min(THUMB_MAX, Math.max(THUMB_MIN, Math.round(v)));

// Every request carries the generation it was made for; a reply for a folder no longer shown is dropped.
let generation = 0;

export const useGallery = create<GalleryState>()((set, get) => ({
  folderId: null,
  items: [],
  total: 0,
  nextCursor: null,
  loading: false,
  error: null,
  thumbSize: clampThumb(loadPref('thumbSize', 180, (v): v is number => typeof v === 'number')),

  async show(folderId) {
    const gen = ++generation;
    set({ folderId, items: [], total: 0, nextCursor: null, error: null, loading: folderId !== null });
    if (!folderId) return;
    try {
      const page = await call('assets.list', { folderId, limit: PAGE, cursor: null });
      if (gen !== generation) return;
      set({ items: page.items, total: page.total, nextCursor: page.nextCursor, loading: false });
    } catch (err) {
      if (gen !== generation) return;
      set({ loading: false, error: errorShape(err) });
    }
  },

  async reload() {
    const { folderId } = get();
    const gen = ++generation;
    if (!folderId) return;
    try {
      const page = await call('assets.list', { folderId, limit: PAGE, cursor: null });
      if (gen !== generation) return;
      set({ items: page.items, total: page.total, nextCursor: page.nextCursor, loading: false, error: null });
    } catch (err) {
      if (gen !== generation) return;
      set({ loading: false, error: errorShape(err) });
    }
  },

  async loadMore() {
    const { folderId, nextCursor, loading } = get();
    if (!folderId || !nextCursor || loading) return;
    const gen = generation;
    set({ loading: true });
    try {
      const page = await call('assets.list', { folderId, limit: PAGE, cursor: nextCursor });
      if (gen !== generation) return;
      set((s) => {
        const seen = new Set(s.items.map((a) => a.id));
        return {
          items: [...s.items, ...page.items.filter((a) => !seen.has(a.id))],
          total: page.total,
          nextCursor: page.nextCursor,
          loading: false,
        };
      });
    } catch (err) {
      if (gen !== generation) return;
      set({ loading: false, error: errorShape(err) });
    }
  },

  async assetCreated(assetId, folderId) {
    if (get().folderId !== folderId || get().items.some((a) => a.id === assetId)) return;
    const gen = generation;
    try {
      const detail = await call('assets.get', { id: assetId });
      if (gen !== generation || get().items.some((a) => a.id === assetId)) return;
      const { recipe: _recipe, ...summary } = detail;
      set((s) => ({ items: [summary, ...s.items], total: s.total + 1 }));
    } catch {
      // It may have been deleted meanwhile; the next reload shows the truth.
    }
  },

  setThumbSize(px) {
    const thumbSize = clampThumb(px);
    set({ thumbSize });
    savePref('thumbSize', thumbSize);
  },
}));
