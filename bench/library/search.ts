/**
 * Search and filter: 50 fixed queries (text in English, Korean and Japanese, prefixes, accents; filters on
 * provider, model, date, rating, flag, cost, kind, references, tags; every sort; library and project scope), plus
 * the slowest kinds (rating and cost sorts with filters over the whole library, deep pages, tag + text + date),
 * each run through the app's own layer (the dispatcher: input validation, SearchService, output validation, the
 * same path as a renderer call) and as raw SQL on the same database. The raw side is the best hand-written plan
 * for each query, not the service's choice: the count stopped at the cap (`LIMIT 10001`, the full-text index
 * joined row by row), then the fastest of the page plans a person would try (walk the sort's index with every
 * filter kept out of index choice; drive from the match set and sort it, whole rows or row ids only; the planner's
 * own choice; for text by date, the full-text index read in its row order), each
 * prepared once and timed. Per query the median of 5 runs after a warm-up; p50/p95/worst over all of them.
 * Progress goes to stderr.
 */
import type { AssetQueryInput } from '../../src/shared/organise';
import { TOTAL_CAP } from '../../src/main/services/library/search';
import { type BenchContext, type SectionResult, percentile } from './context';

const RUNS = 5;

/** The fixed query set (scope filled in per run). */
function queries(projectId: string): AssetQueryInput[] {
  const lib = { kind: 'library' } as const;
  const proj = { kind: 'folder', folderId: projectId, recursive: false } as const;
  const day = 86_400_000;
  const y24 = Date.UTC(2024, 0, 1);
  const q: AssetQueryInput[] = [
    // text: English words and prefixes, accents and case
    { scope: lib, text: 'lighthouse' },
    { scope: lib, text: 'light' },
    { scope: proj, text: 'fox snow' },
    { scope: lib, text: 'CAFE' },
    { scope: lib, text: 'café terrace' },
    { scope: proj, text: 'watercol' },
    { scope: lib, text: 'kodak portra' },
    { scope: lib, text: 'ukiyo' },
    { scope: proj, text: 'c' },
    { scope: lib, text: 'neon diner' },
    // Korean (2-character words), Japanese
    { scope: lib, text: '바다' },
    { scope: lib, text: '고양' },
    { scope: proj, text: '여우' },
    { scope: lib, text: '야시장' },
    { scope: lib, text: '벚꽃 공원' },
    { scope: lib, text: '夕焼' },
    { scope: proj, text: '富士山' },
    { scope: lib, text: '猫' },
    { scope: lib, text: '浮世絵' },
    { scope: lib, text: 'ネオン' },
    // filters
    { scope: proj, filters: { minRating: 4 } },
    { scope: proj, filters: { flags: [1] } },
    { scope: lib, filters: { flags: [-1] } },
    { scope: proj, filters: { providers: ['openai'] } },
    { scope: lib, filters: { models: ['gpt-image-1.5'] } },
    { scope: proj, filters: { kinds: ['imported'] } },
    { scope: proj, filters: { hasReferences: true } },
    { scope: lib, filters: { minCostUsd: 0.05 } },
    { scope: proj, filters: { maxCostUsd: 0.02 } },
    { scope: proj, filters: { from: y24 + 100 * day, to: y24 + 130 * day } },
    { scope: lib, filters: { tags: ['바다'] } },
    { scope: proj, filters: { tags: ['桜', 'sunset'] } },
    { scope: proj, filters: { minRating: 3, flags: [1], providers: ['openai', 'evolink'] } },
    // sorts
    { scope: proj, sort: 'rating', dir: 'desc' },
    { scope: proj, sort: 'cost', dir: 'desc' },
    { scope: proj, sort: 'name', dir: 'asc' },
    { scope: proj, sort: 'date', dir: 'asc' },
    { scope: lib, sort: 'rating', dir: 'desc' },
    { scope: lib, sort: 'name', dir: 'desc' },
    // text + filters + sort
    { scope: proj, text: 'portrait', filters: { minRating: 4 }, sort: 'rating' },
    { scope: lib, text: '바다', filters: { providers: ['openai'] } },
    { scope: proj, text: '桜', sort: 'cost', dir: 'desc' },
    { scope: lib, text: 'ramen', filters: { kinds: ['generated'] }, sort: 'name', dir: 'asc' },
    { scope: proj, text: 'studio', filters: { from: y24 + 200 * day } },
    { scope: lib, text: 'cat', filters: { tags: ['고양이'] } },
    { scope: proj, text: 'night', filters: { hasReferences: false, minRating: 2 } },
    { scope: lib, text: 'astronaut', sort: 'rating', dir: 'desc' },
    { scope: proj, text: '서울', filters: { flags: [0] } },
    { scope: lib, filters: { minRating: 5 }, sort: 'cost', dir: 'desc' },
    { scope: proj },
  ];
  if (q.length !== 50) throw new Error(`expected 50 queries, have ${q.length}`);
  return q;
}

