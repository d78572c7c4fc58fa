/**
 * A library whose full-text index rows left creation order (every library indexed before commit 50ff5db that took an
 * import) gets them back in the background once the app opens it: SearchService.reorderInBackground, started by
 * createApp, moves a few images' rows at a time and keeps its place in settings, so closing the app mid-way and
 * opening it again carries on. Searches are exact before, during and after. A real SQLite file and the real app.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/main/services/library/db';
import { SearchService } from '../../src/main/services/library/search';
import type { CallOutput } from '../../src/shared/contract';
import { call, openTestApp, tempDir, waitFor } from '../helpers/app';
import { TRASH_IN_CREATION_ORDER } from '../../src/main/services/repositories/search';
import { docOrderFlag, rowsInOrder as rowsOrdered, scrambleIndexRows } from '../helpers/search-index';

/** Images: 40 steps of 50 at least 20 ms apart, so the first close lands mid-pass. */
const N = 2000;
let dir: string;
let cleanup: () => Promise<void>;
/** The full-text index's stored pages (FTS5's `_data` rows) right after it was built, before any row moved. */
let freshPages = 0;
const indexPages = (db: ReturnType<typeof openDatabase>): number => db.prepare('SELECT count(*) FROM search_fts_data').pluck().get() as number;

/** The index's row order, its flag and the re-ordering pass under way, read from the library file. */
function rowsInOrder(file: string): { ordered: boolean; flag: unknown; pass: unknown } {
  const db = openDatabase(file);
  try {
    return {
      ordered: rowsOrdered(db),
      flag: docOrderFlag(db),
      pass: db.prepare("SELECT value FROM settings WHERE key = 'search.reorder'").pluck().get() ?? null,
    };
  } finally {
    db.close();
  }
}

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('atelier-reorder-'));
  const db = openDatabase(join(dir, 'library.sqlite'));
  db.exec(`INSERT INTO folders (id, parent_id, name, position, created_at) VALUES ('p1', NULL, 'P', 0, 1);
    INSERT INTO blobs (id, ext, mime, width, height, bytes, created_at) VALUES ('${'a'.repeat(64)}', 'png', 'image/png', 8, 8, 10, 1);`);
  const put = db.prepare(`INSERT INTO assets (id, folder_id, blob_id, kind, output_index, created_at, title, deleted_at) VALUES (?, 'p1', '${'a'.repeat(64)}', 'imported', 0, ?, ?, ?)`);
  const ids: string[] = [];
  db.transaction(() => {
    for (let i = 0; i < N; i++) {
      const id = randomUUID();
      ids.push(id);
      put.run(id, 1_700_000_000_000 + ((i * 7919) % N) * 1000, i % 3 === 0 ? 'harbour lighthouse' : 'lighthouse', i % 10 === 0 ? 5 : null);
    }
  })();
  new SearchService(db).refresh();
  freshPages = indexPages(db);
  // The rows scrambled as an old library's are (in the order the images were inserted), the flag saying so.
  scrambleIndexRows(db, ids);
  db.close();
});

afterAll(async () => {
  await cleanup();
});

describe('re-ordering the search index in the background', () => {
  it('reads the trash in creation order from its own index, without sorting the whole trash at each step', () => {
    const db = openDatabase(join(dir, 'library.sqlite'));
    try {
      const plan = (db.prepare(`EXPLAIN QUERY PLAN ${TRASH_IN_CREATION_ORDER}`).all(0, '', 50) as { detail: string }[]).map((r) => r.detail);
      expect(plan.join(' | ')).toMatch(/USING (COVERING )?INDEX assets_trash_by_created/);
      expect(plan.join(' | ')).not.toMatch(/TEMP B-TREE/);
    } finally {
      db.close();
    }
  });

  it('puts the rows back in creation order after the app opens the library, across a close mid-way, searches exact throughout', async () => {
    const file = join(dir, 'library.sqlite');
    expect(rowsInOrder(file)).toMatchObject({ ordered: false, flag: 'none', pass: null });
    const expected = (): string[] => {
      const db = openDatabase(file);
      try {
        return db.prepare("SELECT id FROM assets WHERE deleted_at IS NULL AND title LIKE '%harbour%' ORDER BY created_at DESC, id DESC").pluck().all() as string[];
      } finally {
        db.close();
      }
    };
    const want = expected();
    const harbour = async (app: Awaited<ReturnType<typeof openTestApp>>): Promise<string[]> => {
      const ids: string[] = [];
      let cursor: string | null = null;
      do {
        const page: CallOutput<'assets.query'> = await call(app, 'assets.query', { scope: { kind: 'library' }, text: 'harbour', limit: 25, cursor });
        ids.push(...page.items.map((i) => i.id));
        cursor = page.nextCursor;
      } while (cursor);
      return ids;
    };

    // Opened, and closed once the pass is under way: its place is saved.
    let app = await openTestApp(dir);
    expect(await harbour(app)).toEqual(want);
    await waitFor(() => {
      const db = openDatabase(file);
      try {
        return db.prepare("SELECT value FROM settings WHERE key = 'search.reorder'").pluck().get();
      } finally {
        db.close();
      }
    }, 'a re-ordering pass to begin');
    await app.close();
    const mid = rowsInOrder(file);
    expect(mid.flag).toBe('none');
    expect(JSON.parse(String(mid.pass))).toMatchObject({ pass: 1, broken: false });

    // Opened again: the pass carries on to the end; the same search gives the same rows, now by the index's order.
    app = await openTestApp(dir);
    try {
      expect(await harbour(app)).toEqual(want);
      await waitFor(async () => {
        const r = rowsInOrder(file);
        return r.flag === 'created' ? r : null;
      }, 'the rows back in creation order', 30_000, 100);
      expect(rowsInOrder(file)).toEqual({ ordered: true, flag: 'created', pass: null });
      expect(await harbour(app)).toEqual(want);
      // Then the moves' delete markers are merged away: the index is no bigger than a freshly built one, and sound.
      const merged = await waitFor(() => {
        const db = openDatabase(file);
        try {
          const pending = db.prepare("SELECT value FROM settings WHERE key = 'search.merge'").pluck().get();
          return pending == null ? { pages: indexPages(db), check: db.prepare("INSERT INTO search_fts(search_fts) VALUES('integrity-check')").run().changes } : null;
        } finally {
          db.close();
        }
      }, 'the index merged', 30_000, 100);
      expect(merged.pages).toBeLessThanOrEqual(freshPages + 2);
      expect(await harbour(app)).toEqual(want);
    } finally {
      await app.close();
    }
  });
});
