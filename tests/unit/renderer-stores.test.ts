/**
 * The renderer's stores as units: the gallery's paging and reloads, the selection, the search box's typed-search
 * timer, and the races between them (a `library.changed` reload sending a user deep in the grid back to the first
 * page; a late typed search clearing a selection made after the user switched to a collection).
 *
 * The transport is a scripted one (`setTransport`): `assets.query` pages through an in-memory list of images in
 * keyset order, and a test can hold a reply back to order the race it wants.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AssetListItem } from '../../src/shared/organise';
import type { Transport } from '../../src/renderer/src/transport/types';
import { setTransport } from '../../src/renderer/src/transport';
import { useGallery } from '../../src/renderer/src/store/gallery';
import { TYPE_PAUSE_MS, useSearch } from '../../src/renderer/src/store/search';
import { useSelection } from '../../src/renderer/src/store/selection';

interface QueryCall {
  input: { limit: number; cursor: string | null; text?: string; scope: { kind: string } };
}

function item(i: number): AssetListItem {
  return {
    id: `a${String(i).padStart(5, '0')}`,
    blobId: `b${i}`,
    folderId: 'f1',
    width: 64,
    height: 64,
    createdAt: 1_000_000 - i,
    title: null,
    rating: 0,
    flag: 0,
    deletedAt: null,
  } as unknown as AssetListItem;
}

/** A transport whose `assets.query` pages through `images`; `hold()` makes the next reply wait for `release()`. */
function scripted(images: AssetListItem[]) {
  const calls: QueryCall[] = [];
  let held: { release: () => void } | null = null;
  let holdNext = false;
  const transport = {
    kind: 'web',
    async call(name: string, input: QueryCall['input']) {
      if (name !== 'assets.query') throw new Error(`unexpected call ${name}`);
      calls.push({ input });
      if (holdNext) {
        holdNext = false;
        await new Promise<void>((r) => (held = { release: r }));
      }
      const start = input.cursor ? Number(input.cursor) : 0;
      const list = input.text ? images.filter((a) => a.id.endsWith(input.text!)) : images;
      const page = list.slice(start, start + input.limit);
      const end = start + page.length;
      return { items: page, total: list.length, nextCursor: end < list.length ? String(end) : null };
    },
    subscribe: () => () => {},
    onReconnect: () => () => {},
    mediaUrl: (id: string) => `/media/${id}`,
    fileSource: async () => ({ kind: 'bytes', name: 'x', base64: '' }),
  } as unknown as Transport;
  return {
    transport,
    calls,
    hold() {
      holdNext = true;
    },
    release() {
      held?.release();
      held = null;
    },
  };
}

const flush = () => new Promise((r) => setTimeout(r, 0));

beforeEach(() => {
  useSearch.setState({ source: { kind: 'folder' }, text: '', filters: {}, sort: 'date', dir: 'desc' });
  useSelection.getState().clear();
  useGallery.setState({ folderId: null, items: [], total: 0, nextCursor: null, loading: false, error: null });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('gallery paging', () => {
  it('pages through the folder without duplicates and stops at the end', async () => {
    const images = Array.from({ length: 450 }, (_, i) => item(i));
    setTransport(scripted(images).transport);
    await useGallery.getState().show('f1');
    expect(useGallery.getState().items).toHaveLength(200);
    await useGallery.getState().loadMore();
    await useGallery.getState().loadMore();
    await useGallery.getState().loadMore();
    const { items, nextCursor, total } = useGallery.getState();
    expect(items.map((a) => a.id)).toEqual(images.map((a) => a.id));
    expect(new Set(items.map((a) => a.id)).size).toBe(450);
    expect(nextCursor).toBeNull();
    expect(total).toBe(450);
  });

  it('a reload (library.changed) keeps a user deep in the grid where they were', async () => {
    const images = Array.from({ length: 2500 }, (_, i) => item(i));
    setTransport(scripted(images).transport);
    await useGallery.getState().show('f1');
    for (let i = 0; i < 6; i++) await useGallery.getState().loadMore();
    expect(useGallery.getState().items).toHaveLength(1400);
    await useGallery.getState().reload();
    const after = useGallery.getState();
    expect(after.items).toHaveLength(1400);
    expect(after.items.map((a) => a.id)).toEqual(images.slice(0, 1400).map((a) => a.id));
    // …and the next page carries on after them.
    await useGallery.getState().loadMore();
    expect(useGallery.getState().items.map((a) => a.id)).toEqual(images.slice(0, 1600).map((a) => a.id));
  });

  it('a reply for a view the user has left is dropped', async () => {
    const images = Array.from({ length: 10 }, (_, i) => item(i));
    const s = scripted(images);
    setTransport(s.transport);
    s.hold();
    const first = useGallery.getState().show('f1');
    await flush();
    await useGallery.getState().show('f2');
    s.release();
    await first;
    expect(useGallery.getState().folderId).toBe('f2');
    expect(useGallery.getState().items).toHaveLength(10);
  });
});

describe('selection', () => {
  it('shift extends from the anchor, toggle flips one, forget drops what left the view', () => {
    const order = ['a', 'b', 'c', 'd', 'e'];
    const sel = useSelection.getState();
    sel.selectOnly('b');
    useSelection.getState().extendTo('d', order);
    expect([...useSelection.getState().ids].sort()).toEqual(['b', 'c', 'd']);
    useSelection.getState().toggle('c');
    expect([...useSelection.getState().ids].sort()).toEqual(['b', 'd']);
    useSelection.getState().forget(['d', 'zz']);
    expect([...useSelection.getState().ids]).toEqual(['b']);
  });
});

describe('the search box and a switch of source', () => {
  it('a typed search runs once after the pause', async () => {
    vi.useFakeTimers();
    const run = vi.fn();
    useSearch.getState().typeText('c', run);
    useSearch.getState().typeText('ca', run);
    vi.advanceTimersByTime(TYPE_PAUSE_MS - 1);
    expect(run).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(run).toHaveBeenCalledTimes(1);
    expect(useSearch.getState().text).toBe('ca');
  });

  it('a typed search still pending when the user opens a collection does not re-run and clear a selection made there', async () => {
    vi.useFakeTimers();
    const images = Array.from({ length: 5 }, (_, i) => item(i));
    setTransport(scripted(images).transport);
    const run = vi.fn(() => void useGallery.getState().show(useGallery.getState().folderId));
    // The user clears the search box, then at once opens a smart collection…
    useSearch.setState({ text: 'old' });
    useSearch.getState().typeText('', run);
    useSearch.getState().setSource({ kind: 'collection', id: 'c1' });
    await vi.runOnlyPendingTimersAsync();
    await useGallery.getState().show('f1');
    // …selects an image in it…
    useSelection.getState().selectOnly(images[2]!.id);
    // …and the old timer's moment passes.
    await vi.advanceTimersByTimeAsync(TYPE_PAUSE_MS * 5);
    expect(run).not.toHaveBeenCalled();
    expect([...useSelection.getState().ids]).toEqual([images[2]!.id]);
    // The collection opened with the text the user had typed, not the stale one.
    expect(useSearch.getState().text).toBe('');
  });

  it('clearing the search cancels a pending typed search', () => {
    vi.useFakeTimers();
    const run = vi.fn();
    useSearch.getState().typeText('cat', run);
    useSearch.getState().clearSearch();
    vi.advanceTimersByTime(TYPE_PAUSE_MS * 2);
    expect(run).not.toHaveBeenCalled();
    expect(useSearch.getState().text).toBe('');
  });
});
