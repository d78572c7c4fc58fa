/**
 * EvolinkClient against the EvoLink test server over real loopback HTTP: exact bodies and headers, replies in both
 * output shapes, the Files API (envelope checked even on HTTP 200), every HTTP error mapping, the retry policy
 * (createTask never repeated except after a 429; GETs and uploads retried), bad bodies and result expiry.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  EVOLINK_FILES_MAX_BYTES,
  buildEvolinkCreateBody,
  evolinkTaskOutputUrls,
  parseRetryAfter,
  validateEvolinkCreateBody,
  type EvolinkCreateTaskBody,
} from '../../src/main/services/providers/evolink/client';
import type { EvolinkTestServer } from '../servers/evolink/server';
import { FEW_FILES_KEY, KEY, NO_ACCESS_KEY, OTHER_KEY, POOR_KEY, appErrorOf, fastClient, raw, solidImage, startServer } from './evolink-helpers';

let srv: EvolinkTestServer;

beforeAll(async () => {
  srv = await startServer();
});
afterAll(async () => {
  await srv.close();
});
afterEach(() => {
  // Every reply the server built itself matched its copy of the documented shapes.
  expect(srv.state.responseViolations).toEqual([]);
  srv.state.resetLog();
  srv.state.config.resultShape = 'results';
});

const body = (prompt = 'a lighthouse at dusk', params: Record<string, unknown> = { quality: 'low' }, imageUrls?: string[]): EvolinkCreateTaskBody =>
  buildEvolinkCreateBody({ prompt, params, ...(imageUrls ? { imageUrls } : {}) });

describe('create and query', () => {
  it('ratio size: exact documented body (resolution included), Bearer auth, JSON, task runs pending → processing → completed', async () => {
    const { client } = fastClient(srv);
    const created = await client.createTask(body('a lighthouse', { size: '16:9', resolution: '2K', quality: 'high', n: 2 }));
    expect(created.status).toBe('pending');
    expect(created.task_info?.estimated_time).toBe(1);
    expect(created.usage?.credits_reserved).toBeGreaterThan(0);

    const [req] = srv.state.requestsTo('create');
    expect(req?.headers['authorization']).toBe(`Bearer ${KEY}`);
    expect(req?.headers['content-type']).toMatch(/^application\/json/);
    expect(req?.body).toEqual({ model: 'gpt-image-2', prompt: 'a lighthouse', size: '16:9', resolution: '2K', quality: 'high', n: 2 });

    srv.state.advance(500);
    const running = await client.getTask(created.id);
    expect(running.status).toBe('processing');
    expect(running.progress).toBeGreaterThan(0);
    expect(running.progress).toBeLessThan(100);
    srv.state.advance(600);
    const done = await client.getTask(created.id);
    expect(done.status).toBe('completed');
    expect(done.results).toHaveLength(2);
    expect(evolinkTaskOutputUrls(done)).toEqual([
      `${srv.url}/cdn/results/${created.id}-1.png`,
      `${srv.url}/cdn/results/${created.id}-2.png`,
    ]);
    expect(done.usage).toEqual({ billing_rule: 'per_token', credits_reserved: created.usage?.credits_reserved, user_group: 'default' });
  });

  it('WxH and auto sizes: resolution is not sent; defaults quality medium, n 1 are sent explicitly', async () => {
    const { client } = fastClient(srv);
    await client.createTask(body('wxh', { size: '1024x1536', resolution: '4K' }));
    await client.createTask(body('auto', {}));
    const [a, b] = srv.state.requestsTo('create').map((r) => r.body);
    expect(a).toEqual({ model: 'gpt-image-2', prompt: 'wxh', size: '1024x1536', quality: 'medium', n: 1 });
    expect(b).toEqual({ model: 'gpt-image-2', prompt: 'auto', size: 'auto', quality: 'medium', n: 1 });
  });

  it('outputs are read from results, from result_data[].image_url, or from either when both are present', async () => {
    const { client } = fastClient(srv);
    const { id } = await client.createTask(body('shapes', { n: 2 }));
    srv.state.advance(1000);
    const urls = [`${srv.url}/cdn/results/${id}-1.png`, `${srv.url}/cdn/results/${id}-2.png`];
    for (const shape of ['results', 'result_data', 'both'] as const) {
      srv.state.config.resultShape = shape;
      const t = await client.getTask(id);
      expect('results' in t, shape).toBe(shape !== 'result_data');
      expect(evolinkTaskOutputUrls(t), shape).toEqual(urls);
    }
  });

  it('upload then image_urls: multipart part "file" with our file name, file_url used verbatim, reference reaches the task', async () => {
    const { client } = fastClient(srv);
    const png = await solidImage({ r: 255, g: 0, b: 0 });
    const file = await client.uploadFile(png, 'atelier-test-1.png', 'image/png');
    expect(file).toMatchObject({ file_name: 'atelier-test-1.png', mime_type: 'image/png', file_size: png.length });
    expect(file.file_url.startsWith(`${srv.url}/cdn/files/`)).toBe(true);
    expect(Date.parse(String(file.expires_at)) - Date.now()).toBeGreaterThan(71 * 3600_000);
    const up = srv.state.requestsTo('upload')[0];
    expect(up?.headers['authorization']).toBe(`Bearer ${KEY}`);
    expect(up?.body).toMatchObject({ fileName: 'atelier-test-1.png', declaredType: 'image/png', byteSize: png.length, fields: {} });

    const task = await client.createTask(body('use it', {}, [file.file_url]));
    expect((srv.state.requestsTo('create')[0]?.body as { image_urls: string[] }).image_urls).toEqual([file.file_url]);
    expect(srv.state.tasks.get(task.id)?.referenceBytes?.equals(Buffer.from(png))).toBe(true);
  });

  it('getFilesQuota reads used/max/remain', async () => {
    const { client } = fastClient(srv, { apiKey: FEW_FILES_KEY });
    expect(await client.getFilesQuota()).toEqual({ user_group: 'default', used_files: 0, max_files: 2, remain_files: 2 });
    await client.uploadFile(await solidImage({ r: 0, g: 0, b: 255 }), 'q-1.png', 'image/png');
    expect((await client.getFilesQuota()).remain_files).toBe(1);
  });
});

describe('refused before anything is sent', () => {
  it('prompt over 32,000 code points → prompt_too_long; 32,000 astral code points (64,000 UTF-16 units) go through', async () => {
    const { client } = fastClient(srv);
    const err = await appErrorOf(() => client.createTask({ model: 'gpt-image-2', prompt: 'a'.repeat(32_001) }));
    expect(err).toMatchObject({ code: 'prompt_too_long', params: { length: 32_001, max: 32_000 } });
    expect(srv.state.requests).toHaveLength(0);
    const fox = '🦊'.repeat(32_000);
    const ok = await client.createTask({ model: 'gpt-image-2', prompt: fox, quality: 'low' });
    expect(ok.status).toBe('pending');
  });

  it('undocumented fields (callback_url included), resolution without a ratio, 17 image_urls, a broken size → validation', async () => {
    const { client } = fastClient(srv);
    const url = `${srv.url}/cdn/files/x.png`;
    const bad: Array<[unknown, string, string | RegExp]> = [
      [{ model: 'gpt-image-2', prompt: 'x', background: 'opaque' }, '', /background/],
      [{ model: 'gpt-image-2', prompt: 'x', callback_url: 'https://example.com/cb' }, '', /callback_url/],
      [{ model: 'gpt-image-2', prompt: 'x', size: '1024x1024', resolution: '2K' }, 'resolution', /ratio/],
      [{ model: 'gpt-image-2', prompt: 'x', resolution: '2K' }, 'resolution', /ratio/],
      [{ model: 'gpt-image-2', prompt: 'x', image_urls: Array(17).fill(url) }, 'image_urls', /17|16/],
      [{ model: 'gpt-image-2', prompt: 'x', size: '1000x1000' }, 'size', 'not_multiple_of_16'],
      [{ model: 'gpt-image-2', prompt: 'x', quality: 'auto' }, 'quality', /./],
      [{ model: 'gpt-image-1', prompt: 'x' }, 'model', /./],
      [{ model: 'gpt-image-2', prompt: '' }, 'prompt', /./],
    ];
    for (const [b, field, reason] of bad) {
      const err = await appErrorOf(() => client.createTask(b as EvolinkCreateTaskBody));
      expect(err.code, JSON.stringify(b).slice(0, 80)).toBe('validation');
      expect(err.params?.['field']).toBe(field);
      if (typeof reason === 'string') expect(err.params?.['reason']).toBe(reason);
      else expect(`${String(err.params?.['reason'])} ${err.message}`).toMatch(reason);
    }
    expect(srv.state.requests).toHaveLength(0);
  });

  it('validateEvolinkCreateBody accepts what buildEvolinkCreateBody makes', () => {
    const b = body('x', { size: '21:9', resolution: '4K', quality: 'low', n: 10 }, ['https://example.com/a.png']);
    expect(validateEvolinkCreateBody(b)).toEqual(b);
  });
});

describe('HTTP error mapping', () => {
  it('401 → provider_auth (numeric envelope code); the key never appears in the error', async () => {
    const secret = 'sk-evo-wrong-secret-value-123';
    const { client } = fastClient(srv, { apiKey: secret });
    const err = await appErrorOf(() => client.getTask('task-unified-1757156493-imcg5zqt'));
    expect(err).toMatchObject({ code: 'provider_auth', status: 401, providerMessage: 'Invalid API key', retryable: false });
    expect(err.params).toEqual({ providerCode: 401 });
    expect(JSON.stringify({ m: err.message, s: err.toShape(), c: String(err.cause) })).not.toContain(secret);
  });

  it('401 from the Files host (Files envelope) → provider_auth', async () => {
    const { client } = fastClient(srv, { apiKey: 'sk-evo-nobody' });
    const err = await appErrorOf(() => client.getFilesQuota());
    expect(err).toMatchObject({ code: 'provider_auth', status: 401, providerMessage: 'Invalid API key' });
  });

  it('402 → insufficient_credits (no numbers from EvoLink); nothing created', async () => {
    const { client } = fastClient(srv, { apiKey: POOR_KEY });
    const before = srv.state.tasksCreated;
    const err = await appErrorOf(() => client.createTask(body('pricey', { quality: 'high', size: '1:1', resolution: '4K' })));
    expect(err).toMatchObject({ code: 'insufficient_credits', status: 402, retryable: false });
    expect(err.providerMessage).toMatch(/Insufficient balance/);
    expect(err.message).toMatch(/suggestion: Top up/);
    expect(err.params).toEqual({ providerCode: 'insufficient_quota', required: null, available: null });
    expect(srv.state.tasksCreated).toBe(before);
    expect(srv.state.credits(POOR_KEY)).toBe(1);
  });

  it('403 → provider_forbidden for a key without access to the model, with EvoLink’s suggestion', async () => {
    const { client } = fastClient(srv, { apiKey: NO_ACCESS_KEY });
    const err = await appErrorOf(() => client.createTask(body()));
    expect(err).toMatchObject({ code: 'provider_forbidden', status: 403, params: { providerCode: 'model_access_denied' } });
    expect(err.providerMessage).toMatch(/no access to model 'gpt-image-2'/);
    expect(err.message).toMatch(/suggestion: Enable the model/);
  });

  it('404 → provider_not_found for an unknown task and for another key’s task', async () => {
    const { client } = fastClient(srv);
    expect(await appErrorOf(() => client.getTask('task-unified-1757156493-zzzzzzzz'))).toMatchObject({ code: 'provider_not_found', status: 404 });
    const { client: other } = fastClient(srv, { apiKey: OTHER_KEY });
    const { id } = await other.createTask(body('not yours'));
    expect(await appErrorOf(() => client.getTask(id))).toMatchObject({ code: 'provider_not_found', status: 404 });
    expect((await other.getTask(id)).id).toBe(id);
  });

  it('400 invalid_task_id (the docs’ envelope without type) → provider_rejected, not retried', async () => {
    const { client, retries } = fastClient(srv);
    const err = await appErrorOf(() => client.getTask('12345'));
    expect(err).toMatchObject({ code: 'provider_rejected', status: 400, params: { providerCode: 'invalid_task_id' } });
    expect(err.providerMessage).toMatch(/^Invalid task ID format, must start with/);
    expect(retries).toHaveLength(0);
  });

  it('400 from the server’s own checks names the parameter in details (image_urls pointing at a missing file)', async () => {
    const { client } = fastClient(srv);
    const err = await appErrorOf(() => client.createTask(body('ghost', {}, [`${srv.url}/cdn/files/file_000000000000000000000000.png`])));
    expect(err).toMatchObject({ code: 'provider_rejected', status: 400, params: { providerCode: 'invalid_parameter' } });
    expect(Object.keys(err.details ?? {})).toEqual(['image_urls[0]']);
    expect(err.providerMessage).toMatch(/could not be downloaded/);
    expect(srv.state.requestsTo('create')).toHaveLength(1);
  });

  it('413 → provider_rejected with reason too_large', async () => {
    const { client } = fastClient(srv);
    srv.state.inject('create', { kind: 'status', status: 413, body: { error: { code: 'request_too_large', message: 'Payload too large', type: 'invalid_request_error' } } });
    expect(await appErrorOf(() => client.createTask(body()))).toMatchObject({
      code: 'provider_rejected',
      status: 413,
      providerMessage: 'Payload too large',
      params: { providerCode: 'request_too_large', reason: 'too_large' },
    });
  });

  it('5xx → provider_unavailable (retryable); 501 is not retryable; a 502 HTML page needs no JSON', async () => {
    const { client } = fastClient(srv, { maxRetries: 0 });
    srv.state.inject('getTask', { kind: 'status', status: 503 });
    expect(await appErrorOf(() => client.getTask('task-unified-1757156493-imcg5zqt'))).toMatchObject({
      code: 'provider_unavailable',
      status: 503,
      retryable: true,
      providerMessage: 'Service temporarily unavailable',
    });
    srv.state.inject('getTask', { kind: 'status', status: 501 });
    expect(await appErrorOf(() => client.getTask('task-unified-1757156493-imcg5zqt'))).toMatchObject({ code: 'provider_unavailable', status: 501, retryable: false });
    srv.state.inject('getTask', { kind: 'html', status: 502 });
    const html = await appErrorOf(() => client.getTask('task-unified-1757156493-imcg5zqt'));
    expect(html).toMatchObject({ code: 'provider_unavailable', status: 502 });
    expect(html.providerMessage).toBeUndefined();
  });
});

describe('bad 2xx bodies', () => {
  it('an HTML page with 200 → provider_bad_response, not retried', async () => {
    const { client, retries } = fastClient(srv);
    srv.state.inject('getTask', { kind: 'html' });
    const err = await appErrorOf(() => client.getTask('task-unified-1757156493-imcg5zqt'));
    expect(err).toMatchObject({ code: 'provider_bad_response', status: 200, retryable: false });
    expect(err.message).toMatch(/not JSON \(text\/html/);
    expect(retries).toHaveLength(0);
    expect(srv.state.requestsTo('getTask')).toHaveLength(1);
  });

  it('malformed JSON → provider_bad_response, on create too (one POST)', async () => {
    const { client } = fastClient(srv);
    srv.state.inject('create', { kind: 'malformed' });
    expect(await appErrorOf(() => client.createTask(body()))).toMatchObject({ code: 'provider_bad_response', status: 200 });
    expect(srv.state.requestsTo('create')).toHaveLength(1);
  });

  it('JSON of the wrong shape → provider_bad_response (unknown status, non-URL results, task without id)', async () => {
    const { client } = fastClient(srv);
    const { id } = await client.createTask(body('shape'));
    srv.state.advance(1000);
    const real = (await raw(srv, 'GET', `/v1/tasks/${id}`)).body as Record<string, unknown>;
    for (const wrong of [{ ...real, status: 'succeeded' }, { ...real, results: ['not a url'] }, { ...real, id: undefined }, { ...real, progress: 140 }]) {
      srv.state.inject('getTask', { kind: 'json', body: wrong });
      const err = await appErrorOf(() => client.getTask(id));
      expect(err.code, JSON.stringify(wrong).slice(0, 60)).toBe('provider_bad_response');
      expect(err.message).toMatch(/failed its schema/);
    }
  });
});

describe('retry policy', () => {
  it('createTask is never repeated after 500, 502 or 503: exactly one POST, the error surfaces', async () => {
    for (const status of [500, 502, 503]) {
      srv.state.resetLog();
      const { client, retries } = fastClient(srv);
      srv.state.inject('create', { kind: 'status', status });
      const err = await appErrorOf(() => client.createTask(body(`five hundred ${status}`)));
      expect(err).toMatchObject({ code: 'provider_unavailable', status });
      expect(retries).toHaveLength(0);
      expect(srv.state.requestsTo('create')).toHaveLength(1);
    }
  });

  it('createTask is not repeated after a dropped connection: one POST, `network`, and the task does exist', async () => {
    const { client, retries } = fastClient(srv);
    const before = srv.state.tasksCreated;
    srv.state.inject('create', { kind: 'drop' }, { after: true });
    const err = await appErrorOf(() => client.createTask(body('lost reply')));
    expect(err).toMatchObject({ code: 'network' });
    expect(retries).toHaveLength(0);
    expect(srv.state.requestsTo('create').map((r) => r.status)).toEqual([0]);
    expect(srv.state.tasksCreated).toBe(before + 1); // why it must not be resent: a second POST would be a second task
  });

  it('createTask is not repeated after a timeout (slow reply beyond the client timeout)', async () => {
    const { client, retries } = fastClient(srv, { timeoutMs: 300 });
    srv.state.inject('create', { kind: 'slow', delayMs: 1500 });
    const err = await appErrorOf(() => client.createTask(body('slow')));
    expect(err).toMatchObject({ code: 'timeout', retryable: true });
    expect(err.message).toMatch(/timed out after 300 ms/);
    expect(retries).toHaveLength(0);
    expect(srv.state.requestsTo('create')).toHaveLength(1);
  });

  it('createTask is retried after 429 with Retry-After: two POSTs, one task, slept exactly Retry-After', async () => {
    const { client, retries, slept } = fastClient(srv);
    const before = srv.state.tasksCreated;
    srv.state.inject('create', { kind: 'status', status: 429, retryAfterSeconds: 2 });
    const task = await client.createTask(body('rate limited once'));
    expect(task.status).toBe('pending');
    expect(srv.state.requestsTo('create').map((r) => r.status)).toEqual([429, 200]);
    expect(srv.state.tasksCreated).toBe(before + 1);
    expect(slept).toEqual([2000]);
    expect(retries[0]?.error).toMatchObject({ code: 'rate_limited', status: 429, retryAfterMs: 2000, params: { retryAfterMs: 2000, providerCode: 'rate_limit_exceeded' } });
  });

  it('429 without Retry-After waits the documented 30 s default; after 2 retries it surfaces with retryAfterMs', async () => {
    const { client, slept } = fastClient(srv);
    srv.state.inject('create', { kind: 'status', status: 429 }, { times: 3 });
    const err = await appErrorOf(() => client.createTask(body('rate limited')));
    expect(err).toMatchObject({ code: 'rate_limited', status: 429, retryAfterMs: 30_000, retryable: true });
    expect(slept).toEqual([30_000, 30_000]);
    expect(srv.state.requestsTo('create')).toHaveLength(3);
  });

  it('a Retry-After longer than maxRetryAfterMs is not slept: thrown at once for the engine to schedule', async () => {
    const { client, slept } = fastClient(srv, { maxRetryAfterMs: 10_000 });
    srv.state.inject('getTask', { kind: 'status', status: 429, retryAfterSeconds: 120 });
    const err = await appErrorOf(() => client.getTask('task-unified-1757156493-imcg5zqt'));
    expect(err).toMatchObject({ code: 'rate_limited', retryAfterMs: 120_000 });
    expect(slept).toEqual([]);
  });

  it('GETs retry 5xx, dropped connections, truncated bodies and timeouts, then succeed', async () => {
    const { client } = fastClient(srv);
    const { id } = await client.createTask(body('get retries'));
    const cases = [
      { kind: 'status', status: 503 },
      { kind: 'status', status: 502 },
      { kind: 'drop' },
      { kind: 'dropMidBody' },
      { kind: 'slow', delayMs: 1500 },
    ] as const;
    for (const fault of cases) {
      srv.state.resetLog();
      const { client: c, retries } = fastClient(srv, { timeoutMs: 400 });
      srv.state.inject('getTask', fault);
      const t = await c.getTask(id);
      expect(t.id, fault.kind).toBe(id);
      expect(retries, fault.kind).toHaveLength(1);
      expect(srv.state.requestsTo('getTask'), fault.kind).toHaveLength(2);
    }
  });

  it('GET gives up after maxRetries (2): three requests, the last error surfaces', async () => {
    const { client, retries } = fastClient(srv);
    srv.state.inject('getTask', { kind: 'status', status: 503 }, { times: 3 });
    expect(await appErrorOf(() => client.getTask('task-unified-1757156493-imcg5zqt'))).toMatchObject({ code: 'provider_unavailable', status: 503 });
    expect(retries.map((r) => r.attempt)).toEqual([1, 2]);
    expect(srv.state.requestsTo('getTask')).toHaveLength(3);
  });

  it('an aborted signal → canceled, also during a backoff sleep', async () => {
    const ac = new AbortController();
    ac.abort();
    const { client } = fastClient(srv);
    expect(await appErrorOf(() => client.getTask('task-unified-1757156493-imcg5zqt', { signal: ac.signal }))).toMatchObject({ code: 'canceled' });
    expect(srv.state.requests).toHaveLength(0);

    const ac2 = new AbortController();
    const { client: c2 } = fastClient(srv, { sleep: undefined, backoffBaseMs: 5_000, backoffCapMs: 5_000, random: () => 0.99 });
    srv.state.inject('getTask', { kind: 'status', status: 503 });
    setTimeout(() => ac2.abort(), 200);
    const t0 = performance.now();
    expect(await appErrorOf(() => c2.getTask('task-unified-1757156493-imcg5zqt', { signal: ac2.signal }))).toMatchObject({ code: 'canceled' });
    expect(performance.now() - t0).toBeLessThan(3000);
  });

  it('parseRetryAfter: seconds, HTTP dates, garbage', () => {
    expect(parseRetryAfter('3')).toBe(3000);
    expect(parseRetryAfter('1.5')).toBe(1500);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4_000)).toBe(6000);
    expect(parseRetryAfter(new Date(1_000).toUTCString(), 4_000)).toBe(0);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(undefined)).toBeUndefined();
  });
});

describe('Files API', () => {
  const png = () => solidImage({ r: 10, g: 200, b: 10 });

  for (const [code, reason, msg] of [
    [40001, 'too_large', 'File size exceeds the limit (100MB)'],
    [40002, 'unsupported_format', 'File type not allowed'],
    [40003, 'quota_exceeded', 'File quota exceeded'],
    [40004, 'download_failed', 'Failed to download file from URL'],
  ] as const) {
    it(`success:false with ${code} on HTTP 200 → provider_rejected (${reason}) with EvoLink’s msg, not retried`, async () => {
      const { client, retries } = fastClient(srv);
      srv.state.inject('upload', { kind: 'filesFailure', code });
      const err = await appErrorOf(async () => client.uploadFile(await png(), 'f.png', 'image/png'));
      expect(err).toMatchObject({ code: 'provider_rejected', status: 200, providerMessage: msg, params: { providerCode: code, reason }, retryable: false });
      expect(retries).toHaveLength(0);
      expect(srv.state.requestsTo('upload')).toHaveLength(1);
    });
  }

  it('success:false 50001 (storage error) → provider_unavailable, retried (same name overwrites), then stored once', async () => {
    const { client, retries } = fastClient(srv, { apiKey: OTHER_KEY });
    const stored = srv.state.filesStored;
    srv.state.inject('upload', { kind: 'filesFailure', code: 50001 });
    const file = await client.uploadFile(await png(), 'retry-me.png', 'image/png');
    expect(retries[0]?.error).toMatchObject({ code: 'provider_unavailable', params: { providerCode: 50001, reason: 'storage_error' } });
    expect(file.file_name).toBe('retry-me.png');
    expect(srv.state.filesStored).toBe(stored + 1);
  });

  it('an upload whose reply was lost is retried; the repeat overwrites the same file (no second copy)', async () => {
    const { client, retries } = fastClient(srv, { apiKey: OTHER_KEY });
    const stored = srv.state.filesStored;
    const overwritten = srv.state.filesOverwritten;
    srv.state.inject('upload', { kind: 'drop' }, { after: true });
    const file = await client.uploadFile(await png(), 'lost-reply.png', 'image/png');
    expect(retries.map((r) => r.error.code)).toEqual(['network']);
    expect(srv.state.filesStored).toBe(stored + 1);
    expect(srv.state.filesOverwritten).toBe(overwritten + 1);
    expect(srv.state.files.get(file.file_id)?.fileName).toBe('lost-reply.png');
  });

  it('the server’s own refusals: not an image (40002), quota full (40003) — both on HTTP 200', async () => {
    const { client } = fastClient(srv, { apiKey: FEW_FILES_KEY });
    const text = await appErrorOf(() => client.uploadFile(new TextEncoder().encode('not an image at all'), 'notes.png', 'image/png'));
    expect(text).toMatchObject({ code: 'provider_rejected', status: 200, params: { providerCode: 40002, reason: 'unsupported_format' } });
    const used = (await client.getFilesQuota()).used_files;
    for (let i = used; i < 2; i++) await client.uploadFile(await png(), `fill-${i}.png`, 'image/png');
    const full = await appErrorOf(async () => client.uploadFile(await png(), 'one-too-many.png', 'image/png'));
    expect(full).toMatchObject({ code: 'provider_rejected', status: 200, params: { providerCode: 40003, reason: 'quota_exceeded' } });
    expect(full.providerMessage).toMatch(/quota exceeded/i);
  });

  it('a file over 100 MB → 40001 from the server (streamed, refused on HTTP 200)', async () => {
    const { client } = fastClient(srv, { apiKey: OTHER_KEY, timeoutMs: 30_000 });
    const big = new Uint8Array(EVOLINK_FILES_MAX_BYTES + 1);
    big.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const err = await appErrorOf(() => client.uploadFile(big, 'huge.png', 'image/png'));
    expect(err).toMatchObject({ code: 'provider_rejected', params: { providerCode: 40001, reason: 'too_large' } });
    expect(srv.state.requestsTo('upload')[0]?.body).toMatchObject({ truncated: true });
  }, 60_000);

  it('a Files reply with success:true but no file_url → provider_bad_response', async () => {
    const { client } = fastClient(srv);
    srv.state.inject('upload', { kind: 'json', body: { success: true, code: 200, msg: 'success', data: { file_id: 'f1' } } });
    expect(await appErrorOf(async () => client.uploadFile(await png(), 'f.png', 'image/png'))).toMatchObject({ code: 'provider_bad_response' });
  });
});

describe('download', () => {
  async function completedTask(prompt: string) {
    const { client } = fastClient(srv);
    const { id } = await client.createTask(body(prompt, { size: '3:2' }));
    srv.state.advance(1000);
    const t = await client.getTask(id);
    return { client, url: evolinkTaskOutputUrls(t)[0] as string };
  }

  it('fetches the image without the API key', async () => {
    const { client, url } = await completedTask('download me');
    const { bytes, contentType } = await client.download(url, { maxBytes: 10_000_000 });
    expect(contentType).toBe('image/png');
    expect(Buffer.from(bytes.subarray(0, 4)).toString('latin1')).toBe('\x89PNG');
    const cdn = srv.state.requestsTo('cdn');
    expect(cdn).toHaveLength(1);
    expect(cdn[0]?.headers['authorization']).toBeUndefined();
  });

  it('404 after the 24 h retention, and injected 403 / 410 → result_expired (not retried)', async () => {
    const { client, url } = await completedTask('expire me');
    for (const status of [403, 410]) {
      srv.state.inject('cdn', { kind: 'status', status });
      expect(await appErrorOf(() => client.download(url, { maxBytes: 10_000_000 }))).toMatchObject({ code: 'result_expired', status });
    }
    srv.state.advance(24 * 3600_000);
    expect(await appErrorOf(() => client.download(url, { maxBytes: 10_000_000 }))).toMatchObject({ code: 'result_expired', status: 404 });
    expect(srv.state.requestsTo('cdn')).toHaveLength(3);
  });

  it('a 500 on download is retried; a body over maxBytes → provider_bad_response', async () => {
    const { client, url } = await completedTask('flaky cdn');
    const { client: c, retries } = fastClient(srv);
    srv.state.inject('cdn', { kind: 'status', status: 500 });
    expect((await c.download(url, { maxBytes: 10_000_000 })).bytes.length).toBeGreaterThan(100);
    expect(retries).toHaveLength(1);
    expect(await appErrorOf(() => client.download(url, { maxBytes: 50 }))).toMatchObject({ code: 'provider_bad_response' });
  });
});

describe('construction', () => {
  it('refuses an empty key, a key that cannot be a header, and non-http base URLs', () => {
    expect(() => fastClient(srv, { apiKey: '' })).toThrow(expect.objectContaining({ code: 'no_api_key' }));
    expect(() => fastClient(srv, { apiKey: 'sk-evo bad\nkey' })).toThrow(expect.objectContaining({ code: 'provider_auth' }));
    expect(() => fastClient(srv, { baseUrl: 'ftp://x' })).toThrow(expect.objectContaining({ code: 'validation' }));
    expect(() => fastClient(srv, { filesBaseUrl: 'not a url' })).toThrow(expect.objectContaining({ code: 'validation' }));
  });
});
