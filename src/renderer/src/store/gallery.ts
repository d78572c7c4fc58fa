import { create } from 'zustand';
import type { AssetListItem } from '@shared/organise';
import type { AppErrorShape } from '@shared/errors';
import { errorShape } from '../i18n/format';
import { loadPref, savePref } from '../lib/persist';
import { call } from '../transport';
import { queryFor, useSearch } from './search';
import { useSelection } from './selection';

const PAGE = 200;
/** The largest page `assets.query` serves (its `limit` maximum in the contract). */
const MAX_PAGE = 1000;
export const THUMB_MIN = 80;
export const THUMB_MAX = 400;

interface GalleryState {
  folderId: string | null;
  items: AssetListItem[];
  total: number;
  /** True when `total` is the server's cap (more matches than it counts: shown as "10,000+"). */
  totalCapped: boolean;
  /** While the search index is built again in the background and this view reads it: its progress (images). */
  indexing: { done: number; total: number } | null;
  nextCursor: string | null;
  loading: boolean;
  error: AppErrorShape | null;
  thumbSize: number;
  /** Counts the first pages shown by `show` and `refine`: the grid starts again at the top of each (its React key). */
  view: number;
  /** Shows `folderId` (first page) through the current source and search (store/search.ts); `null` and no other
   * source empties the gallery. */
  show(folderId: string | null): Promise<void>;
  /** Re-runs the current view after its search, filters, sort or source changed. Unlike `show`, the images on screen
   * (and their count) stay until the new first page arrives, with `loading` set: the grid does not blank, and the
   * count never reads "0 matches" between two searches. */
  refine(): Promise<void>;
  /** Re-reads the current view as deep as it was loaded (after a reconnect or a change elsewhere). */
  reload(): Promise<void>;
  loadMore(): Promise<void>;
  /** An `asset.created` event: adds the new image in front when it belongs to the folder on screen. */
  assetCreated(assetId: string, folderId: string): Promise<void>;
  /** Applies an organising patch to the items on screen (after this window changed them). */
  patchItems(ids: readonly string[], patch: Partial<Pick<AssetListItem, 'rating' | 'flag' | 'title'>>): void;
  /** Re-reads the view after a short pause (collapses bursts of `library.changed`). */
  scheduleReload(): void;
  /** Drops items from the view (moved away, trashed, restored from the trash view). */
  dropItems(ids: readonly string[]): void;
  setThumbSize(px: number): void;
}

const clampThumb = (v: number): number => Math.min(THUMB_MAX, Math.max(THUMB_MIN, Math.round(v)));

// Every request carries the generation it was made for; a reply for a folder no longer shown is dropped.
let generation = 0;
let reloadTimer: ReturnType<typeof setTimeout> | null = null;
// Ids of `seenFor` (the item list they were collected from); rebuilt when the list changed another way.
let seen = new Set<string>();
let seenFor: readonly AssetListItem[] | null = null;

/** How often a view answered from a search index still being built is read again, ms. */
const INDEXING_RELOAD_MS = 3000;
let indexingTimer: ReturnType<typeof setTimeout> | null = null;

/** While the index is being built, reads the view again every few seconds, so matches appear as they are indexed. */
function followIndexing(indexing: { done: number; total: number } | undefined): void {
  if (indexingTimer) clearTimeout(indexingTimer);
  indexingTimer = null;
  if (!indexing) return;
  indexingTimer = setTimeout(() => {
    indexingTimer = null;
    void useGallery.getState().reload();
  }, INDEXING_RELOAD_MS);
}

/** Reads the first page of `folderId`'s view into the store, over whatever is on screen until it arrives. */
async function firstPage(folderId: string | null): Promise<void> {
  const set = useGallery.setState;
  const gen = ++generation;
  const q = queryFor(folderId);
  useSelection.getState().clear();
  // A cursor of the old view must not page the new one (loadMore also waits while `loading`).
  if (!q) {
    set((s) => ({ items: [], total: 0, totalCapped: false, indexing: null, nextCursor: null, error: null, loading: false, view: s.view + 1 }));
    return;
  }
  set({ nextCursor: null, error: null, loading: true });
  try {
    const page = await call('assets.query', { ...q, limit: PAGE, cursor: null });
    if (gen !== generation) return;
    set((s) => ({
      items: page.items,
      total: page.total,
      totalCapped: page.totalCapped,
      indexing: page.indexing ?? null,
      nextCursor: page.nextCursor,
      loading: false,
      view: s.view + 1,
    }));
    followIndexing(page.indexing);
  } catch (err) {
    if (gen !== generation) return;
    set({ items: [], total: 0, totalCapped: false, indexing: null, loading: false, error: errorShape(err) });
  }
}

