/**
 * The gallery's multi-selection, shared with other features (export and compare read it).
 *
 * API (all synchronous; ids are asset ids):
 * - `useSelection((s) => s.ids)`: the selected ids, a `ReadonlySet<string>` replaced (never mutated) on change,
 *   so a selector re-renders exactly when the selection changes. `selectedIds()` gives them as an array in
 *   selection order.
 * - `anchor`: the id a Shift-click range starts from (the last plain or Ctrl/⌘ click).
 * - `selectOnly(id)`: plain click. `toggle(id)`: Ctrl/⌘-click, Space. `extendTo(id, order)`: Shift-click, selects
 *   the ids of `order` (the view's ids in display order) between the anchor and `id`, inclusive, added to the
 *   selection. `selectRange(anchor, id, order)`: Shift+arrow keys, the selection becomes exactly the ids of `order`
 *   from `anchor` to `id` (so moving back shrinks it, as in Lightroom), `anchor` kept. `setAll(ids)`: select all (Ctrl/⌘+A, with every id of the current view). `clear()`: Escape, and on
 *   every change of view. `forget(ids)`: drops ids that left the view (trashed, moved away).
 */
import { create } from 'zustand';

/** The selection's state and actions (see the module comment). */
export interface SelectionState {
  ids: ReadonlySet<string>;
  anchor: string | null;
  selectOnly(id: string): void;
  toggle(id: string): void;
  extendTo(id: string, order: readonly string[]): void;
  selectRange(anchor: string, id: string, order: readonly string[]): void;
  setAll(ids: readonly string[]): void;
  clear(): void;
  forget(ids: readonly string[]): void;
}

const EMPTY: ReadonlySet<string> = new Set();

export const useSelection = create<SelectionState>()((set, get) => ({
  ids: EMPTY,
  anchor: null,
  selectOnly: (id) => set({ ids: new Set([id]), anchor: id }),
  toggle: (id) => {
    const next = new Set(get().ids);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    set({ ids: next, anchor: id });
  },
  extendTo: (id, order) => {
    const { anchor, ids } = get();
    const to = order.indexOf(id);
    const from = anchor ? order.indexOf(anchor) : -1;
    if (to < 0) return;
    if (from < 0) {
      set({ ids: new Set([...ids, id]), anchor: id });
      return;
    }
    const [lo, hi] = from <= to ? [from, to] : [to, from];
    set({ ids: new Set([...ids, ...order.slice(lo, hi + 1)]) });
  },
  selectRange: (anchor, id, order) => {
    const from = order.indexOf(anchor);
    const to = order.indexOf(id);
    if (from < 0 || to < 0) return;
    const [lo, hi] = from <= to ? [from, to] : [to, from];
    set({ ids: new Set(order.slice(lo, hi + 1)), anchor });
  },
  setAll: (all) => set({ ids: new Set(all), anchor: all[0] ?? null }),
  clear: () => {
    if (get().ids.size > 0 || get().anchor !== null) set({ ids: EMPTY, anchor: null });
  },
  forget: (gone) => {
    const next = new Set(get().ids);
    let changed = false;
    for (const id of gone) changed = next.delete(id) || changed;
    if (changed) set({ ids: next });
  },
}));

/** The selected asset ids as an array, in the order they were selected. */
export function selectedIds(): string[] {
  return [...useSelection.getState().ids];
}
