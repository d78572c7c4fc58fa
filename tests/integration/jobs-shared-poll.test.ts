/**
 * Shared polls (issue 13, polling): while several Apiframe jobs run, one `GET /v2/jobs` reads them all instead of
 * one `GET /v2/jobs/{id}` each — through the real dispatcher, journal, engine and Apiframe adapter against the
 * Apiframe test server over loopback. Twelve jobs of different lengths, with no progress reported, all complete
 * with their images and charges; the requests made are a fraction of what the per-job loop makes for the same jobs
 * (run on the same durations in fixed mode), and no job waits longer than the shared cadence after it finished.
 * When the list fails, the jobs are polled one by one and still complete; a lone job is polled on its own.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/main/app';
import type { JobView } from '../../src/shared/domain';
import { call, FAST_TIMING, openTestApp, tempDir, jobFinished } from '../helpers/app';
import type { ApiframeTestServer } from '../servers/apiframe/server';
import { KEY, startServer } from './apiframe-helpers';

/** Job lengths, ms, by the `#n` at the end of the prompt. */
const LENGTHS = [400, 650, 900, 1200, 500, 1500, 800, 1100, 700, 1300, 600, 1000];
const SHARED_MS = 150;

describe('shared polls of Apiframe jobs', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let srv: ApiframeTestServer;
  let apps: App[] = [];

  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir('atelier-shared-poll-'));
    srv = await startServer({
      queueDelayMs: 50,
      progressReporting: 'none',
      durationFor: (body) => LENGTHS[Number(/#(\d+)$/.exec(String(body['prompt']))?.[1] ?? 0)] ?? 500,
    });
  });
  afterEach(async () => {
    for (const a of apps) await a.close();
    apps = [];
    await srv.close();
    await cleanup();
  });

  const open = async (name: string, pollMode: 'adaptive' | 'fixed', now?: () => number): Promise<{ app: App; folderId: string }> => {
    const app = await openTestApp(`${dir}/${name}`, {
      env: { ATELIER_APIFRAME_BASE_URL: srv.url },
      timing: { ...FAST_TIMING, pollMode, fixedPollMs: 200, sharedPollMs: SHARED_MS },
      ...(now ? { now } : {}),
    });
    apps.push(app);
    await call(app, 'settings.setKey', { provider: 'apiframe', key: KEY });
    const folderId = (await call(app, 'folders.create', { name: 'Batch', parentId: null })).id;
    return { app, folderId };
  };
  const submitAll = async (app: App, folderId: string, n: number): Promise<JobView[]> => {
    const jobs: JobView[] = [];
    for (let i = 0; i < n; i++) {
      jobs.push(await call(app, 'jobs.submit', { folderId, provider: 'apiframe', model: 'gpt-image-2', prompt: `a product shot #${i}`, params: { quality: 'low' }, references: [] }));
    }
    return jobs;
  };
  const allDone = (app: App, jobs: JobView[]): Promise<JobView[]> => Promise.all(jobs.map((j) => jobFinished(app, j.id, 30_000)));
  const pollRequests = (): number => srv.state.requestsTo('getJob').length + srv.state.requestsTo('listJobs').length;

  it('reads twelve running jobs with one list request at a time: all complete, for a fraction of the per-job loop’s requests', async () => {
    // The per-job loop on the same durations, for comparison.
    const fixed = await open('fixed', 'fixed');
    const fixedJobs = await submitAll(fixed.app, fixed.folderId, LENGTHS.length);
    expect((await allDone(fixed.app, fixedJobs)).map((j) => j.state)).toEqual(LENGTHS.map(() => 'completed'));
    const fixedRequests = pollRequests();
    expect(srv.state.requestsTo('listJobs')).toHaveLength(0);
    srv.state.resetLog();
    const sharedFrom = Date.now();

    const shared = await open('shared', 'adaptive');
    const jobs = await submitAll(shared.app, shared.folderId, LENGTHS.length);
    const done = await allDone(shared.app, jobs);
    expect(done.map((j) => j.state)).toEqual(LENGTHS.map(() => 'completed'));
    for (const j of done) {
      expect(j.assetIds).toHaveLength(1);
      expect(j.credits).toBeGreaterThan(0);
    }
    const requests = pollRequests();
    expect(srv.state.requestsTo('listJobs').length).toBeGreaterThan(0);
    console.log(`shared polls: ${requests} poll requests for ${LENGTHS.length} jobs (per-job loop: ${fixedRequests})`);
    expect(requests, `shared ${requests} vs per-job ${fixedRequests}`).toBeLessThanOrEqual(fixedRequests * 0.5);

    // Each job was seen done no later than one shared cadence (plus scheduling slack) after it finished.
    const lists = srv.state.requestsTo('listJobs').map((q) => q.at);
    const gets = srv.state.requestsTo('getJob');
    for (const j of [...srv.state.jobs.values()].filter((x) => x.createdAt >= sharedFrom)) {
      const finishedAt = j.createdAt + j.durationMs;
      const seen = [...lists, ...gets.filter((q) => q.url.includes(j.id)).map((q) => q.at)].filter((at) => at >= finishedAt);
      expect(Math.min(...seen) - finishedAt, `job ${j.id}`).toBeLessThanOrEqual(SHARED_MS + 250);
    }
  });

  it('falls back to one poll per job when the list fails, and still completes every job', async () => {
    srv.state.inject('listJobs', { kind: 'status', status: 500 }, { times: 1000 });
    const { app, folderId } = await open('fallback', 'adaptive');
    const jobs = await submitAll(app, folderId, 4);
    const done = await allDone(app, jobs);
    expect(done.map((j) => j.state)).toEqual(['completed', 'completed', 'completed', 'completed']);
    expect(srv.state.requestsTo('listJobs').length).toBeGreaterThan(0);
    expect(srv.state.requestsTo('getJob').length).toBeGreaterThan(0);
  });

  it('keeps reading when the clock is set back an hour after a shared read (its jobs are not held until the clock catches up)', async () => {
    let offsetMs = 0;
    const { app, folderId } = await open('clock', 'adaptive', () => Date.now() + offsetMs);
    const jobs: JobView[] = [];
    // The three longest: 1500, 1300 and 1200 ms.
    for (const n of [5, 9, 3]) {
      jobs.push(await call(app, 'jobs.submit', { folderId, provider: 'apiframe', model: 'gpt-image-2', prompt: `a clock tower #${n}`, params: { quality: 'low' }, references: [] }));
    }
    const listed = async (): Promise<void> => {
      const end = Date.now() + 10_000;
      while (srv.state.requestsTo('listJobs').length === 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
    };
    await listed();
    expect(srv.state.requestsTo('listJobs').length).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 40)); // that read over (it takes a few ms on loopback), the next not yet due
    offsetMs = -3_600_000;
    const done = await Promise.all(jobs.map((j) => jobFinished(app, j.id, 10_000)));
    expect(done.map((j) => j.state)).toEqual(['completed', 'completed', 'completed']);
    for (const j of done) expect(j.assetIds).toHaveLength(1);
  });

  it('polls a lone job on its own (no list request)', async () => {
    const { app, folderId } = await open('lone', 'adaptive');
    const [job] = await submitAll(app, folderId, 1);
    const [done] = await allDone(app, [job!]);
    expect(done!.state).toBe('completed');
    expect(srv.state.requestsTo('listJobs')).toHaveLength(0);
    expect(srv.state.requestsTo('getJob').length).toBeGreaterThan(0);
  });
});
