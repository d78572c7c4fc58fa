/**
 * The search plans (issue 12) against a naive reference, on random small libraries (fast-check). Every plan the
 * service picks — the full-text expression with filter tokens (migration 0017), its count by FTS5 alone or checked
 * image by image, date bounds as index row bounds, the date page read in index row order, the rating page read
 * rating by rating, the matches' row ids sorted on covered keys, the capped walk of a sort index, the filter and
 * cost indexes — must give exactly the rows, order and total of one plain SQL statement (every condition written
 * out over `assets`, a full ORDER BY, no LIMIT), on every page. Each library is queried with its index rows in
 * creation order (rebuilt) and out of it (indexed as the images arrive in random order), with a small cap so the
 * capped plans run too, and again after ratings, flags, tags, folders, stacks and the trash change (the triggers
 * of migration 0017 must re-index what the filter tokens carry). A real SQLite file per library.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AssetFilters, SortDir, SortKey } from '../../src/shared/organise';
import { openDatabase, type Db } from '../../src/main/services/library/db';
import { SearchService, type ParsedQuery } from '../../src/main/services/library/search';
import { docOrderFlag, rowsInOrder, scrambleIndexRows } from '../helpers/search-index';
import { matchExpression, tagKey } from '../../src/main/services/library/search-text';

const WORDS = ['lighthouse', 'harbour', 'fox', 'snow', 'neon', '猫', '바다', 'café'];
const TAGS = ['night', 'Sunset', '桜', 'client-a'];
const PROVIDERS = [
  ['openai', 'gpt-image-1.5'],
  ['openai', 'gpt-image-2'],
  ['openai-compatible', 'custom:stablediffusion'],
  ['evolink', 'gpt-image-2'],
] as const;
const BLOB = 'b'.repeat(64);

interface AssetSpec {
  words: number[];
  folder: number;
  created: number;
  rating: number;
  flag: -1 | 0 | 1;
  kind: 'generated' | 'edited' | 'imported';
  provider: number;
  cost: number | null;
  refs: boolean;
  tags: number[];
  trashed: boolean;
  /** Stack under the asset at this index (its cover), if any. */
  stack: number | null;
}

const assetSpec = fc.record({
  words: fc.uniqueArray(fc.integer({ min: 0, max: WORDS.length - 1 }), { maxLength: 4 }),
  folder: fc.integer({ min: 0, max: 2 }),
  created: fc.integer({ min: 0, max: 40 }),
  rating: fc.integer({ min: 0, max: 5 }),
  flag: fc.constantFrom(-1 as const, 0 as const, 1 as const),
  kind: fc.constantFrom('generated' as const, 'edited' as const, 'imported' as const),
  provider: fc.integer({ min: 0, max: PROVIDERS.length - 1 }),
  cost: fc.option(fc.constantFrom(0.02, 0.04, 0.06), { nil: null }),
  refs: fc.boolean(),
  tags: fc.uniqueArray(fc.integer({ min: 0, max: TAGS.length - 1 }), { maxLength: 2 }),
  trashed: fc.integer({ min: 0, max: 9 }).map((n) => n < 2),
  stack: fc.option(fc.integer({ min: 0, max: 79 }), { nil: null, freq: 5 }),
});

/** Zero to two filters (more match almost nothing in a small library). */
const filtersArb: fc.Arbitrary<AssetFilters> = fc
  .array(
    fc.oneof(
      fc.integer({ min: 1, max: 5 }).map((minRating) => ({ minRating })),
      fc.integer({ min: 0, max: 4 }).map((maxRating) => ({ maxRating })),
      fc.uniqueArray(fc.constantFrom(-1 as const, 0 as const, 1 as const), { minLength: 1, maxLength: 2 }).map((flags) => ({ flags })),
      fc.uniqueArray(fc.constantFrom('generated' as const, 'edited' as const, 'imported' as const), { minLength: 1, maxLength: 2 }).map((kinds) => ({ kinds })),
      fc.uniqueArray(fc.constantFrom('openai' as const, 'openai-compatible' as const, 'evolink' as const), { minLength: 1, maxLength: 2 }).map((providers) => ({ providers })),
      fc.constantFrom('gpt-image-2' as const, 'gpt-image-1.5' as const).map((m) => ({ models: [m] })),
      fc.integer({ min: 0, max: 40 }).map((from) => ({ from })),
      fc.integer({ min: 0, max: 40 }).map((to) => ({ to })),
      fc.constantFrom(0.01, 0.04, 0.05).map((minCostUsd) => ({ minCostUsd })),
      fc.constantFrom(0.03, 0.04, 0.1).map((maxCostUsd) => ({ maxCostUsd })),
      fc.boolean().map((hasReferences) => ({ hasReferences })),
      fc.uniqueArray(fc.constantFrom(...TAGS, 'unknown tag'), { minLength: 1, maxLength: 2 }).map((tags) => ({ tags })),
      fc.uniqueArray(fc.constantFrom(...TAGS, 'SUNSET'), { minLength: 1, maxLength: 2 }).map((anyTags) => ({ anyTags })),
    ),
    { maxLength: 2 },
  )
  .map((parts): AssetFilters => Object.assign({}, ...parts) as AssetFilters)
  .filter(
    (f) =>
      (f.minRating ?? 0) <= (f.maxRating ?? 5) && (f.from ?? 0) <= (f.to ?? 40) && (f.minCostUsd ?? 0) <= (f.maxCostUsd ?? 1),
  );

