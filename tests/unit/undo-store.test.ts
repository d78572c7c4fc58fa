/**
 * Issue 11, undo and redo: the renderer's undo history (src/renderer/src/store/undo.ts) as a unit — order, the
 * redo list cleared by a new step, at least 50 steps kept, one step at a time, a step the library refuses dropped —
 * the keys that ask for it (app/undo-keys.ts), and the inverses of the organising operations (store/undo-ops.ts)
 * computed from the state before, over a scripted transport holding a few images in memory.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Transport } from '../../src/renderer/src/transport/types';
import { setTransport } from '../../src/renderer/src/transport';
import { MAX_UNDO_STEPS, undoStore, useUndo, type UndoEntry } from '../../src/renderer/src/store/undo';
import { patchLabel, tagAssets, updateAssets } from '../../src/renderer/src/store/undo-ops';
import { undoCommandOf } from '../../src/renderer/src/app/undo-keys';
import { trashSelection } from '../../src/renderer/src/features/organise/actions';
import { useSelection } from '../../src/renderer/src/store/selection';
import { useToasts } from '../../src/renderer/src/store/toasts';

interface Img {
  id: string;
  folderId: string;
  title: string | null;
  note: string | null;
  rating: number;
  flag: -1 | 0 | 1;
  tags: string[];
  deletedAt: number | null;
  stackId: string | null;
}

/** A transport over `images` answering the calls the operations make; every call is logged. */
function scripted(images: Img[]) {
  const log: { name: string; input: Record<string, unknown> }[] = [];
  const byId = new Map(images.map((i) => [i.id, i]));
  const transport = {
    kind: 'web',
    async call(name: string, input: Record<string, unknown>) {
      log.push({ name, input: structuredClone(input) });
      const ids = (input['ids'] as string[] | undefined) ?? [];
      switch (name) {
        case 'assets.undoState':
          return { assets: ids.map((id) => structuredClone(byId.get(id)!)), stacks: [], folders: [] };
        case 'assets.update':
          for (const id of ids) Object.assign(byId.get(id)!, input['patch']);
          return { updated: ids.length };
        case 'assets.tag':
          for (const id of ids) {
            const img = byId.get(id)!;
            const add = (input['add'] as string[]).filter((t) => !img.tags.includes(t));
            img.tags = [...img.tags, ...add].filter((t) => !(input['remove'] as string[]).includes(t)).sort();
          }
          return { updated: ids.length };
        case 'assets.trash':
          for (const id of ids) byId.get(id)!.deletedAt ??= 1;
          return { trashed: ids.length };
        case 'assets.restore':
          for (const id of ids) byId.get(id)!.deletedAt = null;
          return { restored: ids.length };
        case 'assets.query':
          return { items: [], total: 0, totalCapped: false, nextCursor: null };
        default:
          throw new Error(`unexpected call ${name}`);
      }
    },
    subscribe: () => () => {},
    onReconnect: () => () => {},
    mediaUrl: (id: string) => `/media/${id}`,
    fileSource: async () => ({ name: 'x', dataBase64: '' }),
  } as unknown as Transport;
  return { transport, log, byId };
}

const img = (id: string, over: Partial<Img> = {}): Img => ({
  id,
  folderId: 'f1',
  title: null,
  note: null,
  rating: 0,
  flag: 0,
  tags: [],
  deletedAt: null,
  stackId: null,
  ...over,
});

/** A step that appends to `trace` when undone and redone. */
function traced(name: string, trace: string[], fail?: { undo?: boolean }): UndoEntry {
  return {
    label: { key: 'undo.op.move', values: { name } },
    undo: async () => {
      if (fail?.undo) throw new Error(`${name} cannot be undone`);
      trace.push(`undo ${name}`);
    },
    redo: async () => void trace.push(`redo ${name}`),
  };
}

beforeEach(() => {
  undoStore.clear();
  undoStore.setToasts(false);
});
afterEach(() => undoStore.setToasts(true));