/** The slowest kinds (issue 12): rating and cost sorts with filters, tag + text + date, deep pages (`page` = page number, 200 a page). */
function slowest(projectId: string): (AssetQueryInput & { page?: number })[] {
  const lib = { kind: 'library' } as const;
  const proj = { kind: 'folder', folderId: projectId, recursive: false } as const;
  const day = 86_400_000;
  const y24 = Date.UTC(2024, 0, 1);
  return [
    { scope: lib, filters: { minRating: 4 }, sort: 'cost', dir: 'desc' },
    { scope: lib, filters: { minCostUsd: 0.1 }, sort: 'rating', dir: 'desc' },
    { scope: lib, filters: { minRating: 5, flags: [1] }, sort: 'cost', dir: 'asc' },
    { scope: lib, sort: 'cost', dir: 'asc' },
    { scope: lib, text: 'portrait', filters: { tags: ['night'], from: y24 + 100 * day, to: y24 + 400 * day } },
    { scope: proj, text: 'lighthouse', filters: { tags: ['sunset'], from: y24 + 30 * day } },
    { scope: lib, text: '猫', filters: { tags: ['winter'], to: y24 + 300 * day }, sort: 'rating', dir: 'desc' },
    { scope: lib, page: 50 },
    { scope: lib, sort: 'rating', dir: 'desc', page: 30 },
    { scope: lib, text: 'light', page: 20 },
    { scope: proj, sort: 'name', dir: 'asc', page: 25 },
    { scope: lib, filters: { minRating: 3 }, sort: 'cost', dir: 'desc', page: 10 },
  ];
}

function median(xs: number[]): number {
  return percentile(xs, 50);
}

