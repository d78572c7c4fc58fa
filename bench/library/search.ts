/**
 * Search and filter: 50 fixed queries (text in English, Korean and Japanese, prefixes, accents; filters on
 * provider, model, date, rating, flag, cost, kind, references, tags; every sort; library and project scope),
 * each run through the app's own layer (the dispatcher: input validation, SearchService, output validation, the
 * same path as a renderer call) and as raw SQL on the same database (the page SELECT and the COUNT the service
 * builds, prepared once, run directly). Per query the median of 5 runs after a warm-up; p50/p95 over the 50.
 */
import type { AssetQueryInput } from '../../src/shared/organise';
import { NARROW_MATCHES } from '../../src/main/services/library/search';
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
  for (const input of queries(ctx.projectId)) {
    const call = async (): Promise<number> => {
      const t = performance.now();
      const r = await app.dispatcher.call('assets.query', { ...input, limit: 200 }, { transport: 'web' });
      const ms = performance.now() - t;
      if (!r.ok) throw new Error(`query ${JSON.stringify(input)} failed: ${r.error.message}`);
      return ms;
    };
    // The same SQL the service runs (page + count), prepared once, run directly.
    const parsed = { scope: input.scope, text: input.text ?? '', filters: input.filters ?? {}, sort: input.sort ?? 'date', dir: input.dir ?? 'desc' } as const;
    const built = app.services.search.where(parsed as never);
    const d = parsed.dir === 'desc' ? 'DESC' : 'ASC';
    const key = { date: [], rating: ['a.rating'], cost: ['ifnull(a.cost_usd, -1)'], name: ['a.sort_name'] }[parsed.sort];
    const order = [...key, 'a.created_at', 'a.id'].map((c) => `${c} ${d}`).join(', ');
    // The same statements the service chooses (search.ts `query`): the count first; no page for no match; a page
    // found through the id set when the whole query matches at most NARROW_MATCHES images, else over the sort index.
    const cols = `a.id, a.folder_id, a.kind, a.created_at, b.id AS blob_id, b.mime, b.width, b.height, b.bytes, a.provider,
              a.model, j.prompt, a.title, a.rating, a.flag, a.deleted_at, a.sort_name, ifnull(a.cost_usd, -1) AS cost_key`;
    const pageOf = (from: string, where: string) =>
      db.prepare(
        `SELECT ${cols} FROM ${from} JOIN blobs b ON b.id = a.blob_id LEFT JOIN jobs j ON j.id = a.job_id
          WHERE ${where} ORDER BY ${order} LIMIT 201`,
      );
    const broad = pageOf('assets a', built.pageWhere);
    const narrow = built.narrowFrom !== null ? pageOf(built.narrowFrom, built.where) : null;
    const count = db.prepare(`SELECT COUNT(*) AS n FROM ${built.countFrom} WHERE ${built.where}`);
    const rawRun = (): number => {
      const t = performance.now();
      const n = (count.get(...built.params) as { n: number }).n;
      if (n > 0) (narrow && n <= NARROW_MATCHES ? narrow : broad).all(...built.params);
      return performance.now() - t;
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
    if (median(s) > 30) slow.push(`${median(s).toFixed(1)} ms  ${JSON.stringify(input)}`);
  }
  const p50 = percentile(service, 50);
  const p95 = percentile(service, 95);
  const r50 = percentile(raw, 50);
  const r95 = percentile(raw, 95);
  const ratio = p95 / r95;
  return {
    table: [
      `search & filter (50 queries, median of ${RUNS} runs each, page of 200 + total count)`,
      `  app (dispatcher → SearchService)   p50 ${p50.toFixed(2)} ms   p95 ${p95.toFixed(2)} ms   (target p95 ≤ 30 ms)`,
      `  raw SQL, same statements           p50 ${r50.toFixed(2)} ms   p95 ${r95.toFixed(2)} ms`,
      `  ratio app/raw at p95               ${ratio.toFixed(2)}×   (target ≤ 2×)`,
      ...(slow.length ? ['  queries over 30 ms:', ...slow.map((l) => `    ${l}`)] : []),
    ],
    line: { search_p95_ms: p95.toFixed(1), raw_ratio: ratio.toFixed(2) },
  };
}