describe('the undo history', () => {
  it('undoes the last step first, redoes in order, and a new step clears the redo list', async () => {
    const trace: string[] = [];
    undoStore.record(traced('a', trace));
    undoStore.record(traced('b', trace));
    expect(undoStore.canUndo()).toBe(true);
    expect(undoStore.canRedo()).toBe(false);
    expect(undoStore.label('undo')?.values).toEqual({ name: 'b' });
    await undoStore.undo();
    await undoStore.undo();
    expect(await undoStore.undo()).toBeNull();
    expect(undoStore.label('redo')?.values).toEqual({ name: 'a' });
    await undoStore.redo();
    expect(trace).toEqual(['undo b', 'undo a', 'redo a']);
    undoStore.record(traced('c', trace));
    expect(undoStore.canRedo()).toBe(false);
    expect(useUndo.getState().past.map((e) => e.label.values?.['name'])).toEqual(['a', 'c']);
  });

  it('keeps at least 50 steps (the oldest go first)', async () => {
    expect(MAX_UNDO_STEPS).toBeGreaterThanOrEqual(50);
    const trace: string[] = [];
    for (let i = 0; i < MAX_UNDO_STEPS + 10; i++) undoStore.record(traced(String(i), trace));
    expect(useUndo.getState().past).toHaveLength(MAX_UNDO_STEPS);
    let n = 0;
    while (await undoStore.undo()) n++;
    expect(n).toBe(MAX_UNDO_STEPS);
    expect(trace[0]).toBe(`undo ${MAX_UNDO_STEPS + 9}`);
    expect(trace.at(-1)).toBe('undo 10');
  });

  it('runs one step at a time: undos asked for together undo one step each, in order', async () => {
    const trace: string[] = [];
    let release!: () => void;
    const slow: UndoEntry = {
      label: { key: 'undo.op.move' },
      undo: () => new Promise<void>((r) => (release = () => (trace.push('undo slow'), r()))),
      redo: async () => {},
    };
    undoStore.record(traced('first', trace));
    undoStore.record(slow);
    const a = undoStore.undo();
    const b = undoStore.undo();
    await new Promise((r) => setTimeout(r, 10));
    expect(trace).toEqual([]);
    release();
    await Promise.all([a, b]);
    expect(trace).toEqual(['undo slow', 'undo first']);
  });

  it('a button bound to one step does nothing once another step is on top', async () => {
    const trace: string[] = [];
    undoStore.record(traced('a', trace));
    const a = undoStore.peek('undo')!;
    undoStore.record(traced('b', trace));
    expect(await undoStore.undo(a)).toBeNull();
    expect(trace).toEqual([]);
    await undoStore.undo();
    await undoStore.undo(a);
    expect(trace).toEqual(['undo b', 'undo a']);
    expect(await undoStore.redo(undoStore.peek('redo')!)).toEqual(a.label);
  });

  it('drops a step the library refuses and keeps the others', async () => {
    const trace: string[] = [];
    undoStore.record(traced('ok', trace));
    undoStore.record(traced('gone', trace, { undo: true }));
    expect(await undoStore.undo()).toBeNull();
    expect(useUndo.getState().past).toHaveLength(1);
    expect(useUndo.getState().future).toHaveLength(0);
    await undoStore.undo();
    expect(trace).toEqual(['undo ok']);
  });
});

describe('the keys', () => {
  const k = (key: string, mods: Partial<Record<'ctrlKey' | 'metaKey' | 'shiftKey' | 'altKey', boolean>> = {}) => ({
    key,
    ctrlKey: false,
    metaKey: false,
    shiftKey: false,
    altKey: false,
    ...mods,
  });
  it('Ctrl+Z, Shift+Ctrl+Z and Ctrl+Y on Windows and Linux; ⌘Z and ⇧⌘Z on macOS', () => {
    expect(undoCommandOf(k('z', { ctrlKey: true }), false)).toBe('undo');
    expect(undoCommandOf(k('Z', { ctrlKey: true, shiftKey: true }), false)).toBe('redo');
    expect(undoCommandOf(k('y', { ctrlKey: true }), false)).toBe('redo');
    expect(undoCommandOf(k('z', { metaKey: true }), false)).toBeNull();
    expect(undoCommandOf(k('z', { ctrlKey: true, altKey: true }), false)).toBeNull();
    expect(undoCommandOf(k('z'), false)).toBeNull();
    expect(undoCommandOf(k('z', { metaKey: true }), true)).toBe('undo');
    expect(undoCommandOf(k('z', { metaKey: true, shiftKey: true }), true)).toBe('redo');
    expect(undoCommandOf(k('y', { metaKey: true }), true)).toBeNull();
    expect(undoCommandOf(k('z', { ctrlKey: true }), true)).toBeNull();
  });
});

