/**
 * Polling that learns, end to end: completed jobs record their durations in the library (a real SQLite file), and a
 * library opened again plans its polls from them — per provider, model and quality — against the Apiframe test
 * server over loopback, with no progress reported (as some upstreams do).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/main/app';
import { DEFAULT_LEARNED_POLICY, DurationDistribution, planPollTimes } from '../../src/main/services/jobs/polling';
import type { ApiframeTestServer } from '../servers/apiframe/server';
import { call, FAST_TIMING, openTestApp, tempDir, waitFor } from '../helpers/app';
import { KEY, startServer } from './apiframe-helpers';

const JOB_MS = 600;
const TYPICAL_MS = 6000;
const TIMING = {
  ...FAST_TIMING,
  typicalMs: TYPICAL_MS,
  policy: { ...FAST_TIMING.policy, maxGapMs: 3000 },
  learned: { ...DEFAULT_LEARNED_POLICY, hotGapMs: 180 },
};

describe('polling learns from the library', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let srv: ApiframeTestServer;
  let app: App;
  let folderId: string;

  const open = () => openTestApp(dir, { env: { ATELIER_APIFRAME_BASE_URL: srv.url }, timing: TIMING });

  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
    srv = await startServer({ jobDurationMs: JOB_MS, queueDelayMs: 50, progressReporting: 'none' });
    app = await open();
    await call(app, 'settings.setKey', { provider: 'apiframe', key: KEY });
    folderId = (await call(app, 'folders.create', { name: 'Learned', parentId: null })).id;
  });
  afterEach(async () => {
    await call(app, 'settings.clearKey', { provider: 'apiframe' });
    await app.close();
    await srv.close();
    await cleanup();
  });

  /** Submits a job and waits for it to complete; returns when the server first and last polled it, after its creation. */
  const run = async (quality: string) => {
    const job = await call(app, 'jobs.submit', {
      folderId,
      provider: 'apiframe',
      model: 'gpt-image-2',
      prompt: `a lighthouse at dusk, ${quality}`,
      params: { quality },
      references: [],
    });
    const done = await waitFor(async () => {
      const j = await call(app, 'jobs.get', { id: job.id });
      return j.state === 'completed' ? j : null;
    }, `job ${job.id} to complete`);
    const remote = srv.state.jobs.get(done.remoteJobId!)!;
    const polls = srv.state
      .requestsTo('getJob')
      .filter((r) => r.url.includes(remote.id))
      .map((r) => r.at - remote.createdAt);
    return { id: job.id, first: Math.min(...polls), noticed: polls.find((t) => t >= JOB_MS)! - JOB_MS };
  };

  it('records completed jobs’ durations and plans from them after the library is opened again', async () => {
    const prior = planPollTimes(DurationDistribution.learned([], TYPICAL_MS, TIMING.learned), 0, TIMING.policy, TIMING.learned);
    // With nothing learned the prior (the typical 6 s) says a 0.6 s job is unlikely: the first poll comes late.
    const cold = await run('medium');
    expect(cold.first).toBeGreaterThan(prior[0]! - 150);
    expect(prior[0]!).toBeGreaterThan(1200);
    const ids = [cold.id, ...(await Promise.all([0, 1, 2].map(() => run('medium')))).map((r) => r.id)];

    const rows = app.services.db
      .prepare('SELECT provider, model, quality, duration_ms AS ms, source, job_id AS jobId FROM job_durations ORDER BY id')
      .all() as { provider: string; model: string; quality: string; ms: number; source: string; jobId: string }[];
    expect(rows).toHaveLength(4);
    expect(rows.map((r) => r.jobId).sort()).toEqual([...ids].sort());
    for (const r of rows) {
      // Apiframe's completedAt − createdAt: the run time by the provider's clock.
      expect(r).toMatchObject({ provider: 'apiframe', model: 'gpt-image-2', quality: 'medium', ms: JOB_MS, source: 'provider' });
    }

    await app.close();
    app = await open();
    // The reopened library knows medium jobs take 0.6 s: the first poll comes about then, and the job is noticed
    // within the hot gap of finishing, where the prior alone waited over a second longer.
    const warm = await run('medium');
    const learned = planPollTimes(DurationDistribution.learned(rows.map((r) => r.ms), TYPICAL_MS, TIMING.learned), 0, TIMING.policy, TIMING.learned);
    expect(learned[0]!).toBeLessThan(JOB_MS + 180);
    expect(warm.first).toBeLessThan(prior[0]! - 400);
    expect(warm.noticed).toBeLessThan(180 + 150);
    // What was learned for medium quality says nothing about high: that one starts from the prior again.
    const other = await run('high');
    expect(other.first).toBeGreaterThan(prior[0]! - 150);
    const n = app.services.db.prepare("SELECT count(*) AS n FROM job_durations WHERE quality = 'high'").get() as { n: number };
    expect(n.n).toBe(1);
  });
});
