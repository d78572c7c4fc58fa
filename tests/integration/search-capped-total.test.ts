/**
 * Capped totals and the page plans of a large library (issue 12): a query matching more than TOTAL_CAP images
 * says so (`total` = the cap, `totalCapped` true) instead of counting every match, one matching fewer is counted
 * exactly; and whatever plan the service picks for a page (walking the sort index past the cap, driving from the
 * match set below it), every page holds exactly the rows a plain full sort gives, in the same order, to the end.
 * A real SQLite file with 12,600 images written in one transaction, indexed by SearchService.rebuild.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../src/main/services/library/db';
import { SearchService, TOTAL_CAP, type ParsedQuery } from '../../src/main/services/library/search';
import { docOrderFlag, rowsInOrder } from '../helpers/search-index';

const N = 12_600;
let dir: string;
let db: Db;
let search: SearchService;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'atelier-capped-'));
  db = openDatabase(join(dir, 'library.sqlite'));
  db.exec(`
    INSERT INTO folders (id, parent_id, name, position, created_at) VALUES ('p1', NULL, 'P', 0, 1), ('p2', NULL, 'Q', 1, 1);
    INSERT INTO blobs (id, ext, mime, width, height, bytes, created_at) VALUES ('${'a'.repeat(64)}', 'png', 'image/png', 8, 8, 10, 1);
  `);
  const job = db.prepare(`INSERT INTO jobs (id, folder_id, provider, model, prompt, params, state, idempotency_key, expected_count,
      created_at, updated_at, cost_usd) VALUES (?, ?, 'openai', 'gpt-image-2', ?, '{}', 'completed', ?, 1, ?, ?, ?)`);
  const asset = db.prepare(`INSERT INTO assets (id, folder_id, blob_id, kind, job_id, output_index, created_at, rating, flag)
      VALUES (?, ?, '${'a'.repeat(64)}', 'generated', ?, 0, ?, ?, ?)`);
  db.transaction(() => {
    for (let i = 0; i < N; i++) {
      const id = `a${String(i).padStart(5, '0')}`;
      // Every image says "lighthouse"; one in 50 also "harbour" (252 of them), one in 4 "beacon" (3,150: more than
      // 1,000, fewer than the cap); ratings 0–5, a few costs tied.
      const prompt = `${i % 50 === 0 ? `lighthouse harbour ${i}` : `lighthouse ${i}`}${i % 4 === 0 ? ' beacon' : ''}`;
      job.run(`j${i}`, i % 3 === 0 ? 'p2' : 'p1', prompt, `k${i}`, 1000 + i, 1000 + i, (i % 7) / 100);
      asset.run(id, i % 3 === 0 ? 'p2' : 'p1', `j${i}`, 1000 + (i * 7919) % N, i % 6, i % 11 === 0 ? 1 : 0);
    }
  })();
  search = new SearchService(db);
  search.rebuild();
});

afterAll(async () => {
  db.close();
  await rm(dir, { recursive: true, force: true });
});

const q = (over: Partial<ParsedQuery>): ParsedQuery => ({ scope: { kind: 'library' }, text: '', filters: {}, sort: 'date', dir: 'desc', ...over }) as ParsedQuery;

/** Every page of `query` (pages of `limit`), concatenated, with the first page's total. */
function allPages(query: ParsedQuery, limit: number): { ids: string[]; total: number; totalCapped: boolean } {
  const first = search.query(query, limit, null);
  const ids = first.items.map((i) => i.id);
  let cursor = first.nextCursor;
  while (cursor) {
    const page = search.query(query, limit, cursor);
    expect(page.totalCapped).toBe(first.totalCapped);
    ids.push(...page.items.map((i) => i.id));
    cursor = page.nextCursor;
  }
  return { ids, total: first.total, totalCapped: first.totalCapped };
}

