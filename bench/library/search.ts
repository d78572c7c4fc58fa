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
  const docOrder = (): unknown => db.prepare("SELECT value FROM settings WHERE key = 'search.docOrder'").pluck().get();
  const outOfOrder = docOrder() !== 'created';
  if (app.services.search.needsRebuild() || outOfOrder) {
    // A library made before the index's layout changed (migration 0017), or whose index rows had left creation order
    // (before 50ff5db nearly every import did that), is indexed again first, with progress.
    const tr = performance.now();
    console.error(`search index: rebuilding (${outOfOrder ? 'its rows were out of creation order' : 'its layout changed'})`);
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
    const probe = await app.dispatcher.call('assets.query', { ...input, limit: 200, cursor }, { transport: 'web' });
    if (!probe.ok) throw new Error(`query ${JSON.stringify(input)} failed: ${probe.error.message}`);
    const total = (probe.value as { total: number; totalCapped: boolean }).totalCapped ? TOTAL_CAP + 1 : (probe.value as { total: number }).total;
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
    const oldCount = db.prepare(`SELECT COUNT(*) AS n FROM (SELECT 1 FROM ${built.countFrom} WHERE ${built.countWhere} LIMIT ${TOTAL_CAP + 1})`);
    const counts: (() => number)[] = [() => (oldCount.get(...built.params) as { n: number }).n];
    const fts = built.fts;
    let onePass: (() => unknown) | null = null;
    if (fts) {
      // The full-text expression with the filter tokens (migration 0017): counted by FTS5 alone when nothing is left
      // over, its date range as row-id bounds (the rows follow creation order after the rebuild), a date page read in
      // row order from the cursor's row, a rating page rating by rating, a page of at most the cap sorted on the
      // covering index's keys.
      const docAt = (sql: string, v: number | null): number | null => (v == null ? null : ((db.prepare(sql).pluck().get(v) as number | undefined) ?? -1));
      const lo = docAt('SELECT doc_id FROM assets INDEXED BY assets_live_by_created WHERE deleted_at IS NULL AND created_at >= ? ORDER BY created_at, id LIMIT 1', fts.from);
      const hi = docAt('SELECT doc_id FROM assets INDEXED BY assets_live_by_created WHERE deleted_at IS NULL AND created_at <= ? ORDER BY created_at DESC, id DESC LIMIT 1', fts.to);
      const bounds = `${lo !== null ? ` AND search_fts.rowid >= ${lo}` : ''}${hi !== null ? ` AND search_fts.rowid <= ${hi}` : ''}`;
      const resid = fts.residual.map((c) => ` AND ${c}`).join('');
      const fromJ = 'search_fts CROSS JOIN assets a INDEXED BY assets_live_by_doc ON a.doc_id = search_fts.rowid';
      const ftsCount = db
        .prepare(
          resid
            ? `SELECT COUNT(*) FROM (SELECT 1 FROM ${fromJ} WHERE search_fts MATCH ?${bounds} AND a.deleted_at IS NULL${resid} LIMIT ${TOTAL_CAP + 1})`
            : `SELECT COUNT(*) FROM (SELECT 1 FROM search_fts WHERE search_fts MATCH ?${bounds} LIMIT ${TOTAL_CAP + 1})`,
        )
        .pluck();
      counts.push(() => ftsCount.get(fts.match, ...fts.residualParams) as number);
      const cursorDoc = cursor ? (db.prepare('SELECT doc_id FROM assets WHERE id = ?').pluck().get(after.at(-1)) as number) : null;
      const byRow = db.prepare(
        `SELECT ${cols} FROM ${fromJ} CROSS JOIN blobs b ON b.id = a.blob_id LEFT JOIN jobs j ON j.id = a.job_id
          WHERE search_fts MATCH ?${bounds} AND search_fts.rowid ${d === 'DESC' ? '<' : '>'} ? AND a.deleted_at IS NULL${resid} ORDER BY search_fts.rowid ${d} LIMIT ?`,
      );
      const start = d === 'DESC' ? Number.MAX_SAFE_INTEGER : -1;
      if (parsed.sort === 'date') plans.push({ all: () => byRow.all(fts.match, cursorDoc ?? start, ...fts.residualParams, 201) } as never);
      if (parsed.sort === 'date' && !cursor && !resid) {
        // Count and page in one pass: the row ids in row order up to the cap + 1, the page's rows for the first of them.
        const ids = db.prepare(`SELECT rowid FROM search_fts WHERE search_fts MATCH ?${bounds} ORDER BY rowid ${d} LIMIT ${TOTAL_CAP + 1}`).pluck();
        const rows = db.prepare(
          `SELECT ${cols} FROM assets a INDEXED BY assets_live_by_doc CROSS JOIN blobs b ON b.id = a.blob_id LEFT JOIN jobs j ON j.id = a.job_id
            WHERE a.doc_id IN (SELECT value FROM json_each(?)) AND a.deleted_at IS NULL ORDER BY a.doc_id ${d}`,
        );
        onePass = () => rows.all(JSON.stringify((ids.all(fts.match) as number[]).slice(0, 201)));
      }
      if (parsed.sort === 'rating') {
        const from = cursor ? (after[0] as number) : null;
        const ratings = [0, 1, 2, 3, 4, 5].filter((r) => (d === 'DESC' ? from === null || r <= from : from === null || r >= from));
        if (d === 'DESC') ratings.reverse();
        plans.push({
          all: () => {
            const rows: unknown[] = [];
            for (const r of ratings) {
              rows.push(...byRow.all(`(${fts.match}) AND meta : ra${r}`, r === from ? cursorDoc : start, ...fts.residualParams, 201 - rows.length));
              if (rows.length >= 201) break;
            }
            return rows;
          },
        } as never);
      }
      if (total <= TOTAL_CAP) {
        const inner = keyCols.map((c) => (c === 'a.id' ? 'a.doc_id' : c));
        const innerKeyset = cursor ? ` AND (${inner.join(', ')}) ${d === 'DESC' ? '<' : '>'} (${after.map(() => '?').join(', ')})` : '';
        const sorted = db.prepare(
          `SELECT ${cols} FROM (SELECT a.rowid AS r FROM ${fromJ} WHERE search_fts MATCH ?${bounds} AND a.deleted_at IS NULL${resid}${innerKeyset}
              ORDER BY ${inner.map((c) => `${c} ${d}`).join(', ')} LIMIT 201) m
            CROSS JOIN assets a ON a.rowid = m.r CROSS JOIN blobs b ON b.id = a.blob_id LEFT JOIN jobs j ON j.id = a.job_id ORDER BY ${order}`,
        );
        const keys = cursor ? [...after.slice(0, -1), cursorDoc] : [];
        plans.push({ all: () => sorted.all(fts.match, ...fts.residualParams, ...keys) } as never);
      }
    }
    const timed = (f: () => unknown): number => {
      const t = performance.now();
      f();
      return performance.now() - t;
    };
    // Each candidate is timed once after a warm-up; the timed runs repeat only the fastest count and page (slow
    // candidates, such as building a million-row match set, would otherwise take most of a run at 1M images).
    const fastest = <T>(xs: T[], run: (x: T) => unknown): T => {
      for (const x of xs) run(x);
      return xs.map((x) => [x, timed(() => run(x))] as const).sort((p, q) => p[1] - q[1])[0]![0];
    };
    const countBest = cursor ? null : fastest(counts, (c) => c());
    const planBest = total === 0 ? null : fastest(plans, (p) => p.all(...built.params, ...after));
    const rawRun = (): number => {
      const t = performance.now();
      countBest?.();
      if (planBest) planBest.all(...built.params, ...after);
      const ms = performance.now() - t;
      return onePass ? Math.min(ms, timed(onePass)) : ms;
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
      `  index rows in creation order       ${docOrder() === 'created' ? 'yes' : 'no'}${outOfOrder ? ' (rebuilt first: they were not)' : ''}`,
      ...(slow.length ? ['  queries over 30 ms:', ...slow.map((l) => `    ${l}`)] : []),
    ],
    line: { search_p95_ms: p95.toFixed(1), worst_ms: worst.toFixed(1), raw_ratio: ratio.toFixed(2) },
  };
}