const queryArb = fc.record({
  scope: fc.constantFrom('library', 'p0', 'p0r', 'p2'),
  text: fc.oneof(fc.constant(''), fc.constant(''), fc.constantFrom(...WORDS, 'light', 'f', 'harbour fox', '바')),
  filters: filtersArb,
  sort: fc.constantFrom<SortKey>('date', 'rating', 'cost', 'name'),
  dir: fc.constantFrom<SortDir>('asc', 'desc'),
  collapse: fc.boolean(),
  limit: fc.integer({ min: 1, max: 6 }),
});
type QuerySpec = typeof queryArb extends fc.Arbitrary<infer T> ? T : never;

const mutationArb = fc.array(
  fc.record({
    at: fc.nat(),
    what: fc.constantFrom('rating', 'flag', 'trash', 'restore', 'tag', 'untag', 'move', 'unstack', 'title'),
    value: fc.nat({ max: 5 }),
  }),
  { maxLength: 12 },
);

let dir: string;
let serial = 0;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'atelier-search-plans-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A library of `specs` in a new SQLite file; the service made before the images (indexed as they come) or after (rebuilt in creation order). */
function library(specs: AssetSpec[], ordered: boolean, cap: number): { db: Db; search: SearchService; ids: string[] } {
  const db = openDatabase(join(dir, `lib-${serial++}.sqlite`));
  db.exec(`
    INSERT INTO folders (id, parent_id, name, position, created_at) VALUES ('p0', NULL, 'P0', 0, 1), ('p1', 'p0', 'P1', 0, 1), ('p2', NULL, 'P2', 1, 1);
    INSERT INTO blobs (id, ext, mime, width, height, bytes, created_at) VALUES ('${BLOB}', 'png', 'image/png', 8, 8, 10, 1);
  `);
  const insTag = db.prepare('INSERT INTO tags (name, key, fold) VALUES (?, ?, ?)');
  for (const t of TAGS) insTag.run(t, tagKey(t), tagKey(t).normalize('NFD').replace(/\p{Mn}+/gu, ''));
  // Out of order: a library whose rows left creation order (the service keeps them where it can, so the state is
  // set here: every image below is then indexed as it comes, appended).
  if (!ordered) db.prepare("INSERT INTO settings (key, value) VALUES ('search.docOrder', 'none')").run();
  const search = ordered ? null : new SearchService(db, { totalCap: cap });
  if (search) search.refresh();
  const ids = specs.map((_, i) => `a${String((i * 37) % 101).padStart(3, '0')}-${i}`);
  const job = db.prepare(`INSERT INTO jobs (id, folder_id, provider, model, prompt, params, state, idempotency_key, expected_count,
      created_at, updated_at, cost_usd) VALUES (?, ?, ?, ?, ?, '{}', 'completed', ?, 1, ?, ?, ?)`);
  const ref = db.prepare(`INSERT INTO job_references (job_id, position, blob_id, name) VALUES (?, 0, '${BLOB}', 'r.png')`);
  const asset = db.prepare(`INSERT INTO assets (id, folder_id, blob_id, kind, job_id, output_index, created_at, rating, flag, deleted_at, stack_id)
      VALUES (?, ?, '${BLOB}', ?, ?, 0, ?, ?, ?, ?, ?)`);
  const tag = db.prepare('INSERT OR IGNORE INTO asset_tags (asset_id, tag_id) SELECT ?, id FROM tags WHERE key = ?');
  // Inserted in random order (not by date), so an index built as they come is out of creation order.
  db.transaction(() => {
    specs.forEach((s, i) => {
      const folder = ['p0', 'p1', 'p2'][s.folder]!;
      const jobId = s.kind === 'imported' ? null : `j${i}`;
      if (jobId) {
        const [provider, model] = PROVIDERS[s.provider]!;
        job.run(jobId, folder, provider, model, s.words.map((w) => WORDS[w]).join(' ') || 'untitled', jobId, s.created, s.created, s.cost);
        if (s.refs) ref.run(jobId);
      }
      const cover = s.stack !== null && s.stack < specs.length ? ids[s.stack]! : null;
      asset.run(ids[i], folder, s.kind, jobId, s.created, s.rating, s.flag, s.trashed ? 5000 + i : null, cover);
      for (const t of s.tags) tag.run(ids[i], tagKey(TAGS[t]!));
    });
    // A cover carries its own id as stack id.
    db.exec('UPDATE assets SET stack_id = id WHERE id IN (SELECT stack_id FROM assets WHERE stack_id IS NOT NULL)');
  })();
  const svc = search ?? new SearchService(db, { totalCap: cap });
  if (ordered) svc.rebuild();
  return { db, search: svc, ids };
}

