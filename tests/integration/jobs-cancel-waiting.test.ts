/**
 * A job waiting for a submit slot has not been sent: OpenAI's synchronous calls hold the provider's slots (4) for
 * the whole generation, so a fifth job waits its turn in `queued`. Canceling it there, or pausing the queue, must
 * keep it from ever reaching the provider (it would be charged), through the whole app against the OpenAI test
 * server over loopback. So must a cancel while an Apiframe job's reference is still uploading (Apiframe test server).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/main/app';
import { call, FAST_TIMING, folderAssets, openTestApp, tempDir, waitFor, jobFinished } from '../helpers/app';
import { GOOD_IMAGES } from '../helpers/paths';
import type { ApiframeTestServer } from '../servers/apiframe/server';
import { startOpenAiTestServer, type OpenAiTestServer } from '../servers/openai/server';
import { KEY as AF_KEY, startServer } from './apiframe-helpers';

const KEY = 'sk-test-openai-0001';

describe('a job waiting for a submit slot', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let oa: OpenAiTestServer;
  let app: App;
  let folderId: string;

  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
    oa = await startOpenAiTestServer({ keys: [KEY], processingDelayMs: 1200, maxRenderEdge: 64 });
    app = await openTestApp(dir, { env: { ATELIER_OPENAI_BASE_URL: oa.baseUrl } });
    await call(app, 'settings.setKey', { provider: 'openai', key: KEY });
    // No streaming: a plain synchronous call per job.
    await call(app, 'settings.setStreamPartials', { provider: 'openai', enabled: false });
    folderId = (await call(app, 'folders.create', { name: 'Slots', parentId: null })).id;
  });
  afterEach(async () => {
    await call(app, 'settings.clearKey', { provider: 'openai' });
    await app.close();
    await oa.close();
    await cleanup();
  });

  const submit = (i: number) =>
    call(app, 'jobs.submit', { folderId, provider: 'openai', model: 'gpt-image-1.5', prompt: `a paper boat ${i}`, params: { quality: 'low' }, references: [] });
  const fiveWithOneWaiting = async () => {
    const jobs = [];
    for (let i = 0; i < 5; i++) jobs.push(await submit(i));
    await waitFor(() => (oa.state.requestsTo('generations').length >= 4 ? true : null), 'four calls under way');
    return jobs;
  };

  it('canceled while it waits: canceled at once, never sent, nothing charged', async () => {
    const jobs = await fiveWithOneWaiting();
    const last = jobs[4]!;
    expect((await call(app, 'jobs.get', { id: last.id })).state).toBe('queued');
    const c = await call(app, 'jobs.cancel', { id: last.id });
    expect(c.state).toBe('canceled');
    expect(c.charge).toBe('none');
    for (const j of jobs.slice(0, 4)) expect((await jobFinished(app, j.id)).state).toBe('completed');
    await new Promise((r) => setTimeout(r, 300));
    expect(oa.state.requestsTo('generations')).toHaveLength(4);
    const after = await call(app, 'jobs.get', { id: last.id });
    expect(after.state).toBe('canceled');
    expect(after.assetIds).toHaveLength(0);
  });

  it('the queue paused while it waits: it stays queued until resumed, then it is sent once', async () => {
    const jobs = await fiveWithOneWaiting();
    await call(app, 'queue.pause', { scope: 'openai' });
    for (const j of jobs.slice(0, 4)) expect((await jobFinished(app, j.id)).state).toBe('completed');
    await new Promise((r) => setTimeout(r, 300));
    expect(oa.state.requestsTo('generations')).toHaveLength(4);
    expect((await call(app, 'jobs.get', { id: jobs[4]!.id })).state).toBe('queued');
    await call(app, 'queue.resume', { scope: 'openai' });
    expect((await jobFinished(app, jobs[4]!.id)).state).toBe('completed');
    expect(oa.state.requestsTo('generations')).toHaveLength(5);
  });
});

describe('an Apiframe job canceled while its reference uploads', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let srv: ApiframeTestServer;
  let app: App;

  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
    srv = await startServer({ jobDurationMs: 300, queueDelayMs: 50 });
    app = await openTestApp(dir, { env: { ATELIER_APIFRAME_BASE_URL: srv.url } });
    await call(app, 'settings.setKey', { provider: 'apiframe', key: AF_KEY });
  });
  afterEach(async () => {
    await call(app, 'settings.clearKey', { provider: 'apiframe' });
    await app.close();
    await srv.close();
    await cleanup();
  });

  it('is canceled before its POST: nothing is generated or charged', async () => {
    const folderId = (await call(app, 'folders.create', { name: 'Uploads', parentId: null })).id;
    const data = await readFile(join(GOOD_IMAGES, 'astronaut.png'));
    const ref = await call(app, 'references.stage', { source: { name: 'astronaut.png', dataBase64: data.toString('base64') }, provider: 'apiframe', model: 'gpt-image-2' });
    srv.state.inject('upload', { kind: 'slow', delayMs: 1_000 }, { times: 1 });
    const job = await call(app, 'jobs.submit', {
      folderId,
      provider: 'apiframe',
      model: 'gpt-image-2',
      prompt: 'an astronaut on a red dune',
      params: { quality: 'low' },
      references: [{ blobId: ref.id, name: ref.name }],
    });
    await waitFor(() => (srv.state.requestsTo('upload').length > 0 ? true : null), 'the upload under way');
    const marked = await call(app, 'jobs.cancel', { id: job.id });
    expect(marked.state === 'canceled' || marked.cancelRequested).toBe(true);
    const done = await jobFinished(app, job.id);
    expect(done.state).toBe('canceled');
    expect(done.charge).toBe('none');
    await new Promise((r) => setTimeout(r, 300));
    expect(srv.state.requestsTo('generate')).toHaveLength(0);
    expect(srv.state.jobsCreated).toBe(0);
  });
});

describe('an Apiframe job canceled between submit attempts', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let srv: ApiframeTestServer;
  let app: App;
  let folderId: string;

  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
    srv = await startServer({ jobDurationMs: 300, queueDelayMs: 50 });
    // The engine's backoff after a failed submit is exactly 3 s (its jitter fixed at the top of its range).
    app = await openTestApp(dir, { env: { ATELIER_APIFRAME_BASE_URL: srv.url }, timing: { ...FAST_TIMING, retryBaseMs: 3_000, retryCapMs: 3_000, random: () => 0.999 } });
    await call(app, 'settings.setKey', { provider: 'apiframe', key: AF_KEY });
    folderId = (await call(app, 'folders.create', { name: 'Attempts', parentId: null })).id;
  });
  afterEach(async () => {
    await call(app, 'settings.clearKey', { provider: 'apiframe' });
    await app.close();
    await srv.close();
    await cleanup();
  });

  /** The client's own tries of one submit call: the first and its 2 retries (Apiframe's provider.ts). */
  const TRIES = 3;
  const submit = () =>
    call(app, 'jobs.submit', { folderId, provider: 'apiframe', model: 'gpt-image-2', prompt: 'a kite over the dunes', params: { quality: 'low' }, references: [] });

  /** Submits one job whose first submit call gets a 503 on each of its tries (after making the job where `made`),
   * and waits until the engine is in its 3 s backoff before the next call. */
  const inBackoff = async (made: boolean) => {
    srv.state.inject('generate', { kind: 'status', status: 503 }, { after: made, times: TRIES });
    const job = await submit();
    await waitFor(() => (srv.state.requestsTo('generate').length === TRIES ? true : null), 'the first call answered');
    await new Promise((r) => setTimeout(r, 200));
    expect(srv.state.jobsCreated).toBe(made ? 1 : 0);
    expect((await call(app, 'jobs.get', { id: job.id })).state).toBe('submitting');
    return job;
  };

  it('whose first POST made the job (its reply lost to a 503): follows it and keeps the paid image, sends nothing again', async () => {
    const job = await inBackoff(true);
    const marked = await call(app, 'jobs.cancel', { id: job.id });
    expect(marked.cancelRequested).toBe(true);
    const done = await jobFinished(app, job.id);
    expect(done.state).toBe('completed');
    expect(done.cancelRequested).toBe(true);
    expect(done.assetIds).toHaveLength(1);
    expect(done.remoteJobId).not.toBeNull();
    expect(done.charge).toBe('charged');
    expect((await folderAssets(app, folderId)).total).toBe(1);
    expect(srv.state.requestsTo('generate')).toHaveLength(TRIES);
    expect(srv.state.jobsCreated).toBe(1);
  });

  it('whose first POST made nothing: canceled after the provider\'s job list shows none, nothing sent again', async () => {
    const job = await inBackoff(false);
    await call(app, 'jobs.cancel', { id: job.id });
    const done = await jobFinished(app, job.id);
    expect(done.state).toBe('canceled');
    expect(done.error?.message).toMatch(/no job from an earlier attempt/);
    expect(done.assetIds).toHaveLength(0);
    expect(srv.state.requestsTo('listJobs').length).toBeGreaterThan(0);
    // Well past the Retry-After: nothing was resent.
    await new Promise((r) => setTimeout(r, 3_300));
    expect(srv.state.requestsTo('generate')).toHaveLength(TRIES);
    expect(srv.state.jobsCreated).toBe(0);
    expect((await call(app, 'jobs.get', { id: job.id })).state).toBe('canceled');
  });

  it('canceled while its call is on the wire, which then fails without making the job: never sent again', async () => {
    // Each try waits 300 ms before its 503: the cancel lands while the call is under way.
    srv.state.inject('generate', { kind: 'status', status: 503, delayMs: 300 }, { times: TRIES });
    const job = await submit();
    await waitFor(() => (srv.state.requestsTo('generate').length === 1 ? true : null), 'the first try under way');
    const marked = await call(app, 'jobs.cancel', { id: job.id });
    expect(marked.state).toBe('submitting');
    expect(marked.cancelRequested).toBe(true);
    const done = await jobFinished(app, job.id);
    expect(done.state).toBe('canceled');
    expect(done.assetIds).toHaveLength(0);
    await new Promise((r) => setTimeout(r, 3_300));
    expect(srv.state.requestsTo('generate')).toHaveLength(TRIES);
    expect(srv.state.jobsCreated).toBe(0);
  });
});
