/**
 * bench/polling: the job engine's adaptive polling against the fixed 2-second loop shown on the providers' pages,
 * through the real engine, journal, library and Apiframe adapter, against the Apiframe test server over loopback.
 *
 * Rows (each run in both modes on the same seeded durations):
 * - `linear`, `none`, `noisy`: log-normal durations with a median of 15 s (Apiframe: gpt-image-2 "~15 s average")
 *   and σ = 0.45, plus a long tail (1 job in 10 takes 2–4× longer), with progress reported linearly, not at all, or
 *   noisily (±25 points that jump and go back);
 * - `short`: a mix of short jobs, log-uniform between 2 and 8 s, no progress;
 * - `lone` (for the record, outside the final line): the `none` row's jobs one at a time, so no shared poll can
 *   help and the learned schedule works alone.
 * In the first four rows the jobs run at once (submitted 20 ms apart), as a batch does: while two or more run, one
 * `GET /v2/jobs` reads them all (the engine's shared polls), and a list request counts as one request.
 * Adaptive polling learns from the library: before the measured jobs, a warm-up of as many earlier jobs drawn from
 * the same distribution (another seed) runs through the same library, as a user's library would have them, and the
 * engine records their durations itself. The fixed loop needs none.
 *
 * Time is scaled down ×4 (a 15 s job runs 3.75 s; the fixed loop polls every 500 ms; the policy's gaps are scaled
 * alike) so the run takes about four minutes; the fixed overheads of a request and a download are not scaled, so
 * they weigh 4× more in the reported delays of both modes (the notice columns leave the download out).
 *
 * Prints, per row and mode: poll requests per job, the p50/p95 delay from a job's completion at the provider to its
 * image being in the library, and the p50/p95 delay to the poll that saw it done (scaled back to real seconds); then
 * each row's ratios (ours ÷ the fixed loop's) and a last line with the worst of each ratio over all rows:
 *   polling requests_ratio=R p50_delay_ratio=D p95_delay_ratio=E worst_row=ROW
 * (targets: R ≤ 0.5, D ≤ 1.0, E ≤ 1.0; ROW is the row furthest over, or nearest to, its targets).
 *
 * Run: npm run bench:polling   (or: npx tsx bench/polling.ts [jobs])
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { createApp } from '../src/main/app';
import { DEFAULT_LEARNED_POLICY, DEFAULT_POLL_POLICY } from '../src/main/services/jobs/polling';
import { startApiframeTestServer } from '../tests/servers/apiframe/server';

const SCALE = 0.25;
const JOBS = Number(process.argv[2] ?? 60);
const KEY = 'afk_bench_key_0001';

/** mulberry32: a small seeded PRNG, so both modes see the same durations. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Dist = 'main' | 'short';

/** `n` durations (ms) of the distribution, from `seed`. */
function durations(dist: Dist, n: number, seed: number): number[] {
  const r = rng(seed);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    if (dist === 'short') {
      out.push(2000 * 4 ** r());
      continue;
    }
    // Box–Muller normal, then log-normal around 15 s.
    const z = Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
    let s = 15 * Math.exp(0.45 * z);
    if (r() < 0.1) s *= 2 + 2 * r();
    out.push(Math.max(3, s) * 1000);
  }
  return out;
}

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};

interface ModeResult {
  mode: string;
  requestsPerJob: number;
  p50: number;
  p95: number;
  /** From completion to the poll that saw it (the schedule alone, without the download). */
  notice50: number;
  notice95: number;
  jobs: number;
}

type Progress = 'linear' | 'none' | 'noisy';

const until = async (db: import('../src/main/services/library/db').Db): Promise<void> => {
  const deadline = Date.now() + 10 * 60_000;
  for (;;) {
    const open = db.prepare("SELECT count(*) AS n FROM jobs WHERE state NOT IN ('completed','failed','expired','canceled')").get() as { n: number };
    if (open.n === 0) return;
    if (Date.now() > deadline) throw new Error('bench timed out');
    await new Promise((res) => setTimeout(res, 50));
  }
};