function parsed(spec: QuerySpec): ParsedQuery {
  const scope =
    spec.scope === 'library'
      ? ({ kind: 'library' } as const)
      : ({ kind: 'folder', folderId: spec.scope === 'p2' ? 'p2' : 'p0', recursive: spec.scope === 'p0r' } as const);
  return { scope, text: spec.text, filters: spec.filters, sort: spec.sort, dir: spec.dir, collapseStacks: spec.collapse } as ParsedQuery;
}

/** The reference: one plain statement, every condition written out, fully sorted. */
function reference(db: Db, spec: QuerySpec): string[] {
  const f = spec.filters;
  const conds = ['a.deleted_at IS NULL'];
  const params: unknown[] = [];
  if (spec.scope === 'p0') conds.push("a.folder_id = 'p0'");
  if (spec.scope === 'p0r') conds.push("a.folder_id IN ('p0', 'p1')");
  if (spec.scope === 'p2') conds.push("a.folder_id = 'p2'");
  const expr = matchExpression(spec.text);
  if (expr) {
    conds.push('a.id IN (SELECT d.asset_id FROM search_docs d WHERE d.doc_id IN (SELECT rowid FROM search_fts WHERE search_fts MATCH ?))');
    params.push(`body : (${expr})`);
  }
  const add = (c: string, ...p: unknown[]): void => {
    conds.push(c);
    params.push(...p);
  };
  const list = (col: string, xs: readonly unknown[]): void => add(`${col} IN (${xs.map(() => '?').join(', ')})`, ...xs);
  if (f.minRating != null) add('a.rating >= ?', f.minRating);
  if (f.maxRating != null) add('a.rating <= ?', f.maxRating);
  if (f.flags) list('a.flag', f.flags);
  if (f.kinds) list('a.kind', f.kinds);
  if (f.providers) list('a.provider', f.providers);
  if (f.models) list('a.model', f.models);
  if (f.from != null) add('a.created_at >= ?', f.from);
  if (f.to != null) add('a.created_at <= ?', f.to);
  if (f.minCostUsd != null) add('a.cost_usd >= ?', f.minCostUsd);
  if (f.maxCostUsd != null) add('a.cost_usd <= ?', f.maxCostUsd);
  if (f.hasReferences != null) add('a.has_refs = ?', f.hasReferences ? 1 : 0);
  for (const t of f.tags ?? []) add('a.id IN (SELECT at.asset_id FROM asset_tags at JOIN tags t ON t.id = at.tag_id WHERE t.key = ?)', tagKey(t));
  if (f.anyTags) {
    const keys = f.anyTags.map((t) => tagKey(t).normalize('NFD').replace(/\p{Mn}+/gu, ''));
    add(`a.id IN (SELECT at.asset_id FROM asset_tags at JOIN tags t ON t.id = at.tag_id WHERE t.fold IN (${keys.map(() => '?').join(', ')}))`, ...keys);
  }
  if (spec.collapse) {
    conds.push('NOT (a.stack_id IS NOT NULL AND a.stack_id <> a.id AND EXISTS (SELECT 1 FROM assets c WHERE c.id = a.stack_id AND c.deleted_at IS NULL))');
  }
  const key = { date: [], rating: ['a.rating'], cost: ['ifnull(a.cost_usd, -1)'], name: ['a.sort_name'] }[spec.sort];
  const d = spec.dir.toUpperCase();
  const order = [...key, 'a.created_at', 'a.id'].map((c) => `${c} ${d}`).join(', ');
  return db.prepare(`SELECT a.id FROM assets a WHERE ${conds.join(' AND ')} ORDER BY ${order}`).pluck().all(...params) as string[];
}

