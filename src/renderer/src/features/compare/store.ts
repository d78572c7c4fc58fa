/**
 * The compare feature's UI state (zustand): the set on screen and how it is shown (mode, synced zoom/pan, the
 * focused image), the fan-out dialog, the stats dialog and the gallery picker. The set itself comes from the main
 * process (`compare.get`), re-read when one of its jobs or the set changes.
 */
import { create } from 'zustand';
import { initialView, type ViewState } from '@shared/compare-view';
import type { CompareSetView } from '@shared/contracts/compare';
import type { AppErrorShape } from '@shared/errors';
import { errorShape } from '../../i18n/format';
import { call, getTransport } from '../../transport';

/** How the images are shown: side by side, A/B slider, |A−B|, or alternating. */
export type CompareMode = 'side' | 'slider' | 'diff' | 'blink';

interface CompareState {
  setId: string | null;
  set: CompareSetView | null;
  error: AppErrorShape | null;
  mode: CompareMode;
  view: ViewState;
  /** The focused display slot; in two-image modes the pair is (focus, focus + 1). */
  focus: number;
  /** Blink interval, ms. */
  blinkMs: number;
  busy: boolean;
  runOpen: boolean;
  statsOpen: boolean;
  pickOpen: boolean;
  open(setId: string): Promise<void>;
  close(): void;
  refresh(): Promise<void>;
  setMode(mode: CompareMode): void;
  setView(view: ViewState): void;
  setFocus(slot: number): void;
  setBlinkMs(ms: number): void;
  toggleBlind(): Promise<void>;
  /** Records the item at `slot` as the winner. */
  pick(slot: number): Promise<void>;
  /** Takes the image of the item at `slot` out of the trash (the set is re-read on `library.changed`). */
  restore(slot: number): Promise<void>;
  setRunOpen(open: boolean): void;
  setStatsOpen(open: boolean): void;
  setPickOpen(open: boolean): void;
  /** Makes a set of gallery images and opens it. */
  comparePicked(assetIds: string[]): Promise<void>;
}

/** The library changes that can change what an item shows (a run shows its first output outside the trash). */
const TRASH_REASONS = new Set(['trashed', 'restored', 'emptied']);

let unsubscribe: (() => void) | null = null;
let refreshing: Promise<void> | null = null;

export const useCompare = create<CompareState>()((set, get) => {
  const follow = (): void => {
    unsubscribe?.();
    // Runs report through `job.updated`; verdicts and blind mode through `compare.changed`; an image trashed,
    // restored or deleted for good (here or in another window) through `library.changed`.
    unsubscribe = getTransport().subscribe((e) => {
      const cur = get().set;
      if (!cur) return;
      if (e.name === 'compare.changed' && e.payload.setId === cur.id) void get().refresh();
      if (e.name === 'job.updated' && cur.items.some((i) => i.jobId === e.payload.id)) void get().refresh();
      if (e.name === 'library.changed' && TRASH_REASONS.has(e.payload.reason)) void get().refresh();
    });
  };

  const guarded = async (fn: () => Promise<CompareSetView>): Promise<void> => {
    set({ busy: true, error: null });
    try {
      const s = await fn();
      if (get().setId === s.id) set({ set: s });
    } catch (err) {
      set({ error: errorShape(err) });
    } finally {
      set({ busy: false });
    }
  };

  return {
    setId: null,
    set: null,
    error: null,
    mode: 'side',
    view: initialView(),
    focus: 0,
    blinkMs: 600,
    busy: false,
    runOpen: false,
    statsOpen: false,
    pickOpen: false,

    async open(setId) {
      set({ setId, set: null, error: null, view: initialView(), focus: 0, mode: 'side' });
      follow();
      await get().refresh();
    },

    close() {
      unsubscribe?.();
      unsubscribe = null;
      set({ setId: null, set: null, error: null });
    },

    async refresh() {
      const id = get().setId;
      if (!id) return;
      // One read at a time; a burst of events ends with one more read.
      if (refreshing) {
        await refreshing;
        if (get().setId !== id) return;
      }
      refreshing = (async () => {
        try {
          const s = await call('compare.get', { id });
          if (get().setId === id) set({ set: s, error: null });
        } catch (err) {
          if (get().setId === id) set({ error: errorShape(err) });
        }
      })();
      try {
        await refreshing;
      } finally {
        refreshing = null;
      }
    },

    setMode: (mode) => set({ mode }),
    setView: (view) => set({ view }),
    setFocus: (slot) => {
      const n = get().set?.items.length ?? 0;
      if (n > 0) set({ focus: ((slot % n) + n) % n });
    },
    setBlinkMs: (blinkMs) => set({ blinkMs }),

    async toggleBlind() {
      const s = get().set;
      if (!s) return;
      await guarded(() => call('compare.setBlind', { id: s.id, blind: !s.blind }));
    },

    async pick(slot) {
      const s = get().set;
      const item = s?.items[slot];
      if (!s || !item?.blob) return;
      await guarded(() => call('compare.verdict', { id: s.id, ranking: [item.id] }));
    },

    async restore(slot) {
      const id = get().set?.items[slot]?.trashedAssetId;
      if (!id) return;
      set({ busy: true, error: null });
      try {
        await call('assets.restore', { ids: [id] });
        await get().refresh();
      } catch (err) {
        set({ error: errorShape(err) });
      } finally {
        set({ busy: false });
      }
    },

    setRunOpen: (runOpen) => set({ runOpen }),
    setStatsOpen: (statsOpen) => set({ statsOpen }),
    setPickOpen: (pickOpen) => set({ pickOpen }),

    async comparePicked(assetIds) {
      try {
        const s = await call('compare.create', { assetIds, blind: false });
        set({ pickOpen: false });
        await get().open(s.id);
      } catch (err) {
        set({ error: errorShape(err) });
        throw err;
      }
    },
  };
});
