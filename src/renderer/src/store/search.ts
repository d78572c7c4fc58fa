/**
 * What the gallery shows: the source (the selected folder, a collection, the trash) and the search over it (text,
 * filters, sort). `queryFor(folderId)` turns it into the `assets.query` input the gallery pages through.
 */
import { create } from 'zustand';
import type { AssetFilters, AssetQueryInput, SavedQuery, SortDir, SortKey } from '@shared/organise';
import { loadPref, savePref } from '../lib/persist';

/** Where the gallery's images come from. */
export type Source = { kind: 'folder' } | { kind: 'collection'; id: string } | { kind: 'trash' };

interface SearchState {
  source: Source;
  text: string;
  filters: AssetFilters;
  sort: SortKey;
  dir: SortDir;
  setSource(source: Source): void;
  setText(text: string): void;
  /**
   * Text typed in the search box: applied and re-run (through `onRun`) after `TYPE_PAUSE_MS` without typing.
   * A pending typed search is cancelled by `setText`, `setSource` (which applies its text at once, so the new
   * source opens with it) and `clearSearch`, so a late timer never re-runs a view the user has left.
   */
  typeText(text: string, onRun: () => void): void;
  setFilters(patch: Partial<AssetFilters>): void;
  setSort(sort: SortKey, dir: SortDir): void;
  /** Clears text and filters (sort stays). */
  clearSearch(): void;
}

const SORTS: readonly string[] = ['date', 'rating', 'cost', 'name'];
const isSort = (v: unknown): v is { sort: SortKey; dir: SortDir } =>
  !!v && typeof v === 'object' && SORTS.includes((v as { sort: string }).sort) && ['asc', 'desc'].includes((v as { dir: string }).dir);

const initialSort = loadPref('gallerySort', { sort: 'date' as SortKey, dir: 'desc' as SortDir }, isSort);

/** Pause after the last keystroke before a typed search runs, in ms. */
export const TYPE_PAUSE_MS = 200;
let typeTimer: ReturnType<typeof setTimeout> | null = null;
let typedText: string | null = null;
/** Stops a pending typed search; returns its text (null when none was pending). */
const cancelTyping = (): string | null => {
  if (typeTimer) clearTimeout(typeTimer);
  typeTimer = null;
  const text = typedText;
  typedText = null;
  return text;
};

export const useSearch = create<SearchState>()((set, get) => ({
  source: { kind: 'folder' },
  text: '',
  filters: {},
  sort: initialSort.sort,
  dir: initialSort.dir,
  setSource: (source) => {
    const typed = cancelTyping();
    set(typed === null ? { source } : { source, text: typed });
  },
  setText: (text) => {
    cancelTyping();
    set({ text });
  },
  typeText: (text, onRun) => {
    cancelTyping();
    if (text === get().text) return;
    typedText = text;
    typeTimer = setTimeout(() => {
      typeTimer = null;
      typedText = null;
      set({ text });
      onRun();
    }, TYPE_PAUSE_MS);
  },
  setFilters: (patch) =>
    set((s) => {
      const filters: Record<string, unknown> = { ...s.filters, ...patch };
      for (const [k, v] of Object.entries(filters)) {
        if (v === undefined || v === null || (Array.isArray(v) && v.length === 0)) delete filters[k];
      }
      return { filters: filters as AssetFilters };
    }),
  setSort: (sort, dir) => {
    savePref('gallerySort', { sort, dir });
    set({ sort, dir });
  },
  clearSearch: () => {
    cancelTyping();
    set({ text: '', filters: {} });
  },
}));

/** True when text or a filter narrows the view. */
export function isSearching(s: Pick<SearchState, 'text' | 'filters'>): boolean {
  return s.text.trim() !== '' || Object.keys(s.filters).length > 0;
}

/**
 * The `assets.query` input for the current source and search; null when there is nothing to show (folder source
 * with no folder). A search in a folder looks into its sub-folders too.
 */
export function queryFor(folderId: string | null, s: SearchState = useSearch.getState()): AssetQueryInput | null {
  // Stacks show as their cover (with a count); the stack dialog lists the members.
  const base = { text: s.text, filters: s.filters, sort: s.sort, dir: s.dir, collapseStacks: true };
  switch (s.source.kind) {
    case 'trash':
      return { scope: { kind: 'trash' }, ...base };
    case 'collection':
      return { scope: { kind: 'collection', collectionId: s.source.id }, ...base };
    case 'folder':
      return folderId ? { scope: { kind: 'folder', folderId, recursive: isSearching(s) }, ...base } : null;
  }
}

/** The current search as a smart collection saves it (over the selected project/folder, or the library). */
export function savedQueryFor(folderId: string | null): SavedQuery {
  const s = useSearch.getState();
  return {
    scope: folderId && s.source.kind === 'folder' ? { kind: 'folder', folderId, recursive: true } : { kind: 'library' },
    text: s.text,
    filters: s.filters,
    sort: s.sort,
    dir: s.dir,
  };
}
