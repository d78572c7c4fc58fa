/** Queue controls through the dispatcher with the Apiframe test server: pause, resume, cancel, retry, 429 cooldown. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { App } from '../../src/main/app';
import { call, callError, openTestApp, tempDir, waitFor } from '../helpers/app';
import { KEY, startServer } from './apiframe-helpers';
import type { ApiframeTestServer } from '../servers/apiframe/server';

describe('queue controls', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let srv: ApiframeTestServer;
  let app: App;
  let folderId: string;
  const open = () => openTestApp(dir, { env: { ATELIER_APIFRAME_BASE_URL: srv.url } });

  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
    srv = await startServer({ jobDurationMs: 500, queueDelayMs: 100 });
    app = await open();
    await call(app, 'settings.setKey', { provider: 'apiframe', key: KEY });
    folderId = (await call(app, 'folders.create', { name: 'Q', parentId: null })).id;
  });
  afterEach(async () => {
    await call(app, 'settings.clearKey', { provider: 'apiframe' });
    await app.close();
    await srv.close();
    await cleanup();
  });

  const submit = (prompt = 'a red kite over the sea') =>
    call(app, 'jobs.submit', { folderId, provider: 'apiframe', model: 'gpt-image-2', prompt, params: {}, references: [] });
  const get = (id: string) => call(app, 'jobs.get', { id });
  const until = (id: string, state: string) => waitFor(async () => ((await get(id)).state === state ? get(id) : null), `${id} ${state}`);

  it('pause holds submissions across a restart; resume sends them', async () => {
    await call(app, 'queue.pause', { scope: 'apiframe' });
    const job = await submit();
    await new Promise((r) => setTimeout(r, 300));
    expect((await get(job.id)).state).toBe('queued');
    expect(srv.state.jobsCreated).toBe(0);
    await app.close();
    app = await open();
    expect((await call(app, 'queue.state', {})).paused).toEqual(['apiframe']);
    await new Promise((r) => setTimeout(r, 200));
    expect(srv.state.jobsCreated).toBe(0);
    // Another provider is not held.
    const sb = await call(app, 'jobs.submit', { folderId, provider: 'sandbox', model: 'gpt-image-2', prompt: 'x', params: {}, references: [] });
    await until(sb.id, 'completed');
    await call(app, 'queue.resume', { scope: 'apiframe' });
    await until(job.id, 'completed');
    expect(srv.state.jobsCreated).toBe(1);
  });

  it('cancel before submit stops the job; after submit it is marked and the paid result kept', async () => {
    await call(app, 'queue.pause', { scope: 'all' });
    const held = await submit();
    const c = await call(app, 'jobs.cancel', { id: held.id });
    expect(c.state).toBe('canceled');
    await call(app, 'queue.resume', { scope: 'all' });
    const live = await submit();
    await until(live.id, 'running');
    const marked = await call(app, 'jobs.cancel', { id: live.id });
    expect(marked.cancelRequested).toBe(true);
    const done = await until(live.id, 'completed');
    expect(done.assetIds).toHaveLength(1);
    expect(srv.state.jobsCreated).toBe(1);
    const err = await callError(app, 'jobs.cancel', { id: live.id });
    expect(err.code).toBe('conflict');
  });

  it('retry resubmits a failed job with a fresh idempotency key', async () => {
    const job = await submit('please [[fail]] this');
    const failed = await until(job.id, 'failed');
    expect(failed.error?.code).toBe('provider_job_failed');
    const keys = () => srv.state.requestsTo('generate').map((r) => r.headers['idempotency-key']);
    srv.state.config.failMarker = '[[never]]';
    await call(app, 'jobs.retry', { id: job.id });
    await until(job.id, 'completed');
    expect(new Set(keys()).size).toBe(2);
    expect(srv.state.jobsCreated).toBe(2);
  });

  it('retry after a local failure resumes watching the same remote job instead of paying again', async () => {
    const job = await submit();
    await until(job.id, 'running');
    srv.state.inject('getJob', { kind: 'json', body: { nonsense: true } }, { times: 100 });
    await until(job.id, 'failed');
    srv.state.clearFaults();
    await call(app, 'jobs.retry', { id: job.id });
    await until(job.id, 'completed');
    expect(srv.state.jobsCreated).toBe(1);
  });

  it('a 429 the client cannot absorb makes the whole provider wait', async () => {
    // The client honours a short Retry-After itself (2 retries); a third 429 reaches the engine.
    srv.state.inject('generate', { kind: 'status', status: 429, retryAfterSeconds: 1 }, { times: 3 });
    const a = await submit('one');
    await waitFor(async () => (await call(app, 'queue.state', {})).cooldowns.length > 0, 'cooldown');
    const b = await submit('two');
    await Promise.all([until(a.id, 'completed'), until(b.id, 'completed')]);
    const gens = srv.state.requestsTo('generate');
    expect(gens.slice(0, 3).map((r) => r.status)).toEqual([429, 429, 429]);
    // Job two waited out the cooldown: no POST came within the second after the third 429.
    const last429 = gens[2]!.at;
    expect(gens.slice(3).every((r) => r.at >= last429 + 900)).toBe(true);
    expect(srv.state.jobsCreated).toBe(2);
  });

  it('a key removed while jobs run fails them with no_api_key; with the key back a retry resumes them for free', async () => {
    const jobs = [await submit('one'), await submit('two')];
    for (const j of jobs) await until(j.id, 'running');
    await call(app, 'settings.clearKey', { provider: 'apiframe' });
    for (const j of jobs) {
      const failed = await until(j.id, 'failed');
      expect(failed.error?.code).toBe('no_api_key');
      expect(failed.remoteJobId).not.toBeNull();
    }
    await call(app, 'settings.setKey', { provider: 'apiframe', key: KEY });
    // Resumed, not resubmitted: no confirmPaid needed, and no second job is made.
    for (const j of jobs) await call(app, 'jobs.retry', { id: j.id });
    for (const j of jobs) expect((await until(j.id, 'completed')).assetIds).toHaveLength(1);
    expect(srv.state.jobsCreated).toBe(2);
  });

  it('a cooldown is not stretched by the clock set back an hour: the job waits its second, not the hour', async () => {
    await app.close();
    let offsetMs = 0;
    app = await openTestApp(dir, { env: { ATELIER_APIFRAME_BASE_URL: srv.url }, now: () => Date.now() + offsetMs });
    srv.state.inject('generate', { kind: 'status', status: 429, retryAfterSeconds: 1 }, { times: 3 });
    const a = await submit('one');
    await waitFor(async () => (await call(app, 'queue.state', {})).cooldowns.length > 0, 'cooldown');
    offsetMs = -3_600_000;
    const done = await waitFor(async () => ((await get(a.id)).state === 'completed' ? get(a.id) : null), `${a.id} completed`, 10_000);
    expect(done.assetIds).toHaveLength(1);
    expect(srv.state.jobsCreated).toBe(1);
  });

  it('a resume while jobs wait for a submit slot leaves them waiting: no 50 ms retry timers spin meanwhile', async () => {
    // Four submits at a time (the gate); each POST takes 600 ms, so four of eight jobs wait their turn.
    srv.state.inject('generate', { kind: 'slow', delayMs: 600 }, { times: 8 });
    const jobs = await Promise.all(Array.from({ length: 8 }, (_, i) => submit(`a red kite over the sea, ${i}`)));
    await waitFor(() => srv.state.requestsTo('generate').length >= 4, 'four submits on the wire');
    const spy = vi.spyOn(globalThis, 'setTimeout');
    try {
      // Resume schedules every active job, those waiting in the gate too.
      await call(app, 'queue.pause', { scope: 'evolink' });
      await call(app, 'queue.resume', { scope: 'evolink' });
      await new Promise((r) => setTimeout(r, 400));
      const retries = spy.mock.calls.filter(([, ms]) => ms === 50).length;
      expect(retries).toBeLessThanOrEqual(2);
    } finally {
      spy.mockRestore();
    }
    for (const j of jobs) await until(j.id, 'completed');
    expect(srv.state.jobsCreated).toBe(8);
  });
});
