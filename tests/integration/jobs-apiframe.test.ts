/**
 * The whole job path — dispatcher, journal, engine, Apiframe adapter — against the Apiframe test server over
 * loopback, with a real library folder: uploads before submit, one creation per job across crashes, and every
 * failure shown on the job with what the user needs to act on.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import type { App } from '../../src/main/app';
import type { JobView } from '../../src/shared/domain';
import { GOOD_IMAGES } from '../helpers/paths';
import { call, callError, folderAssets, openTestApp, tempDir, waitFor, jobFinished } from '../helpers/app';
import { KEY, POOR_KEY, startServer } from './apiframe-helpers';
import type { ApiframeTestServer } from '../servers/apiframe/server';

const PROMPT = 'Edit this portrait to add a winter coat and scarf, keeping the face and background unchanged';

describe('Apiframe jobs through the engine', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let srv: ApiframeTestServer;
  let app: App;
  let folderId: string;

  const open = () => openTestApp(dir, { env: { ATELIER_APIFRAME_BASE_URL: srv.url, ATELIER_SANDBOX_JOB_MS: '300' } });

  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
    srv = await startServer({ jobDurationMs: 600, queueDelayMs: 100 });
    app = await open();
    await call(app, 'settings.setKey', { provider: 'apiframe', key: KEY });
    folderId = (await call(app, 'folders.create', { name: 'Campaign', parentId: null })).id;
  });
  afterEach(async () => {
    await call(app, 'settings.clearKey', { provider: 'apiframe' });
    await app.close();
    await srv.close();
    await cleanup();
  });

  const finished = (id: string) => jobFinished(app, id);

  const submit = async (extra: Partial<{ prompt: string; params: Record<string, unknown>; references: { blobId: string; name: string }[] }> = {}) =>
    call(app, 'jobs.submit', {
      folderId,
      provider: 'apiframe',
      model: 'gpt-image-2',
      prompt: extra.prompt ?? PROMPT,
      params: extra.params ?? { quality: 'medium' },
      references: extra.references ?? [],
    });

  it('uploads the reference, submits with input_images, stores the result with its credits', async () => {
    const data = await readFile(join(GOOD_IMAGES, 'astronaut.png'));
    const ref = await call(app, 'references.stage', {
      source: { name: 'astronaut.png', dataBase64: data.toString('base64') },
      provider: 'apiframe',
      model: 'gpt-image-2',
    });
    const job = await submit({ references: [{ blobId: ref.id, name: ref.name }], params: { quality: 'medium', aspect_ratio: '2:3', output_format: 'png' } });
    const done = await finished(job.id);
    expect(done.state).toBe('completed');
    expect(done.credits).toBe(9); // medium gpt-image-2, as the server charges
    expect(done.remoteJobId).toMatch(/^[0-9a-f-]{36}$/);
    expect(srv.state.jobsCreated).toBe(1);
    expect(srv.state.uploadsCreated).toBe(1);
    const gen = srv.state.requestsTo('generate')[0]!;
    const body = gen.body as { gptImage2Params: { input_images: string[] } };
    expect(body.gptImage2Params.input_images).toHaveLength(1);
    expect(gen.headers['idempotency-key']).toBeTruthy();
    const detail = await call(app, 'assets.get', { id: done.assetIds[0]! });
    expect(detail.recipe).toMatchObject({ provider: 'apiframe', credits: 9, remoteJobId: done.remoteJobId });
    const file = await app.dispatcher.mediaFile(detail.blob.id, 'original');
    const meta = await sharp(file!.path).metadata();
    expect(meta.format).toBe('png');
    expect(meta.height! > meta.width!).toBe(true); // 2:3
  });

  it('a crash after the POST reached Apiframe resubmits with the same key: one job, not two', async () => {
    // The engine journals 'submitting' before it POSTs. Simulate the crash window: the POST reached the server
    // (same idempotency key), but the app died before it stored the remote id.
    const job = await submit();
    await waitFor(() => srv.state.jobsCreated === 1, 'the first POST');
    await app.close();
    // Reopen with the engine stopped at once, and rewind the row to the crash point.
    const app2 = await open();
    app2.services.db.prepare("UPDATE jobs SET state = 'submitting', remote_id = NULL WHERE id = ?").run(job.id);
    await app2.close();
    app = await open();
    const done = await finished(job.id);
    expect(done.state).toBe('completed');
    expect(srv.state.requestsTo('generate').length).toBeGreaterThanOrEqual(2);
    expect(srv.state.jobsCreated).toBe(1);
    expect(done.assetIds).toHaveLength(1);
  });

  it('resumes polling after a restart and downloads once', async () => {
    const job = await submit({ params: { number_of_images: 2 } });
    await waitFor(async () => (await call(app, 'jobs.get', { id: job.id })).state === 'running', 'running');
    await app.close();
    app = await open();
    const done = await finished(job.id);
    expect(done.state).toBe('completed');
    expect(done.assetIds).toHaveLength(2);
    expect(srv.state.jobsCreated).toBe(1);
    expect((await folderAssets(app, folderId)).total).toBe(2);
  });

  it('accepts the result as a plain URL string too', async () => {
    srv.state.config.resultShape = 'string';
    const done = await finished((await submit()).id);
    expect(done.state).toBe('completed');
    expect(done.assetIds).toHaveLength(1);
  });

  it('shows the provider reason when Apiframe fails the job', async () => {
    const done = await finished((await submit({ prompt: 'please [[fail]] this' })).id);
    expect(done.state).toBe('failed');
    expect(done.error?.code).toBe('provider_job_failed');
    expect(done.error?.providerMessage).toMatch(/content policy/);
  });

  it('a wrong key fails the job with 401 and is not retried; Settings shows the same', async () => {
    await call(app, 'settings.setKey', { provider: 'apiframe', key: 'afk_wrong_key_9999' });
    const done = await finished((await submit()).id);
    expect(done.state).toBe('failed');
    expect(done.error).toMatchObject({ code: 'provider_auth', status: 401 });
    expect(srv.state.requestsTo('generate')).toHaveLength(1);
    const err = await callError(app, 'settings.account', { provider: 'apiframe' });
    expect(err.code).toBe('provider_auth');
  });

  it('402 shows credits required and available', async () => {
    await call(app, 'settings.setKey', { provider: 'apiframe', key: POOR_KEY });
    const done = await finished((await submit({ params: { quality: 'high' } })).id);
    expect(done.state).toBe('failed');
    expect(done.error).toMatchObject({ code: 'insufficient_credits', params: { required: 23, available: 3 } });
  });

  it('waits out a 429 with Retry-After and still submits once', async () => {
    srv.state.inject('generate', { kind: 'status', status: 429, retryAfterSeconds: 1 }, { times: 1 });
    const done = await finished((await submit()).id);
    expect(done.state).toBe('completed');
    expect(srv.state.jobsCreated).toBe(1);
  });

  it('rides out 503s and dropped connections while polling', async () => {
    const job = await submit();
    await waitFor(async () => (await call(app, 'jobs.get', { id: job.id })).state === 'running', 'running');
    srv.state.inject('getJob', { kind: 'status', status: 503 }, { times: 2 });
    srv.state.inject('getJob', { kind: 'drop' }, { times: 1 });
    const done = await finished(job.id);
    expect(done.state).toBe('completed');
  });

  it('a malformed reply fails that job with a clear message and nothing else', async () => {
    const job = await submit();
    await waitFor(async () => (await call(app, 'jobs.get', { id: job.id })).state === 'running', 'running');
    srv.state.inject('getJob', { kind: 'json', body: { id: 'x', status: 'WHATEVER' } }, { times: 50 });
    const done = await finished(job.id);
    expect(done.state).toBe('failed');
    expect(done.error?.code).toBe('provider_bad_response');
    srv.state.clearFaults();
    const other = await finished((await submit()).id);
    expect(other.state).toBe('completed');
  });

  it('marks a job expired when results were purged before we fetched them', async () => {
    srv.state.config.retentionMs = 0;
    srv.state.inject('cdn', { kind: 'status', status: 404 }, { times: 100 });
    const done = await finished((await submit()).id);
    expect(['expired', 'failed']).toContain(done.state);
    expect(done.error?.code).toBe('result_expired');
  });

  it('reads the balance for Settings', async () => {
    const acct = await call(app, 'settings.account', { provider: 'apiframe' });
    expect(acct.credits).toBe(1000);
  });

  it('keeps working jobs independent: several at once', async () => {
    const jobs = await Promise.all([submit(), submit({ params: { quality: 'low' } }), submit({ params: { quality: 'high' } })]);
    const done: JobView[] = await Promise.all(jobs.map((j) => finished(j.id)));
    expect(done.map((d) => d.state)).toEqual(['completed', 'completed', 'completed']);
    expect(srv.state.jobsCreated).toBe(3);
  });
});