/** Runs the 50 queries through the dispatcher and as raw SQL; returns the table lines and the figures. */
export async function searchSection(ctx: BenchContext): Promise<SectionResult> {
  const { app } = ctx;
  const db = app.services.db;
  const service: number[] = [];
  const raw: number[] = [];
  const slow: string[] = [];
  const all: (AssetQueryInput & { page?: number })[] = [...queries(ctx.projectId), ...slowest(ctx.projectId)];
  if (app.services.search.needsRebuild()) {
    // A library made before the index's layout changed (migration 0017) is indexed again first, with progress.
    const tr = performance.now();
    console.error('search index: rebuilding (its layout changed)');
    app.services.search.rebuild((done, total) =>
      console.error(`  search index ${done.toLocaleString('en')} / ${total.toLocaleString('en')}  (${((performance.now() - tr) / 1000).toFixed(0)} s)`),
    );
    console.error(`search index rebuilt in ${((performance.now() - tr) / 1000).toFixed(1)} s`);
  }
  const t0 = performance.now();
  for (const [qi, { page: pageNo, ...input }] of all.entries()) {
    // A deep page: the cursor of page `pageNo` is found first (not timed), then that page is timed.
    let cursor: string | null = null;
    for (let p = 1; p < (pageNo ?? 1); p++) {
      const r = await app.dispatcher.call('assets.query', { ...input, limit: 200, cursor }, { transport: 'web' });
      if (!r.ok) throw new Error(`query ${JSON.stringify(input)} failed: ${r.error.message}`);
      cursor = (r.value as { nextCursor: string | null }).nextCursor;
      if (!cursor) throw new Error(`query ${JSON.stringify(input)} has no page ${p + 1}`);
    }
    const call = async (): Promise<number> => {
      const t = performance.now();
      const r = await app.dispatcher.call('assets.query', { ...input, limit: 200, cursor }, { transport: 'web' });
      const ms = performance.now() - t;
      if (!r.ok) throw new Error(`query ${JSON.stringify(input)} failed: ${r.error.message}`);
      return ms;
    };
    const parsed = { scope: input.scope, text: input.text ?? '', filters: input.filters ?? {}, sort: input.sort ?? 'date', dir: input.dir ?? 'desc' } as const;
    const built = app.services.search.where(parsed as never);
    const d = parsed.dir === 'desc' ? 'DESC' : 'ASC';
    const key = { date: [], rating: ['a.rating'], cost: ['ifnull(a.cost_usd, -1)'], name: ['a.sort_name'] }[parsed.sort];
    const keyCols = [...key, 'a.created_at', 'a.id'];
    const order = keyCols.map((c) => `${c} ${d}`).join(', ');
    // A deep page continues after the previous page's last row (its key values are in the cursor).
    const after = cursor ? (JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[]).slice(3) : [];
    const keyset = cursor ? ` AND (${keyCols.join(', ')}) ${d === 'DESC' ? '<' : '>'} (${after.map(() => '?').join(', ')})` : '';
    const cols = `a.id, a.folder_id, a.kind, a.created_at, b.id AS blob_id, b.mime, b.width, b.height, b.bytes, a.provider,
              a.model, j.prompt, a.title, a.rating, a.flag, a.deleted_at, a.sort_name, ifnull(a.cost_usd, -1) AS cost_key`;
    const pageOf = (from: string, where: string) =>
      db.prepare(
        `SELECT ${cols} FROM ${from} CROSS JOIN blobs b ON b.id = a.blob_id LEFT JOIN jobs j ON j.id = a.job_id
          WHERE ${where}${keyset} ORDER BY ${order} LIMIT 201`,
      );
    // The hand-written candidates for the page; the fastest one is the raw figure.
    const plans = [pageOf('assets a', parsed.sort === 'date' ? built.walkDateWhere : built.walkWhere), pageOf(built.narrowFrom ?? 'assets a', built.where), pageOf('assets a', built.pageWhere)];
    // Sort only the matches' row ids (keys from the covering index), then read the page's rows.
    plans.push(
      db.prepare(
        `SELECT ${cols} FROM (SELECT a.rowid AS r FROM ${built.narrowFrom ?? 'assets a'} WHERE ${built.where}${keyset} ORDER BY ${order} LIMIT 201) m
          CROSS JOIN assets a ON a.rowid = m.r CROSS JOIN blobs b ON b.id = a.blob_id LEFT JOIN jobs j ON j.id = a.job_id ORDER BY ${order}`,
      ),
    );
    // Text by date: the full-text index read in its row order (its row ids follow the dates after a rebuild).
    if (built.ftsFrom && parsed.sort === 'date') {
      const seek = cursor ? ` AND search_fts.rowid ${d === 'DESC' ? '<' : '>'} (SELECT doc_id FROM assets WHERE id = ?)` : '';
      const byDoc = db.prepare(
        `SELECT ${cols} FROM ${built.ftsFrom} CROSS JOIN blobs b ON b.id = a.blob_id LEFT JOIN jobs j ON j.id = a.job_id
          WHERE ${built.countWhere}${keyset}${seek} ORDER BY search_fts.rowid ${d} LIMIT 201`,
      );
      plans.push({ all: (...p: unknown[]) => byDoc.all(...p, ...(cursor ? [after.at(-1)] : [])) } as never);
    }
    const count = db.prepare(`SELECT COUNT(*) AS n FROM (SELECT 1 FROM ${built.countFrom} WHERE ${built.countWhere} LIMIT ${TOTAL_CAP + 1})`);
    const timed = (f: () => unknown): number => {
      const t = performance.now();
      f();
      return performance.now() - t;
    };
    const rawRun = (): number => {
      const t = performance.now();
      const n = cursor ? 1 : (count.get(...built.params) as { n: number }).n;
      const countMs = performance.now() - t;
      if (n === 0) return countMs;
      return countMs + Math.min(...plans.map((p) => timed(() => p.all(...built.params, ...after))));
    };
    await call();
    rawRun();
    const s: number[] = [];
    const r: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      s.push(await call());
      r.push(rawRun());
    }
    service.push(median(s));
    raw.push(median(r));
    const label = `${JSON.stringify(input)}${pageNo ? ` page ${pageNo}` : ''}`;
    if (median(s) > 30) slow.push(`${median(s).toFixed(1)} ms (raw ${median(r).toFixed(1)})  ${label}`);
    console.error(`  query ${qi + 1}/${all.length}  ${median(s).toFixed(1)} ms (raw ${median(r).toFixed(1)})  ${label}  [${((performance.now() - t0) / 1000).toFixed(0)} s]`);
  }
  const p50 = percentile(service, 50);
  const p95 = percentile(service, 95);
  const worst = Math.max(...service);
  const r50 = percentile(raw, 50);
  const r95 = percentile(raw, 95);
  const ratio = p95 / r95;
  return {
    table: [
      `search & filter (${all.length} queries: the 50 plus ${all.length - 50} of the slowest kinds; median of ${RUNS} runs each, page of 200 + total count capped at ${TOTAL_CAP.toLocaleString('en')})`,
      `  app (dispatcher → SearchService)   p50 ${p50.toFixed(2)} ms   p95 ${p95.toFixed(2)} ms   worst ${worst.toFixed(1)} ms   (target p95 ≤ 30 ms, every query ≤ 100 ms)`,
      `  raw SQL, best hand-written plan    p50 ${r50.toFixed(2)} ms   p95 ${r95.toFixed(2)} ms`,
      `  ratio app/raw at p95               ${ratio.toFixed(2)}×   (target ≤ 2×)`,
      ...(slow.length ? ['  queries over 30 ms:', ...slow.map((l) => `    ${l}`)] : []),
    ],
    line: { search_p95_ms: p95.toFixed(1), worst_ms: worst.toFixed(1), raw_ratio: ratio.toFixed(2) },
  };
}