function check(db: Db, search: SearchService, spec: QuerySpec, cap: number): void {
  const q = parsed(spec);
  // The reference reads the same full-text index for the typed text, brought up to date first.
  search.refresh();
  const want = reference(db, spec);
  const first = search.query(q, spec.limit, null);
  const got = first.items.map((i) => i.id);
  let cursor = first.nextCursor;
  let pages = 1;
  while (cursor) {
    if (++pages > want.length + 2) throw new Error(`more pages than matches for ${JSON.stringify(spec)}`);
    const page = search.query(q, spec.limit, cursor);
    got.push(...page.items.map((i) => i.id));
    cursor = page.nextCursor;
  }
  expect({ ids: got, total: first.total, capped: first.totalCapped }).toEqual({
    ids: want,
    total: Math.min(want.length, cap),
    capped: want.length > cap,
  });
}

function mutate(db: Db, ids: string[], ms: { at: number; what: string; value: number }[]): void {
  for (const m of ms) {
    const id = ids[m.at % ids.length]!;
    const tag = tagKey(TAGS[m.value % TAGS.length]!);
    switch (m.what) {
      case 'rating':
        db.prepare('UPDATE assets SET rating = ? WHERE id = ?').run(m.value, id);
        break;
      case 'flag':
        db.prepare('UPDATE assets SET flag = ? WHERE id = ?').run((m.value % 3) - 1, id);
        break;
      case 'trash':
        db.prepare('UPDATE assets SET deleted_at = 9000 WHERE id = ?').run(id);
        break;
      case 'restore':
        db.prepare('UPDATE assets SET deleted_at = NULL WHERE id = ?').run(id);
        break;
      case 'tag':
        db.prepare('INSERT OR IGNORE INTO asset_tags (asset_id, tag_id) SELECT ?, id FROM tags WHERE key = ?').run(id, tag);
        break;
      case 'untag':
        db.prepare('DELETE FROM asset_tags WHERE asset_id = ?').run(id);
        break;
      case 'move':
        db.prepare('UPDATE assets SET folder_id = ? WHERE id = ?').run(['p0', 'p1', 'p2'][m.value % 3], id);
        break;
      case 'unstack':
        db.prepare('UPDATE assets SET stack_id = NULL WHERE id = ?').run(id);
        break;
      case 'title':
        db.prepare('UPDATE assets SET title = ? WHERE id = ?').run(WORDS[m.value % WORDS.length], id);
        break;
    }
  }
}

/** A random library queried, edited (mutations), and queried again: every query must match the reference. */
const plansProperty = fc.property(
  fc.array(assetSpec, { minLength: 20, maxLength: 80 }),
  fc.boolean(),
  fc.integer({ min: 2, max: 12 }),
  fc.array(queryArb, { minLength: 6, maxLength: 6 }),
  mutationArb,
  (specs, ordered, cap, queries, mutations) => {
    const { db, search, ids } = library(specs, ordered, cap);
    try {
      for (const spec of queries) check(db, search, spec, cap);
      mutate(db, ids, mutations);
      for (const spec of queries) check(db, search, spec, cap);
    } finally {
      db.close();
    }
  },
);


/**
 * Images arriving after the index was rebuilt in creation order: batches of new images (dates anywhere in the
 * library's range, many tied, ids in no order, some trashed on arrival), each batch indexed before the next, with
 * rows 2–64 apart. While the service keeps its rows-in-order flag the rows really are in order, and every query
 * matches the reference, whether the order held or was given up.
 */
const arrivalsProperty = fc.property(
  fc.array(assetSpec, { minLength: 10, maxLength: 40 }),
  fc.array(fc.array(fc.record({ created: fc.integer({ min: 0, max: 45 }), id: fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 4, maxLength: 6 }), trashed: fc.boolean() }), { minLength: 1, maxLength: 8 }), { minLength: 1, maxLength: 6 }),
  fc.constantFrom(2, 3, 4, 64),
  fc.array(queryArb, { minLength: 4, maxLength: 4 }),
  (specs, batches, gap, queries) => {
    const { db } = library(specs, false, 1000);
    const search = new SearchService(db, { totalCap: 5, docGap: gap });
    search.rebuild();
    const add = db.prepare(`INSERT OR IGNORE INTO assets (id, folder_id, blob_id, kind, output_index, created_at, deleted_at) VALUES (?, 'p0', '${BLOB}', 'imported', 0, ?, ?)`);
    try {
      for (const batch of batches) {
        db.transaction(() => {
          for (const b of batch) add.run(`n-${b.id}`, b.created, b.trashed ? 9000 : null);
        })();
        search.refresh();
        const flag = docOrderFlag(db);
        if (flag === 'created') expect(rowsInOrder(db)).toBe(true);
      }
      for (const spec of queries) check(db, search, spec, 5);
    } finally {
      db.close();
    }
  },
);

