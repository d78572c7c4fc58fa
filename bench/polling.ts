/**
 * bench/polling: the job engine's adaptive polling against the fixed 2-second loop shown on the providers' pages,
 * on one realistic distribution of job durations, through the real engine, journal, library and Apiframe adapter,
 * against the Apiframe test server over loopback.
 *
 * Durations: log-normal with a median of 15 s (Apiframe: gpt-image-2 "~15 s average") and σ = 0.45, plus a long
 * tail (1 job in 10 takes 2–4× longer). Time is scaled down ×10 (a 15 s job runs 1.5 s; the fixed loop polls every
 * 200 ms; the policy's gaps are scaled alike) so the run takes about a minute. The same seeded durations are used
 * for both modes.
 *
 * Prints, per mode: poll requests per job, and the p50/p95 delay from a job's completion at the provider to its
 * image being in the library (scaled back to real seconds). Last line:
 *   polling requests_ratio=R p50_delay_ratio=D p95_delay_ratio=E   (ours ÷ the fixed loop's)
 *
 * Run: npm run bench:polling   (or: npx tsx bench/polling.ts [jobs])
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { createApp } from '../src/main/app';
import { DEFAULT_POLL_POLICY } from '../src/main/services/jobs/polling';
import { startApiframeTestServer } from '../tests/servers/apiframe/server';

const SCALE = 0.1;
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

function durations(n: number): number[] {
  const r = rng(20261121);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
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
  jobs: number;
}

async function runMode(mode: 'adaptive' | 'fixed', progress: 'linear' | 'none', ds: number[]): Promise<ModeResult> {
  const dir = await mkdtemp(join(tmpdir(), 'atelier-bench-polling-'));
  const srv = await startApiframeTestServer({
    keys: [KEY],
    queueDelayMs: 300 * SCALE,
    imageLongEdge: 64,
    progressReporting: progress,
    durationFor: (body) => {
      const m = /#(\d+)$/.exec(String(body['prompt']));
      return (ds[Number(m?.[1] ?? 0)] ?? 15_000) * SCALE;
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
    for (let i = 0; i < ds.length; i++) {
      const r = await app.dispatcher.call(
        'jobs.submit',
        { folderId, provider: 'apiframe', model: 'gpt-image-2', prompt: `bench job #${i}`, params: { quality: 'low' }, references: [] },
        { transport: 'web' },
      );
      if (!r.ok) throw new Error(r.error.message);
      await new Promise((res) => setTimeout(res, 20));
    }
    const db = app.services.db;
    const deadline = Date.now() + 10 * 60_000;
    for (;;) {
      const open = db.prepare("SELECT count(*) AS n FROM jobs WHERE state NOT IN ('completed','failed','expired','canceled')").get() as { n: number };
      if (open.n === 0) break;
      if (Date.now() > deadline) throw new Error('bench timed out');
      await new Promise((res) => setTimeout(res, 100));
    }
    const rows = db
      .prepare(
        `SELECT j.idempotency_key AS key, j.state AS state, min(a.created_at) AS storedAt
         FROM jobs j LEFT JOIN assets a ON a.job_id = j.id GROUP BY j.id`,
      )
      .all() as { key: string; state: string; storedAt: number | null }[];
    const byKey = new Map([...srv.state.jobs.values()].map((j) => [j.idempotencyKey, j]));
    const delays: number[] = [];
    for (const r of rows) {
      const sj = byKey.get(r.key);
      if (r.state !== 'completed' || !sj || r.storedAt === null) throw new Error(`job ${r.key} did not complete (${r.state})`);
      delays.push((r.storedAt - (sj.createdAt + sj.durationMs)) / SCALE);
    }
    return {
      mode: `${mode} (progress ${progress})`,
      requestsPerJob: srv.state.requestsTo('getJob').length / rows.length,
      p50: pct(delays, 50),
      p95: pct(delays, 95),
      jobs: rows.length,
    };
  } finally {
    await app.close();
    await srv.close();
    await rm(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const ds = durations(JOBS);
  console.log(
    `bench/polling: ${JOBS} jobs, durations p50 ${(pct(ds, 50) / 1000).toFixed(1)} s, p95 ${(pct(ds, 95) / 1000).toFixed(1)} s, ` +
      `max ${(Math.max(...ds) / 1000).toFixed(1)} s; time scaled ×${SCALE}, delays reported in real seconds`,
  );
  const fixed = await runMode('fixed', 'linear', ds);
  const ours = await runMode('adaptive', 'linear', ds);
  const oursNoProgress = await runMode('adaptive', 'none', ds);
  const line = (r: ModeResult) =>
    `${r.mode.padEnd(28)} ${r.requestsPerJob.toFixed(2).padStart(12)} ${(r.p50 / 1000).toFixed(2).padStart(12)} ${(r.p95 / 1000).toFixed(2).padStart(12)}`;
  console.log(`${'mode'.padEnd(28)} ${'requests/job'.padStart(12)} ${'p50 delay s'.padStart(12)} ${'p95 delay s'.padStart(12)}`);
  console.log(line(fixed));
  console.log(line(ours));
  console.log(line(oursNoProgress));
  const f = (x: number) => x.toFixed(2);
  console.log(
    `polling requests_ratio=${f(ours.requestsPerJob / fixed.requestsPerJob)} p50_delay_ratio=${f(ours.p50 / fixed.p50)} p95_delay_ratio=${f(ours.p95 / fixed.p95)}`,
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