async function runMode(mode: 'adaptive' | 'fixed', progress: Progress, ds: number[], warm: number[], sequential = false): Promise<ModeResult> {
  const dir = await mkdtemp(join(tmpdir(), 'atelier-bench-polling-'));
  const srv = await startApiframeTestServer({
    keys: [KEY],
    queueDelayMs: 300 * SCALE,
    imageLongEdge: 64,
    progressReporting: progress,
    durationFor: (body) => {
      const m = /(w?)#(\d+)$/.exec(String(body['prompt']));
      return ((m?.[1] === 'w' ? warm : ds)[Number(m?.[2] ?? 0)] ?? 15_000) * SCALE;
    },
  });
  const app = await createApp({
    dataDir: dir,
    env: { ATELIER_APIFRAME_BASE_URL: srv.url },
    keychainService: `atelier-bench-${process.pid}`,
    logger: pino({ level: 'silent' }),
    timing: {
      pollMode: mode,
      fixedPollMs: 2000 * SCALE,
      typicalMs: 15_000 * SCALE,
      policy: {
        minGapMs: DEFAULT_POLL_POLICY.minGapMs * SCALE,
        maxGapMs: DEFAULT_POLL_POLICY.maxGapMs * SCALE,
        overdueStartMs: DEFAULT_POLL_POLICY.overdueStartMs * SCALE,
        overdueGrowth: DEFAULT_POLL_POLICY.overdueGrowth,
        aimAfterMs: DEFAULT_POLL_POLICY.aimAfterMs * SCALE,
        firstFraction: DEFAULT_POLL_POLICY.firstFraction,
      },
      learned: { ...DEFAULT_LEARNED_POLICY, hotGapMs: DEFAULT_LEARNED_POLICY.hotGapMs * SCALE },
      retryBaseMs: 50,
      retryCapMs: 500,
    },
  });
  try {
    const ok = await app.dispatcher.call('settings.setKey', { provider: 'apiframe', key: KEY }, { transport: 'web' });
    if (!ok.ok) throw new Error(ok.error.message);
    const f = await app.dispatcher.call('folders.create', { name: 'bench', parentId: null }, { transport: 'web' });
    if (!f.ok) throw new Error(f.error.message);
    const folderId = (f.value as { id: string }).id;
    const submit = async (prompt: string): Promise<void> => {
      const r = await app.dispatcher.call(
        'jobs.submit',
        { folderId, provider: 'apiframe', model: 'gpt-image-2', prompt, params: { quality: 'low' }, references: [] },
        { transport: 'web' },
      );
      if (!r.ok) throw new Error(r.error.message);
      await new Promise((res) => setTimeout(res, 20));
    };
    const db = app.services.db;
    // The warm-up: earlier jobs of the same kind, whose durations the engine records in the library.
    for (let i = 0; i < warm.length; i++) await submit(`warm-up job w#${i}`);
    await until(db);
    const learned = (db.prepare('SELECT count(*) AS n FROM job_durations').get() as { n: number }).n;
    const pollsBefore = srv.state.requestsTo('getJob').length + srv.state.requestsTo('listJobs').length;
    for (let i = 0; i < ds.length; i++) {
      await submit(`bench job #${i}`);
      if (sequential) await until(db);
    }
    await until(db);
    const rows = db
      .prepare(
        `SELECT j.idempotency_key AS key, j.state AS state, min(a.created_at) AS storedAt
         FROM jobs j LEFT JOIN assets a ON a.job_id = j.id WHERE j.prompt LIKE 'bench job #%' GROUP BY j.id`,
      )
      .all() as { key: string; state: string; storedAt: number | null }[];
    const byKey = new Map([...srv.state.jobs.values()].map((j) => [j.idempotencyKey, j]));
    const polls = new Map<string, number[]>();
    for (const q of srv.state.requestsTo('getJob')) {
      const id = q.url.split('?')[0]!.split('/').pop()!;
      polls.set(id, [...(polls.get(id) ?? []), q.at]);
    }
    // A shared poll (`GET /v2/jobs`) reads every running job at once: it counts as a poll of each.
    const lists = srv.state.requestsTo('listJobs').map((q) => q.at);
    const delays: number[] = [];
    const notice: number[] = [];
    for (const r of rows) {
      const sj = byKey.get(r.key);
      if (r.state !== 'completed' || !sj || r.storedAt === null) throw new Error(`job ${r.key} did not complete (${r.state})`);
      const done = sj.createdAt + sj.durationMs;
      delays.push((r.storedAt - done) / SCALE);
      const seen = [...(polls.get(sj.id) ?? []), ...lists].filter((at) => at >= done);
      notice.push((Math.min(...seen) - done) / SCALE);
    }
    return {
      mode: `${mode} (${warm.length > 0 ? `learned from ${learned}` : 'nothing learned'})`,
      requestsPerJob: (srv.state.requestsTo('getJob').length + srv.state.requestsTo('listJobs').length - pollsBefore) / rows.length,
      p50: pct(delays, 50),
      p95: pct(delays, 95),
      notice50: pct(notice, 50),
      notice95: pct(notice, 95),
      jobs: rows.length,
    };
  } finally {
    await app.close();
    await srv.close();
    await rm(dir, { recursive: true, force: true });
  }
}

interface Row {
  name: string;
  dist: Dist;
  progress: Progress;
  /** One job at a time (each submitted when the previous is done): no shared polls, the learned schedule alone. */
  sequential?: boolean;
  /** Shown for the record, outside the final line's targets (which are for the rows of many jobs at once). */
  info?: boolean;
  /** Jobs in the row (default the command line's). */
  jobs?: number;
}