const hexId = fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 4, maxLength: 6 });

/**
 * A library whose index rows are out of creation order (moved into the order the images were inserted in) is put
 * back in order by reorderStep, a few images at a time, while images arrive (older and newer than the pass's place),
 * go to the trash, and the service is opened again (the pass resumes from settings). Queries are exact mid-pass and
 * after; once the flag says the rows are in order, they are.
 */
const reorderProperty = fc.property(
  fc.array(assetSpec, { minLength: 10, maxLength: 40 }),
  fc.array(
    fc.oneof(
      fc.record({ op: fc.constant('step' as const), n: fc.integer({ min: 1, max: 7 }) }),
      fc.record({ op: fc.constant('add' as const), created: fc.integer({ min: 0, max: 45 }), id: hexId, trashed: fc.boolean() }),
      fc.record({ op: fc.constant('trash' as const), at: fc.nat() }),
      fc.record({ op: fc.constant('reopen' as const) }),
    ),
    { maxLength: 25 },
  ),
  fc.array(queryArb, { minLength: 3, maxLength: 3 }),
  (specs, ops, queries) => {
    const { db, ids } = library(specs, false, 1000);
    try {
      // Scrambled: each image's row moved above the rest, in the order the images were inserted (not by date).
      new SearchService(db).refresh();
      scrambleIndexRows(db, ids);
      let svc = new SearchService(db, { totalCap: 5 });
      const add = db.prepare(`INSERT OR IGNORE INTO assets (id, folder_id, blob_id, kind, output_index, created_at, deleted_at) VALUES (?, 'p0', '${BLOB}', 'imported', 0, ?, ?)`);
      for (const o of ops) {
        if (o.op === 'step') svc.reorderStep(o.n);
        else if (o.op === 'add') add.run(`n-${o.id}`, o.created, o.trashed ? 9000 : null);
        else if (o.op === 'trash') db.prepare('UPDATE assets SET deleted_at = 9100 WHERE id = ?').run(ids[o.at % ids.length]);
        else svc = new SearchService(db, { totalCap: 5 });
      }
      for (const spec of queries) check(db, svc, spec, 5);
      for (let i = 0; i < 1000 && svc.reorderStep(5); i++);
      const flag = docOrderFlag(db);
      const pass = db.prepare("SELECT value FROM settings WHERE key = 'search.reorder'").pluck().get();
      expect(flag === 'created' ? pass : flag).toBe(flag === 'created' ? undefined : 'none');
      if (flag === 'created') expect(rowsInOrder(db)).toBe(true);
      else expect(pass).toBe('given-up');
      for (const spec of queries) check(db, svc, spec, 5);
    } finally {
      db.close();
    }
  },
);


describe('search plans against a naive reference (random libraries)', () => {
  it('puts a library whose index rows left creation order back in order, step by step, across arrivals, the trash and a restart', () => {
    fc.assert(reorderProperty, { numRuns: 60, seed: 11 });
  });

  it('keeps the index rows in creation order for images arriving after a rebuild, or gives the order up, and every plan stays exact', () => {
    fc.assert(arrivalsProperty, { numRuns: 60, seed: 7 });
  });

  it('gives the reference rows, order and total on every page, whatever plan is chosen, before and after edits', () => {
    fc.assert(
      plansProperty,
      // A fixed seed, so that a red run means a change (a random one found the bug of seed 520514731, below).
      { numRuns: 40, seed: 1 },
    );
  });
  /**
   * Seed 520514731 (found in CI at f90e220) failed: with stacks collapsed, a stack member whose cover went to the
   * trash and came back (after the cover was taken out of its own stack) stayed hidden or shown by a stale token.
   * Fixed by migration 0019 (members are re-indexed when the image they point at changes trash state, whatever its
   * own stack id); kept as a run of its own.
   */
  it('keeps a stack member under collapse in step with its cover going to the trash and back (seed 520514731)', () => {
    fc.assert(
      plansProperty,
      { numRuns: 40, seed: 520514731, endOnFailure: true },
    );
  });
});