export const useGallery = create<GalleryState>()((set, get) => ({
  folderId: null,
  items: [],
  total: 0,
  totalCapped: false,
  indexing: null,
  nextCursor: null,
  loading: false,
  error: null,
  thumbSize: clampThumb(loadPref('thumbSize', 180, (v): v is number => typeof v === 'number')),
  view: 0,

  async show(folderId) {
    set({ folderId, items: [], total: 0, totalCapped: false, indexing: null, nextCursor: null });
    await firstPage(folderId);
  },

  async refine() {
    await firstPage(get().folderId);
  },

  async reload() {
    const { folderId, items: before } = get();
    const gen = ++generation;
    const q = queryFor(folderId);
    if (!q) return;
    try {
      // Re-read as deep as the user had scrolled (a burst of `library.changed` must not send someone deep in the
      // grid back to the first page): pages of up to MAX_PAGE until that many items are on hand or the list ends.
      const want = Math.max(PAGE, before.length);
      let page = await call('assets.query', { ...q, limit: Math.min(MAX_PAGE, want), cursor: null });
      let items = page.items;
      while (items.length < want && page.nextCursor) {
        if (gen !== generation) return;
        page = await call('assets.query', { ...q, limit: Math.min(MAX_PAGE, want - items.length), cursor: page.nextCursor });
        items = items.concat(page.items);
      }
      if (gen !== generation) return;
      set({ items, total: page.total, totalCapped: page.totalCapped, indexing: page.indexing ?? null, nextCursor: page.nextCursor, loading: false, error: null });
      followIndexing(page.indexing);
    } catch (err) {
      if (gen !== generation) return;
      set({ loading: false, error: errorShape(err) });
    }
  },

  async loadMore() {
    const { folderId, nextCursor, loading } = get();
    const q = queryFor(folderId);
    if (!q || !nextCursor || loading) return;
    const gen = generation;
    set({ loading: true });
    try {
      const page = await call('assets.query', { ...q, limit: PAGE, cursor: nextCursor });
      if (gen !== generation) return;
      set((s) => {
        // Keyset pages never overlap, but an image added meanwhile may already be on screen: check only the ids of
        // the new page against a set built once per view (not the whole list per page: O(page), not O(n)).
        if (seenFor !== s.items) {
          seen = new Set(s.items.map((a) => a.id));
        }
        const fresh = page.items.filter((a) => !seen.has(a.id));
        for (const a of fresh) seen.add(a.id);
        const items = s.items.concat(fresh);
        seenFor = items;
        return {
          items,
          total: page.total,
          totalCapped: page.totalCapped,
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
    // Under a search, collection or the trash the new image may not belong: the view is re-read instead.
    const s = useSearch.getState();
    if (s.source.kind !== 'folder' || s.text.trim() || Object.keys(s.filters).length || s.sort !== 'date' || s.dir !== 'desc') {
      void get().reload();
      return;
    }
    const gen = generation;
    try {
      const detail = await call('assets.get', { id: assetId });
      if (gen !== generation || get().items.some((a) => a.id === assetId)) return;
      const { recipe: _recipe, ...summary } = detail;
      const item: AssetListItem = { ...summary, title: null, rating: 0, flag: 0, deletedAt: null };
      set((s) => ({ items: [item, ...s.items], total: s.total + 1 }));
    } catch {
      // It may have been deleted meanwhile; the next reload shows the truth.
    }
  },

  patchItems(ids, patch) {
    const want = new Set(ids);
    set((s) => ({ items: s.items.map((a) => (want.has(a.id) ? { ...a, ...patch } : a)) }));
  },

  scheduleReload() {
    if (reloadTimer) clearTimeout(reloadTimer);
    reloadTimer = setTimeout(() => {
      reloadTimer = null;
      void get().reload();
    }, 150);
  },

  dropItems(ids) {
    const gone = new Set(ids);
    set((s) => {
      const items = s.items.filter((a) => !gone.has(a.id));
      return { items, total: Math.max(0, s.total - (s.items.length - items.length)) };
    });
    useSelection.getState().forget(ids);
  },

  setThumbSize(px) {
    const thumbSize = clampThumb(px);
    set({ thumbSize });
    savePref('thumbSize', thumbSize);
  },
}));
