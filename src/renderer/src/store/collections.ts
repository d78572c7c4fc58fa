/**
 * Collections and smart collections for the sidebar, with their live counts and the trash's count. Reloaded on
 * `collections.changed`, and (debounced) on `library.changed` / `asset.created`, since smart counts follow edits.
 */
import { create } from 'zustand';
import type { Collection } from '@shared/organise';
import { call } from '../transport';

interface CollectionsState {
  collections: Collection[];
  trashCount: number;
  load(): Promise<void>;
  /** Reloads after a short pause, collapsing bursts of events into one call. */
  scheduleLoad(): void;
}

const DEBOUNCE_MS = 250;
let timer: ReturnType<typeof setTimeout> | null = null;

export const useCollections = create<CollectionsState>()((set, get) => ({
  collections: [],
  trashCount: 0,
  async load() {
    try {
      const r = await call('collections.list', {});
      set({ collections: r.collections, trashCount: r.trashCount });
    } catch {
      // The sidebar keeps what it had; the next event retries.
    }
  },
  scheduleLoad() {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      void get().load();
    }, DEBOUNCE_MS);
  },
}));