const ROWS: Row[] = [
  { name: 'linear', dist: 'main', progress: 'linear' },
  { name: 'none', dist: 'main', progress: 'none' },
  { name: 'noisy', dist: 'main', progress: 'noisy' },
  { name: 'short', dist: 'short', progress: 'none' },
  { name: 'lone', dist: 'main', progress: 'none', sequential: true, info: true, jobs: Math.max(5, Math.round(JOBS / 3)) },
];
const TARGET = { requests: 0.5, p50: 1.0, p95: 1.0 };

async function main(): Promise<void> {
  const only = process.argv[3]?.split(',');
  const rows = ROWS.filter((r) => !only || only.includes(r.name));
  const f = (x: number) => x.toFixed(2);
  const sec = (ms: number) => (ms / 1000).toFixed(1);
  for (const dist of ['main', 'short'] as const) {
    if (!rows.some((r) => r.dist === dist)) continue;
    const ds = durations(dist, JOBS, 20261121);
    console.log(
      `bench/polling ${dist}: ${JOBS} jobs, durations p50 ${sec(pct(ds, 50))} s, p95 ${sec(pct(ds, 95))} s, max ${sec(Math.max(...ds))} s` +
        (dist === 'main' ? ' (log-normal, median 15 s, σ 0.45, 1 in 10 ×2–4)' : ' (log-uniform 2–8 s)'),
    );
  }
  console.log(
    `adaptive runs first learn from a warm-up of ${JOBS} earlier jobs of the same distribution (another seed) in the same library; ` +
      `time scaled ×${SCALE}, delays reported in real seconds`,
  );
  console.log(`${'row'.padEnd(8)} ${'mode'.padEnd(30)} ${'requests/job'.padStart(12)} ${'p50 delay s'.padStart(12)} ${'p95 delay s'.padStart(12)} ${'p50 notice s'.padStart(12)} ${'p95 notice s'.padStart(12)}`);
  const ratios: { row: string; requests: number; p50: number; p95: number; n50: number; n95: number }[] = [];
  const info: typeof ratios = [];
  for (const row of rows) {
    const ds = durations(row.dist, row.jobs ?? JOBS, 20261121);
    const warm = durations(row.dist, JOBS, 20251121);
    const fixed = await runMode('fixed', row.progress, ds, [], row.sequential);
    const ours = await runMode('adaptive', row.progress, ds, warm, row.sequential);
    for (const r of [fixed, ours]) {
      console.log(
        `${row.name.padEnd(8)} ${r.mode.padEnd(30)} ${r.requestsPerJob.toFixed(2).padStart(12)} ${(r.p50 / 1000).toFixed(2).padStart(12)} ${(r.p95 / 1000).toFixed(2).padStart(12)} ${(r.notice50 / 1000).toFixed(2).padStart(12)} ${(r.notice95 / 1000).toFixed(2).padStart(12)}`,
      );
    }
    (row.info ? info : ratios).push({
      row: row.name,
      requests: ours.requestsPerJob / fixed.requestsPerJob,
      p50: ours.p50 / fixed.p50,
      p95: ours.p95 / fixed.p95,
      n50: ours.notice50 / fixed.notice50,
      n95: ours.notice95 / fixed.notice95,
    });
  }
  for (const r of ratios) {
    console.log(
      `row ${r.row}: requests_ratio=${f(r.requests)} p50_delay_ratio=${f(r.p50)} p95_delay_ratio=${f(r.p95)} ` +
        `p50_notice_ratio=${f(r.n50)} p95_notice_ratio=${f(r.n95)}`,
    );
  }
  for (const r of info) {
    console.log(
      `row ${r.row} (for the record, one job at a time, no shared polls; not in the targets): requests_ratio=${f(r.requests)} ` +
        `p50_delay_ratio=${f(r.p50)} p95_delay_ratio=${f(r.p95)} p50_notice_ratio=${f(r.n50)} p95_notice_ratio=${f(r.n95)}`,
    );
  }
  const worst = (k: 'requests' | 'p50' | 'p95') => ratios.reduce((a, b) => (b[k] > a[k] ? b : a));
  const score = (r: (typeof ratios)[number]) => Math.max(r.requests / TARGET.requests, r.p50 / TARGET.p50, r.p95 / TARGET.p95);
  const worstRow = ratios.reduce((a, b) => (score(b) > score(a) ? b : a));
  console.log(
    `polling requests_ratio=${f(worst('requests').requests)} p50_delay_ratio=${f(worst('p50').p50)} p95_delay_ratio=${f(worst('p95').p95)} worst_row=${worstRow.row}`,
  );
  console.log(
    `worst per figure: requests ${worst('requests').row}, p50 ${worst('p50').row}, p95 ${worst('p95').row}; targets requests ≤ ${TARGET.requests}, p50 and p95 ≤ ${TARGET.p50}`,
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