/** The same query's ids by a plain full sort (no index choice, no cap). */
function expected(where: string, order: string, params: unknown[] = []): string[] {
  return db.prepare(`SELECT a.id FROM assets a LEFT JOIN jobs j ON j.id = a.job_id WHERE a.deleted_at IS NULL AND ${where} ORDER BY ${order}`).pluck().all(...params) as string[];
}

describe('capped totals and page plans', () => {
  it('caps the total of a query matching more than the cap and counts a smaller one exactly', () => {
    expect(TOTAL_CAP).toBe(10_000);
    const everything = search.query(q({}), 200, null);
    expect(everything).toMatchObject({ total: TOTAL_CAP, totalCapped: true });
    const text = search.query(q({ text: 'lighthouse' }), 200, null);
    expect(text).toMatchObject({ total: TOTAL_CAP, totalCapped: true });
    const few = search.query(q({ text: 'harbour' }), 200, null);
    expect(few).toMatchObject({ total: Math.ceil(N / 50), totalCapped: false });
    const project = search.query(q({ scope: { kind: 'folder', folderId: 'p2', recursive: false } }), 200, null);
    expect(project).toMatchObject({ total: Math.ceil(N / 3), totalCapped: false });
    const rated = search.query(q({ filters: { minRating: 5 } }), 200, null);
    expect(rated).toMatchObject({ total: expected('a.rating >= 5', 'a.id').length, totalCapped: false });
    // count() (smart collection counts) stays exact.
    expect(search.count(q({ text: 'lighthouse' }))).toBe(N);
  });

  it('pages a capped query to its end in the exact order of a full sort, every sort', () => {
    const runs: [Partial<ParsedQuery>, string, string][] = [
      [{}, '1', 'a.created_at DESC, a.id DESC'],
      [{ sort: 'rating', dir: 'desc' }, '1', 'a.rating DESC, a.created_at DESC, a.id DESC'],
      [{ sort: 'cost', dir: 'asc', text: 'lighthouse' }, '1', 'ifnull(a.cost_usd, -1) ASC, a.created_at ASC, a.id ASC'],
      [{ sort: 'cost', dir: 'desc', filters: { minRating: 1 } }, 'a.rating >= 1', 'ifnull(a.cost_usd, -1) DESC, a.created_at DESC, a.id DESC'],
      // A date range under the date sort seeks in the date index; under another sort it is only checked.
      [{ filters: { from: 1500, to: 13000 } }, 'a.created_at >= 1500 AND a.created_at <= 13000', 'a.created_at DESC, a.id DESC'],
      [{ sort: 'rating', dir: 'asc', filters: { from: 1500, to: 13000 } }, 'a.created_at >= 1500 AND a.created_at <= 13000', 'a.rating ASC, a.created_at ASC, a.id ASC'],
    ];
    for (const [over, where, order] of runs) {
      const got = allPages(q(over), 1000);
      const want = expected(where, order);
      expect(want.length).toBeGreaterThan(TOTAL_CAP);
      expect(got.totalCapped).toBe(true);
      expect(got.ids).toEqual(want);
    }
  });

  it('pages a capped text query by date from the index in its row order, keeps that order for images indexed late, and pages exactly once it is broken', () => {
    const runs: [Partial<ParsedQuery>, string][] = [
      [{ text: 'lighthouse' }, 'a.created_at DESC, a.id DESC'],
      [{ text: 'lighthouse', dir: 'asc' }, 'a.created_at ASC, a.id ASC'],
    ];
    const check = (): void => {
      for (const [over, order] of runs) {
        const got = allPages(q(over), 700);
        expect(got.totalCapped).toBe(true);
        expect(got.ids).toEqual(expected("j.prompt LIKE '%lighthouse%'", order));
      }
      // Fewer than the cap, more than 1,000, over the whole library: the same plan, counted exactly.
      const beacon = allPages(q({ text: 'beacon' }), 300);
      expect(beacon).toMatchObject({ total: N / 4, totalCapped: false });
      expect(beacon.ids).toEqual(expected("j.prompt LIKE '%beacon%'", 'a.created_at DESC, a.id DESC'));
    };
    const docOrder = (): unknown => docOrderFlag(db);
    const add = (id: string, createdAt: number, by = search): void => {
      db.prepare(`INSERT INTO jobs (id, folder_id, provider, model, prompt, params, state, idempotency_key, expected_count, created_at, updated_at)
        VALUES (?, 'p1', 'openai', 'gpt-image-2', ?, '{}', 'completed', ?, 1, 1, 1)`).run(`j-${id}`, `lighthouse of ${id}`, `k-${id}`);
      db.prepare(`INSERT INTO assets (id, folder_id, blob_id, kind, job_id, output_index, created_at) VALUES (?, 'p1', '${'a'.repeat(64)}', 'generated', ?, 0, ?)`).run(
        id,
        `j-${id}`,
        createdAt,
      );
      by.refresh();
    };
    const added = ['old', 'z1', 'b0', 'y1', 'yz', 'older', 'oldest'];
    // rebuild() wrote the index in creation order.
    expect(docOrder()).toBe('created');
    check();
    // An image dated before every indexed one (an import keeping its date), images created in the same millisecond
    // as the newest with ids on either side of it (indexed one by one, as jobs finish), and one whose neighbour in
    // creation order went to the trash: each takes a row between its neighbours, and the order holds.
    const newest = 1000 + N - 1;
    add('old', 500);
    expect(search.query(q({ text: 'lighthouse of' }), 10, null).items.map((i) => i.id)).toEqual(['old']);
    add('z1', newest);
    add('b0', newest);
    add('y1', newest);
    db.prepare("UPDATE assets SET deleted_at = 5 WHERE id = 'y1'").run();
    add('yz', newest);
    expect(docOrder()).toBe('created');
    // An import's batch: 60 images over 5 milliseconds, random ids (ten per millisecond), queued in one transaction
    // and indexed in one pass.
    const batch = Array.from({ length: 60 }, (_, i) => ({ id: `i-${randomUUID()}`, at: newest + 1 + (i % 5) }));
    db.transaction(() => {
      for (const b of batch) {
        db.prepare(`INSERT INTO assets (id, folder_id, blob_id, kind, output_index, created_at) VALUES (?, 'p2', '${'a'.repeat(64)}', 'imported', 0, ?)`).run(b.id, b.at);
      }
    })();
    search.refresh();
    added.push(...batch.map((b) => b.id));
    expect(docOrder()).toBe('created');
    expect(rowsInOrder(db)).toBe(true);
    check();
    // No room left between two rows (rows 2 apart, rebuilt here): the order is given up, and every page is still exact.
    const tight = new SearchService(db, { docGap: 2 });
    tight.rebuild();
    expect(rowsInOrder(db)).toBe(true);
    add('older', 400, tight);
    expect(docOrder()).toBe('created');
    add('oldest', 300, tight);
    expect(docOrder()).toBe('none');
    expect(rowsInOrder(db)).toBe(false);
    const loose = new SearchService(db);
    expect(loose.query(q({ text: 'lighthouse of' }), 10, null).items.map((i) => i.id)).toEqual(['z1', 'yz', 'b0', 'old', 'older', 'oldest']);
    search = loose;
    check();
    for (const id of added) db.prepare('DELETE FROM assets WHERE id = ?').run(id);
    search.rebuild();
    expect(docOrder()).toBe('created');
  });

  it('keeps a new library in creation order from its first image, through batches indexed as they come', async () => {
    const fresh = openDatabase(join(dir, 'fresh.sqlite'));
    try {
      fresh.exec(`INSERT INTO folders (id, parent_id, name, position, created_at) VALUES ('f1', NULL, 'F', 0, 1);
        INSERT INTO blobs (id, ext, mime, width, height, bytes, created_at) VALUES ('${'a'.repeat(64)}', 'png', 'image/png', 8, 8, 10, 1);`);
      const svc = new SearchService(fresh);
      // The gallery's first query, on the empty library (so no first-search rebuild puts the rows in order).
      expect(svc.query(q({}), 10, null).items).toEqual([]);
      const put = fresh.prepare(`INSERT INTO assets (id, folder_id, blob_id, kind, output_index, created_at, title) VALUES (?, 'f1', '${'a'.repeat(64)}', 'imported', 0, ?, 'lighthouse')`);
      for (let b = 0; b < 5; b++) {
        fresh.transaction(() => {
          for (let i = 0; i < 20; i++) put.run(`x-${randomUUID()}`, 1000 + b * 10 + (i % 3));
        })();
        svc.refresh();
      }
      expect(docOrderFlag(fresh)).toBe('created');
      const keys = fresh.prepare('SELECT a.created_at, a.id FROM search_docs d JOIN assets a ON a.id = d.asset_id ORDER BY d.doc_id').raw().all() as [number, string][];
      expect(keys).toHaveLength(100);
      expect(rowsInOrder(fresh)).toBe(true);
      const page = svc.query(q({ text: 'lighthouse' }), 100, null);
      expect(page.items.map((i) => i.id)).toEqual([...keys].reverse().map((k) => k[1]));
    } finally {
      fresh.close();
    }
  });

  it('finds the images carrying every tag asked for (the intersection), with or without text', () => {
    const tag = db.prepare('INSERT INTO tags (name, key, fold) VALUES (?, ?, ?)');
    const [sea, sky, red] = ['Sea', 'Sky', 'Red'].map((n) => Number(tag.run(n, n.toLowerCase(), n.toLowerCase()).lastInsertRowid));
    const put = db.prepare('INSERT INTO asset_tags (asset_id, tag_id) VALUES (?, ?)');
    const ids = (db.prepare('SELECT id FROM assets ORDER BY id').pluck().all() as string[]).slice(0, 3000);
    db.transaction(() => {
      ids.forEach((id, i) => {
        if (i % 2 === 0) put.run(id, sea);
        if (i % 3 === 0) put.run(id, sky);
        if (i % 5 === 0) put.run(id, red);
      });
    })();
    const both = allPages(q({ filters: { tags: ['SEA', 'sky'] } }), 200);
    expect(both).toMatchObject({ total: 500, totalCapped: false });
    expect(new Set(both.ids)).toEqual(new Set(ids.filter((_, i) => i % 6 === 0)));
    const three = allPages(q({ filters: { tags: ['sea', 'sky', 'red'] }, text: 'harbour' }), 200);
    expect(new Set(three.ids)).toEqual(new Set(ids.filter((_, i) => i % 30 === 0 && Number(ids[i]!.slice(1)) % 50 === 0)));
    expect(allPages(q({ filters: { tags: ['sea', 'no such tag'] } }), 200).ids).toEqual([]);
  });

  it('pages uncapped queries (text, filters, project) exactly as well', () => {
    const harbour = allPages(q({ text: 'harbour', sort: 'rating', dir: 'asc' }), 50);
    expect(harbour.ids).toEqual(expected("j.prompt LIKE '%harbour%'", 'a.rating ASC, a.created_at ASC, a.id ASC'));
    expect(harbour.total).toBe(harbour.ids.length);
    const flagged = allPages(q({ filters: { flags: [1], minRating: 3 }, scope: { kind: 'folder', folderId: 'p1', recursive: false } }), 100);
    expect(flagged.ids).toEqual(expected("a.flag = 1 AND a.rating >= 3 AND a.folder_id = 'p1'", 'a.created_at DESC, a.id DESC'));
    expect(flagged).toMatchObject({ total: flagged.ids.length, totalCapped: false });
  });
});