describe('the inverses of organising operations', () => {
  it('a rating is undone per image to the rating each had, and redone', async () => {
    const { transport, log, byId } = scripted([img('a', { rating: 2 }), img('b', { rating: 2 }), img('c', { rating: 5 }), img('d')]);
    setTransport(transport);
    await updateAssets(['a', 'b', 'c', 'd'], { rating: 4 });
    expect([...byId.values()].map((i) => i.rating)).toEqual([4, 4, 4, 4]);
    expect(undoStore.label('undo')).toEqual({ key: 'undo.op.rate', values: { count: 4, rating: 4 } });
    log.length = 0;
    await undoStore.undo();
    expect([...byId.values()].map((i) => i.rating)).toEqual([2, 2, 5, 0]);
    // One call per previous value, never one per image.
    expect(log.filter((c) => c.name === 'assets.update').map((c) => c.input)).toEqual([
      { ids: ['a', 'b'], patch: { rating: 2 } },
      { ids: ['c'], patch: { rating: 5 } },
      { ids: ['d'], patch: { rating: 0 } },
    ]);
    await undoStore.redo();
    expect([...byId.values()].map((i) => i.rating)).toEqual([4, 4, 4, 4]);
    await undoStore.undo();
    expect([...byId.values()].map((i) => i.rating)).toEqual([2, 2, 5, 0]);
  });

  it('a title and note edit puts back both, and only the fields it changed', async () => {
    const { transport, byId } = scripted([img('a', { title: 'Old', note: null, rating: 3 })]);
    setTransport(transport);
    await updateAssets(['a'], { title: 'New', note: 'n' });
    expect(undoStore.label('undo')?.key).toBe('undo.op.edit');
    byId.get('a')!.rating = 1; // changed elsewhere meanwhile: not this step's field
    await undoStore.undo();
    expect(byId.get('a')).toMatchObject({ title: 'Old', note: null, rating: 1 });
  });

  it('tags: each image gets back exactly the tags it had (an image that had the tag keeps it)', async () => {
    const { transport, byId } = scripted([img('a', { tags: ['sky'] }), img('b', { tags: ['sea'] })]);
    setTransport(transport);
    await tagAssets(['a', 'b'], ['sky'], ['sea']);
    expect(byId.get('a')!.tags).toEqual(['sky']);
    expect(byId.get('b')!.tags).toEqual(['sky']);
    await undoStore.undo();
    expect(byId.get('a')!.tags).toEqual(['sky']);
    expect(byId.get('b')!.tags).toEqual(['sea']);
    await undoStore.redo();
    expect(byId.get('b')!.tags).toEqual(['sky']);
  });

  it('an action that changed nothing is not a step', async () => {
    const { transport } = scripted([img('a', { tags: ['sky'] })]);
    setTransport(transport);
    await tagAssets(['a'], ['sky'], []);
    expect(undoStore.canUndo()).toBe(false);
  });

  it("the trash toast's Undo undoes that trash, and a trash that moved nothing offers none (it undid the step before)", async () => {
    // The grid's focus keeping waits for a frame; there is none here.
    vi.stubGlobal('requestAnimationFrame', () => 0);
    try {
      const { transport, byId } = scripted([img('a'), img('b'), img('c', { deletedAt: 5 })]);
      setTransport(transport);
      const trashedToast = () => useToasts.getState().toasts.filter((t) => t.messageKey === 'organise.trashed').at(-1);
      await updateAssets(['a'], { rating: 3 });
      useSelection.getState().setAll(['b']);
      await trashSelection();
      expect(byId.get('b')!.deletedAt).not.toBeNull();
      trashedToast()!.action!.run();
      await expect.poll(() => byId.get('b')!.deletedAt).toBeNull();
      // Already in the trash (another window put it there): nothing to undo, and the rating stays.
      useSelection.getState().setAll(['c']);
      await trashSelection();
      const toast = trashedToast()!;
      expect(toast.values).toEqual({ count: 1 });
      expect(toast.action).toBeUndefined();
      expect(undoStore.label('undo')).toEqual(patchLabel({ rating: 3 }, 1));
      expect(byId.get('a')!.rating).toBe(3);
    } finally {
      vi.unstubAllGlobals();
      useSelection.getState().clear();
    }
  });

  it('labels name the action', () => {
    expect(patchLabel({ rating: 0 }, 2)).toEqual({ key: 'undo.op.unrate', values: { count: 2 } });
    expect(patchLabel({ flag: 1 }, 1)).toEqual({ key: 'undo.op.pick', values: { count: 1 } });
    expect(patchLabel({ flag: -1 }, 1).key).toBe('undo.op.reject');
    expect(patchLabel({ title: 'x' }, 1).key).toBe('undo.op.title');
    expect(patchLabel({ note: null }, 1).key).toBe('undo.op.note');
  });
});
