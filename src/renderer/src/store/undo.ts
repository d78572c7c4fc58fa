/**
 * The undo history of organising actions (issue 11): Ctrl/⌘+Z, Shift+Ctrl/⌘+Z and Ctrl+Y, Edit ▸ Undo / Redo in
 * the desktop menu, and the Undo / Redo of context menus all come here.
 *
 * Public API for other features — `undoStore`:
 *   - `undoStore.record(entry)`: after an organising action succeeded, record how to undo and redo it
 *     ({@link UndoEntry}: a label naming it, `undo()` and `redo()` through the contract calls). Recording clears
 *     the redo list; at most {@link MAX_UNDO_STEPS} steps are kept (the oldest go first).
 *   - `undoStore.undo()` / `undoStore.redo()`: run the last step back / forward, one at a time (calls made while one
 *     runs wait their turn; `undo(entry)` only if `entry` is still the last, for buttons bound to one step, with
 *     `undoStore.peek('undo')` right after recording); a toast names what was undone or redone ("Undid: Rate 3 images ★4") with the opposite
 *     button. Resolve with the step's label, or null when there was nothing to do or it failed (a failed step is
 *     reported and dropped: the library changed under it).
 *   - `undoStore.canUndo()` / `undoStore.canRedo()`, and `undoStore.label('undo' | 'redo')`: the label of the step
 *     that would run, for menu items ("Undo Move 2 images"); `useUndo` is the zustand hook for components.
 * The organising actions themselves, with their inverses computed from the state before, are in ./undo-ops.ts.
 * Undo never destroys: every inverse is itself reversible (an undone copy is trashed, not deleted).
 */
import { create } from 'zustand';
import { useGallery } from './gallery';
import { useToasts, type ToastText } from './toasts';

/** What a step is called in the toast and in menus: an i18n key under `undo.op.` with its values. */
export type UndoLabel = ToastText;

/** One organising action that can be undone and redone. Both reject when the library refuses the change. */
export interface UndoEntry {
  label: UndoLabel;
  undo(): Promise<void>;
  redo(): Promise<void>;
}

/** Steps kept (the issue asks for at least 50). */
export const MAX_UNDO_STEPS = 100;

interface UndoState {
  /** Done steps, oldest first; the last one is undone next. */
  past: UndoEntry[];
  /** Undone steps, the next to redo last. */
  future: UndoEntry[];
  /** True while a step runs. */
  busy: boolean;
}

export const useUndo = create<UndoState>()(() => ({ past: [], future: [], busy: false }));

// Steps run one after another: a held Ctrl+Z repeats, and each undo must see the state the previous one left.
let queue: Promise<unknown> = Promise.resolve();
function serial<T>(fn: () => Promise<T>): Promise<T> {
  const next = queue.then(fn, fn);
  queue = next.catch(() => undefined);
  return next;
}

/** Whether toasts are shown (off in tests that drive the store without a window). */
let toastsOn = true;

async function step(kind: 'undo' | 'redo', only?: UndoEntry): Promise<UndoLabel | null> {
  const s = useUndo.getState();
  const from = kind === 'undo' ? s.past : s.future;
  const entry = from[from.length - 1];
  // A toast's button acts on its own step only: once another step is on top, it does nothing.
  if (only && entry !== only) return null;
  if (!entry) {
    if (toastsOn) useToasts.getState().info(kind === 'undo' ? 'undo.nothingToUndo' : 'undo.nothingToRedo');
    return null;
  }
  useUndo.setState({ busy: true });
  try {
    await (kind === 'undo' ? entry.undo() : entry.redo());
  } catch (err) {
    // The library changed under this step (e.g. the trash was emptied): it cannot run, and the others stay.
    useUndo.setState((st) => ({
      busy: false,
      past: st.past.filter((e) => e !== entry),
      future: st.future.filter((e) => e !== entry),
    }));
    if (toastsOn) {
      useToasts.getState().info(kind === 'undo' ? 'undo.undoFailed' : 'undo.redoFailed', {}, { what: entry.label });
      useToasts.getState().error(err);
    }
    return null;
  }
  useUndo.setState((st) =>
    kind === 'undo'
      ? { busy: false, past: st.past.slice(0, -1), future: [...st.future, entry] }
      : { busy: false, future: st.future.slice(0, -1), past: [...st.past, entry] },
  );
  useGallery.getState().scheduleReload();
  if (toastsOn) {
    // One undo toast at a time: a run of Ctrl+Z shows the last step, not a stack of them.
    const toasts = useToasts.getState();
    for (const old of toasts.toasts) if (old.messageKey === 'undo.undid' || old.messageKey === 'undo.redid') toasts.dismiss(old.id);
    const other = kind === 'undo' ? 'redo' : 'undo';
    useToasts.getState().info(kind === 'undo' ? 'undo.undid' : 'undo.redid', {}, {
      what: entry.label,
      action: { labelKey: `undo.${other}`, run: () => void undoStore[other](entry) },
    });
  }
  return entry.label;
}

/** The undo history's API (see the module comment). */
export const undoStore = {
  /** Records a step that just succeeded; clears what could be redone. */
  record(entry: UndoEntry): void {
    useUndo.setState((s) => ({ past: [...s.past, entry].slice(-MAX_UNDO_STEPS), future: [] }));
  },
  /**
   * Undoes the last step (after any step still running); with `only`, only if that step is the last one (a toast's
   * Undo button, which must not undo a later step).
   */
  undo: (only?: UndoEntry): Promise<UndoLabel | null> => serial(() => step('undo', only)),
  /** Redoes the last undone step (after any step still running); with `only`, only if that is the one. */
  redo: (only?: UndoEntry): Promise<UndoLabel | null> => serial(() => step('redo', only)),
  /** The step `undo()` / `redo()` would run, or null (to bind a button to it, see `undo(only)`). */
  peek(which: 'undo' | 'redo'): UndoEntry | null {
    const s = useUndo.getState();
    const list = which === 'undo' ? s.past : s.future;
    return list[list.length - 1] ?? null;
  },
  canUndo: (): boolean => useUndo.getState().past.length > 0,
  canRedo: (): boolean => useUndo.getState().future.length > 0,
  /** The label of the step `undo()` / `redo()` would run, or null. */
  label(which: 'undo' | 'redo'): UndoLabel | null {
    const s = useUndo.getState();
    const list = which === 'undo' ? s.past : s.future;
    return list[list.length - 1]?.label ?? null;
  },
  /**
   * Runs an organising action in turn with undo and redo (so an undo pressed meanwhile waits for it) and records it.
   * @param perform does the action and resolves with the entry to record, or null when nothing changed
   * @returns the entry recorded, or null when nothing was (to bind a toast's Undo to that step alone)
   * @throws what `perform` throws (nothing is recorded)
   */
  run(perform: () => Promise<UndoEntry | null>): Promise<UndoEntry | null> {
    return serial(async () => {
      const entry = await perform();
      if (entry) undoStore.record(entry);
      return entry;
    });
  },
  /** Forgets every step (a library switch, tests). */
  clear(): void {
    useUndo.setState({ past: [], future: [], busy: false });
  },
  /** Turns the toasts off or on (tests that drive the store without a window). */
  setToasts(on: boolean): void {
    toastsOn = on;
  },
};
