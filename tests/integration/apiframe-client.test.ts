/**
 * ApiframeClient against the Apiframe test server over real loopback HTTP: bodies, headers, replies, every error
 * mapping, the retry policy (429 / 5xx / network / timeout, idempotent or not) and idempotent replays.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { AppError } from '../../src/shared/errors';
import {
  ApiframeClient,
  buildGenerateBody,
  jobResultUrls,
  parseRetryAfter,
  type GenerateImageBody,
} from '../../src/main/services/providers/apiframe/client';
import type { ApiframeTestServer } from '../servers/apiframe/server';
import { INACTIVE_KEY, KEY, OTHER_KEY, POOR_KEY, appErrorOf, fastClient, raw, solidImage, startServer } from './apiframe-helpers';

let srv: ApiframeTestServer;

beforeAll(async () => {
  srv = await startServer();
});
afterAll(async () => {
  await srv.close();
});
afterEach(() => {
  // Every reply the server produced itself matched its OpenAPI schema.
  expect(srv.state.responseViolations).toEqual([]);
  srv.state.resetLog();
  srv.state.config.resultShape = 'images';
});

const body2 = (prompt = 'a lighthouse at dusk', extra: Record<string, unknown> = {}): GenerateImageBody =>
  buildGenerateBody({ model: 'gpt-image-2', prompt, params: { quality: 'low', ...extra } });

let seq = 0;
const newKey = () => `idem-${Date.now()}-${++seq}`;

describe('happy paths', () => {
  it('gpt-image-2: exact body under gptImage2Params, auth/idempotency headers, 202, job runs to COMPLETED', async () => {
    // A server on a frozen clock: the job's phases move only with advance(), however loaded the machine is.
    const frozen = Date.now();
    const srv = await startServer({ now: () => frozen });
    onTestFinished(() => srv.close());
    const { client } = fastClient(srv);
    const idem = newKey();
    const body = buildGenerateBody({
      model: 'gpt-image-2',
      prompt: 'a lighthouse at dusk',
      params: { quality: 'medium', aspect_ratio: '3:2', output_format: 'png', number_of_images: 2 },
    });
    const accepted = await client.generate(body, { idempotencyKey: idem });
    expect(accepted.status).toBe('QUEUED');

    const [req] = srv.state.requestsTo('generate');
    expect(req?.status).toBe(202);
    expect(req?.headers['x-api-key']).toBe(KEY);
    expect(req?.headers['content-type']).toMatch(/^application\/json/);
    expect(req?.headers['idempotency-key']).toBe(idem);
    // Defaults filled from the capability schema; no input_images key without references; no webhook fields.
    expect(req?.body).toEqual({
      model: 'gpt-image-2',
      prompt: 'a lighthouse at dusk',
      gptImage2Params: {
        quality: 'medium',
        aspect_ratio: '3:2',
        output_format: 'png',
        background: 'auto',
        moderation: 'auto',
        number_of_images: 2,
      },
    });

    const queued = await client.getJob(accepted.jobId);
    expect(queued).toMatchObject({ id: accepted.jobId, status: 'QUEUED', result: null, creditCost: null });
    srv.state.advance(500);
    const running = await client.getJob(accepted.jobId);
    expect(running.status).toBe('PROCESSING');
    expect(running.progress).toBeGreaterThan(0);
    expect(running.progress).toBeLessThan(100);
    srv.state.advance(600);
    const done = await client.getJob(accepted.jobId);
    expect(done.status).toBe('COMPLETED');
    expect(done.creditCost).toBe(9 * 2);
    expect(done.expired).toBe(false);
    const urls = jobResultUrls(done.result);
    expect(urls).toHaveLength(2);
    expect(urls[0]).toBe(`${srv.url}/cdn/${accepted.jobId}-1.png`);
  });

  it('gpt-image-1.5: params go under gptImageParams (transparent background, input_fidelity), never moderation', async () => {
    const { client } = fastClient(srv);
    const body = buildGenerateBody({
      model: 'gpt-image-1.5',
      prompt: 'a glass teapot',
      params: { background: 'transparent', input_fidelity: 'high', output_format: 'webp' },
    });
    const accepted = await client.generate(body, { idempotencyKey: newKey() });
    const sent = srv.state.requestsTo('generate')[0]?.body as Record<string, unknown>;
    expect(Object.keys(sent).sort()).toEqual(['gptImageParams', 'model', 'prompt']);
    expect(sent['gptImageParams']).toEqual({
      quality: 'auto',
      aspect_ratio: '1:1',
      output_format: 'webp',
      background: 'transparent',
      input_fidelity: 'high',
      number_of_images: 1,
    });
    srv.state.advance(1000);
    const job = await client.getJob(accepted.jobId);
    expect(job.status).toBe('COMPLETED');
    expect(job.model).toBe('gpt-image-1.5');
    expect(job.creditCost).toBe(14);
  });

  it('parses both result shapes: { images: [...] } and a plain URL string', async () => {
    const { client } = fastClient(srv);
    const { jobId } = await client.generate(body2('two shapes', { number_of_images: 2 }), { idempotencyKey: newKey() });
    srv.state.advance(1000);
    srv.state.config.resultShape = 'images';
    const asObject = await client.getJob(jobId);
    expect(asObject.result).toEqual({ images: [`${srv.url}/cdn/${jobId}-1.webp`, `${srv.url}/cdn/${jobId}-2.webp`] });
    srv.state.config.resultShape = 'string';
    const asString = await client.getJob(jobId);
    expect(asString.result).toBe(`${srv.url}/cdn/${jobId}-1.webp`);
    expect(jobResultUrls(asString.result)).toEqual([`${srv.url}/cdn/${jobId}-1.webp`]);
  });

  it('upload then input_images: multipart field "file", URL reused verbatim in the body', async () => {
    const { client } = fastClient(srv);
    const png = await solidImage({ r: 255, g: 0, b: 0 });
    const up = await client.upload(png, 'reference-1.png', 'image/png');
    expect(up).toMatchObject({ kind: 'image', contentType: 'image/png', byteSize: png.length });
    expect(Date.parse(up.expiresAt)).toBeGreaterThan(Date.now());
    expect(srv.state.requestsTo('upload')[0]?.body).toEqual({ fileName: 'reference-1.png', declaredType: 'image/png', byteSize: png.length });

    const body = buildGenerateBody({ model: 'gpt-image-2', prompt: 'use the reference', params: {}, inputImages: [up.url] });
    const { jobId } = await client.generate(body, { idempotencyKey: newKey() });
    const sent = srv.state.requestsTo('generate')[0]?.body as { gptImage2Params: { input_images: string[] } };
    expect(sent.gptImage2Params.input_images).toEqual([up.url]);
    expect(srv.state.jobs.get(jobId)?.referenceUploadId).toBe(up.id);
  });

  it('me(): user, team credits (charged by quality × count) and key prefix', async () => {
    const { client } = fastClient(srv, { apiKey: OTHER_KEY });
    const before = await client.me();
    expect(before.team?.credits).toBe(1000);
    expect(before.apiKey?.prefix).toBe(OTHER_KEY.slice(0, 8));
    await client.generate(body2('charge me', { quality: 'high', number_of_images: 3 }), { idempotencyKey: newKey() });
    const after = await client.me();
    expect(after.team?.credits).toBe(1000 - 23 * 3);
    expect(after.user.email).toMatch(/@example\.test$/);
  });
});

describe('idempotency', () => {
  it('replaying the same key and body returns the original job without creating another', async () => {
    const { client } = fastClient(srv);
    const idem = newKey();
    const created = srv.state.jobsCreated;
    const a = await client.generate(body2('once'), { idempotencyKey: idem });
    srv.state.advance(300);
    const b = await client.generate(body2('once'), { idempotencyKey: idem });
    expect(b.jobId).toBe(a.jobId);
    expect(b.status).toBe('PROCESSING'); // the original job's current status
    expect(srv.state.jobsCreated).toBe(created + 1);
    expect(srv.state.requestsTo('generate')).toHaveLength(2);
  });

  it('a reply lost after the job was created is retried with the same key and yields exactly one job', async () => {
    const { client, retries } = fastClient(srv);
    const created = srv.state.jobsCreated;
    srv.state.inject('generate', { kind: 'drop' }, { after: true });
    const a = await client.generate(body2('lost reply'), { idempotencyKey: newKey() });
    expect(retries.map((r) => r.error.code)).toEqual(['network']);
    expect(srv.state.requestsTo('generate').map((r) => r.status)).toEqual([0, 202]);
    expect(srv.state.jobsCreated).toBe(created + 1);
    expect(srv.state.jobs.has(a.jobId)).toBe(true);
  });

  it('the same key with a different body → provider_conflict (409), no new job', async () => {
    const { client } = fastClient(srv);
    const idem = newKey();
    await client.generate(body2('first body'), { idempotencyKey: idem });
    const created = srv.state.jobsCreated;
    const err = await appErrorOf(() => client.generate(body2('second body'), { idempotencyKey: idem }));
    expect(err.code).toBe('provider_conflict');
    expect(err.status).toBe(409);
    expect(err.retryable).toBe(false);
    expect(err.providerMessage).toMatch(/Idempotency-Key/);
    expect(srv.state.jobsCreated).toBe(created);
  });
});

describe('HTTP error mapping', () => {
  it('401 → provider_auth; the key never appears in the error', async () => {
    const secret = 'afk_wrong_secret_value_123';
    const { client } = fastClient(srv, { apiKey: secret });
    const err = await appErrorOf(() => client.me());
    expect(err).toMatchObject({ code: 'provider_auth', status: 401, providerMessage: 'Invalid API key', retryable: false });
    expect(JSON.stringify({ m: err.message, s: err.toShape() })).not.toContain(secret);
  });

  it('402 → insufficient_credits with the numbers; nothing created', async () => {
    const { client } = fastClient(srv, { apiKey: POOR_KEY });
    const created = srv.state.jobsCreated;
    const err = await appErrorOf(() => client.generate(body2('expensive', { quality: 'high' }), { idempotencyKey: newKey() }));
    expect(err).toMatchObject({ code: 'insufficient_credits', status: 402, providerMessage: 'Insufficient credits' });
    expect(err.params).toEqual({ required: 23, available: 3 });
    expect(srv.state.jobsCreated).toBe(created);
  });

  it('403 → provider_forbidden for an inactive key', async () => {
    const { client } = fastClient(srv, { apiKey: INACTIVE_KEY });
    const err = await appErrorOf(() => client.getJob(crypto.randomUUID()));
    expect(err).toMatchObject({ code: 'provider_forbidden', status: 403, providerMessage: 'API key is inactive' });
  });

  it('404 → provider_not_found for an unknown job and for another key’s job', async () => {
    const { client } = fastClient(srv);
    const unknown = await appErrorOf(() => client.getJob(crypto.randomUUID()));
    expect(unknown).toMatchObject({ code: 'provider_not_found', status: 404 });
    const { client: other } = fastClient(srv, { apiKey: OTHER_KEY });
    const { jobId } = await other.generate(body2('not yours'), { idempotencyKey: newKey() });
    const foreign = await appErrorOf(() => client.getJob(jobId));
    expect(foreign).toMatchObject({ code: 'provider_not_found', status: 404 });
    expect((await other.getJob(jobId)).id).toBe(jobId);
  });

  it('400 from the server’s own validation → provider_rejected with details (upload of a non-image)', async () => {
    const { client } = fastClient(srv);
    const err = await appErrorOf(() => client.upload(new TextEncoder().encode('just text, not an image'), 'notes.png', 'image/png'));
    expect(err).toMatchObject({ code: 'provider_rejected', status: 400, providerMessage: 'Unsupported file type' });
    expect(err.details?.['file']?.[0]).toMatch(/PNG, JPEG, WebP, GIF/);
  });

  it('400 on GET with a non-UUID id → provider_rejected', async () => {
    const { client } = fastClient(srv);
    const err = await appErrorOf(() => client.getJob('not-a-uuid'));
    expect(err).toMatchObject({ code: 'provider_rejected', status: 400 });
  });

  it('400 ValidationError body on generate: details and message carried through', async () => {
    const { client } = fastClient(srv);
    const details = { 'gptImage2Params.aspect_ratio': ["Invalid enum value. Expected '1:1' | '3:2' | '2:3', received '16:9'"] };
    srv.state.inject('generate', { kind: 'status', status: 400, body: { error: 'Invalid request body', details } });
    const err = await appErrorOf(() => client.generate(body2(), { idempotencyKey: newKey() }));
    expect(err).toMatchObject({ code: 'provider_rejected', status: 400, providerMessage: 'Invalid request body', details });
  });

  it('5xx → provider_unavailable; 501 is not retryable', async () => {
    const { client } = fastClient(srv, { maxRetries: 0 });
    srv.state.inject('me', { kind: 'status', status: 503 });
    expect(await appErrorOf(() => client.me())).toMatchObject({ code: 'provider_unavailable', status: 503, retryable: true });
    const { client: c2, retries } = fastClient(srv);
    srv.state.inject('me', { kind: 'status', status: 501 });
    expect(await appErrorOf(() => c2.me())).toMatchObject({ code: 'provider_unavailable', status: 501, retryable: false });
    expect(retries).toHaveLength(0);
  });

  it('a 5xx HTML page from a proxy → provider_unavailable (no JSON needed)', async () => {
    const { client } = fastClient(srv, { maxRetries: 0 });
    srv.state.inject('me', { kind: 'html', status: 502 });
    expect(await appErrorOf(() => client.me())).toMatchObject({ code: 'provider_unavailable', status: 502 });
  });
});

describe('bad 2xx bodies', () => {
  it('HTML with 200 → provider_bad_response, not retried', async () => {
    const { client, retries } = fastClient(srv);
    srv.state.inject('getJob', { kind: 'html' });
    const err = await appErrorOf(() => client.getJob(crypto.randomUUID()));
    expect(err).toMatchObject({ code: 'provider_bad_response', status: 200, retryable: false });
    expect(err.message).toMatch(/not JSON/);
    expect(retries).toHaveLength(0);
    expect(srv.state.requestsTo('getJob')).toHaveLength(1);
  });

  it('JSON of the wrong shape → provider_bad_response (JobAccepted without a UUID, Job with an unknown status)', async () => {
    const { client } = fastClient(srv);
    srv.state.inject('generate', { kind: 'json', status: 202, body: { id: 'job_1', state: 'queued' } });
    expect(await appErrorOf(() => client.generate(body2(), { idempotencyKey: newKey() }))).toMatchObject({
      code: 'provider_bad_response',
      status: 202,
    });
    const { jobId } = await client.generate(body2('real'), { idempotencyKey: newKey() });
    const real = (await raw(srv, 'GET', `/v2/jobs/${jobId}`, { headers: { 'x-api-key': KEY } })).body as Record<string, unknown>;
    srv.state.inject('getJob', { kind: 'json', body: { ...real, status: 'DONE' } });
    const err = await appErrorOf(() => client.getJob(jobId));
    expect(err.code).toBe('provider_bad_response');
    expect(err.message).toMatch(/status/);
    srv.state.inject('getJob', { kind: 'json', body: { ...real, status: 'COMPLETED', result: { urls: ['x'] } } });
    expect((await appErrorOf(() => client.getJob(jobId))).code).toBe('provider_bad_response');
  });
});

describe('retry policy', () => {
  it('429 with Retry-After (seconds) is retried after exactly that long and counted', async () => {
    const { client, retries } = fastClient(srv);
    srv.state.inject('me', { kind: 'status', status: 429, retryAfterSeconds: 1 });
    const t0 = performance.now();
    const me = await client.me();
    const elapsed = performance.now() - t0;
    expect(me.team?.credits).toBeTypeOf('number');
    expect(retries).toHaveLength(1);
    expect(retries[0]).toMatchObject({ attempt: 1, delayMs: 1000, path: '/v2/me' });
    expect(retries[0]?.error).toMatchObject({ code: 'rate_limited', status: 429, retryAfterMs: 1000 });
    expect(elapsed).toBeGreaterThanOrEqual(990);
    expect(srv.state.requestsTo('me').map((r) => r.status)).toEqual([429, 200]);
  });

  it('429 with Retry-After as an HTTP date is honoured', async () => {
    const { client, retries } = fastClient(srv);
    srv.state.inject('me', { kind: 'status', status: 429, retryAfterSeconds: 2, retryAfterFormat: 'http-date' });
    await client.me();
    const header = srv.state.requestsTo('me')[0];
    expect(header?.status).toBe(429);
    // HTTP dates have 1 s resolution: the wait is between 1 and 2 s.
    expect(retries[0]?.delayMs).toBeGreaterThanOrEqual(1000);
    expect(retries[0]?.delayMs).toBeLessThanOrEqual(2000);
  });

  it('429 is retried even on a POST without Idempotency-Key; after 2 retries it surfaces with retryAfterMs', async () => {
    const slept: number[] = [];
    const { client, retries } = fastClient(srv, { sleep: async (ms) => void slept.push(ms) });
    const created = srv.state.jobsCreated;
    srv.state.inject('generate', { kind: 'status', status: 429, retryAfterSeconds: 7 }, { times: 3 });
    const err = await appErrorOf(() => client.generate(body2('rate limited')));
    expect(err).toMatchObject({ code: 'rate_limited', status: 429, retryAfterMs: 7000, retryable: true });
    expect(err.params).toEqual({ retryAfterMs: 7000 });
    expect(slept).toEqual([7000, 7000]);
    expect(retries).toHaveLength(2);
    expect(srv.state.requestsTo('generate')).toHaveLength(3);
    expect(srv.state.jobsCreated).toBe(created);
  });

  it('a Retry-After longer than maxRetryAfterMs is not slept through: thrown at once for the engine to schedule', async () => {
    const { client, retries } = fastClient(srv, { maxRetryAfterMs: 5_000 });
    srv.state.inject('me', { kind: 'status', status: 429, retryAfterSeconds: 3600 });
    const err = await appErrorOf(() => client.me());
    expect(err).toMatchObject({ code: 'rate_limited', retryAfterMs: 3_600_000 });
    expect(retries).toHaveLength(0);
    expect(srv.state.requestsTo('me')).toHaveLength(1);
  });

  it('5xx on GET is retried with full-jitter backoff within [0, min(cap, base·2^n))', async () => {
    const { client, retries } = fastClient(srv, { backoffBaseMs: 40, backoffCapMs: 60 });
    srv.state.inject('me', { kind: 'status', status: 503 }, { times: 2 });
    await client.me();
    expect(srv.state.requestsTo('me').map((r) => r.status)).toEqual([503, 503, 200]);
    expect(retries.map((r) => r.error.code)).toEqual(['provider_unavailable', 'provider_unavailable']);
    expect(retries[0]?.delayMs).toBeLessThan(40);
    expect(retries[1]?.delayMs).toBeLessThan(60);
  });

  it('backoff uses the injected random source: random()=0.999 → just under base·2^n', async () => {
    const { client, retries } = fastClient(srv, { backoffBaseMs: 10, backoffCapMs: 1000, random: () => 0.999 });
    srv.state.inject('me', { kind: 'status', status: 500 }, { times: 2 });
    await client.me();
    expect(retries.map((r) => r.delayMs)).toEqual([9, 19]);
  });

  it('5xx on a POST with Idempotency-Key is retried; exactly one job results', async () => {
    const { client, retries } = fastClient(srv);
    const created = srv.state.jobsCreated;
    srv.state.inject('generate', { kind: 'status', status: 500 });
    const a = await client.generate(body2('retry me'), { idempotencyKey: newKey() });
    expect(retries).toHaveLength(1);
    expect(srv.state.requestsTo('generate').map((r) => r.status)).toEqual([500, 202]);
    expect(srv.state.jobsCreated).toBe(created + 1);
    expect(srv.state.jobs.has(a.jobId)).toBe(true);
  });

  it('a POST without Idempotency-Key is NOT retried on 5xx', async () => {
    const { client, retries } = fastClient(srv);
    srv.state.inject('generate', { kind: 'status', status: 503 }, { times: 2 });
    const err = await appErrorOf(() => client.generate(body2('no key')));
    expect(err).toMatchObject({ code: 'provider_unavailable', status: 503 });
    expect(retries).toHaveLength(0);
    expect(srv.state.requestsTo('generate')).toHaveLength(1);
    srv.state.clearFaults();
  });

  it('gives up after 2 retries (3 attempts) on persistent 5xx', async () => {
    const { client, retries } = fastClient(srv);
    srv.state.inject('getJob', { kind: 'status', status: 502 }, { times: 5 });
    const err = await appErrorOf(() => client.getJob(crypto.randomUUID()));
    expect(err).toMatchObject({ code: 'provider_unavailable', status: 502 });
    expect(retries).toHaveLength(2);
    expect(srv.state.requestsTo('getJob')).toHaveLength(3);
    srv.state.clearFaults();
  });

  it('4xx other than 429 are never retried', async () => {
    const { client, retries } = fastClient(srv, { apiKey: 'afk_nope' });
    await appErrorOf(() => client.me());
    expect(retries).toHaveLength(0);
    expect(srv.state.requestsTo('me')).toHaveLength(1);
  });
});

describe('transport failures', () => {
  it('timeout on GET: the slow attempt is abandoned and retried', async () => {
    const { client, retries } = fastClient(srv, { timeoutMs: 300 });
    srv.state.inject('me', { kind: 'slow', delayMs: 2_000 });
    const t0 = performance.now();
    await client.me();
    expect(performance.now() - t0).toBeLessThan(1_500);
    expect(retries.map((r) => r.error.code)).toEqual(['timeout']);
  });

  it('timeout on a POST without Idempotency-Key → timeout, not retried', async () => {
    const { client, retries } = fastClient(srv, { timeoutMs: 300 });
    srv.state.inject('generate', { kind: 'slow', delayMs: 1_500 });
    const t0 = performance.now();
    const err = await appErrorOf(() => client.generate(body2('slow')));
    expect(performance.now() - t0).toBeLessThan(1_200);
    expect(err).toMatchObject({ code: 'timeout', retryable: true });
    expect(err.status).toBeUndefined();
    expect(retries).toHaveLength(0);
  });

  it('timeout on generate with Idempotency-Key: the slow request still created the job; the retry returns it', async () => {
    const { client, retries } = fastClient(srv, { timeoutMs: 400, backoffBaseMs: 600, backoffCapMs: 600, random: () => 0.99 });
    const created = srv.state.jobsCreated;
    srv.state.inject('generate', { kind: 'slow', delayMs: 500 });
    const a = await client.generate(body2('slow but idempotent'), { idempotencyKey: newKey() });
    expect(retries.map((r) => r.error.code)).toEqual(['timeout']);
    expect(srv.state.jobsCreated).toBe(created + 1);
    expect(srv.state.jobs.has(a.jobId)).toBe(true);
  });

  it('persistent timeouts surface as timeout after 3 attempts', async () => {
    const { client, retries } = fastClient(srv, { timeoutMs: 150 });
    srv.state.inject('getJob', { kind: 'slow', delayMs: 1_000 }, { times: 3 });
    const err = await appErrorOf(() => client.getJob(crypto.randomUUID()));
    expect(err.code).toBe('timeout');
    expect(retries).toHaveLength(2);
  });

  it('dropped connection on GET → retried; on a POST without key → network, not retried', async () => {
    const { client, retries } = fastClient(srv);
    srv.state.inject('me', { kind: 'drop' });
    await client.me();
    expect(retries.map((r) => r.error.code)).toEqual(['network']);

    const { client: c2, retries: r2 } = fastClient(srv);
    srv.state.inject('generate', { kind: 'drop' });
    const err = await appErrorOf(() => c2.generate(body2('dropped')));
    expect(err).toMatchObject({ code: 'network', retryable: true });
    expect(r2).toHaveLength(0);
  });

  it('connection dropped mid-body → network (after retries on GET)', async () => {
    const { client, retries } = fastClient(srv);
    srv.state.inject('me', { kind: 'dropMidBody' }, { times: 3 });
    const err = await appErrorOf(() => client.me());
    expect(err.code).toBe('network');
    expect(retries).toHaveLength(2);
    expect(srv.state.requestsTo('me')).toHaveLength(3);
  });

  it('connection refused → network', async () => {
    const dead = await startServer();
    const url = dead.url;
    await dead.close();
    const client = new ApiframeClient({ apiKey: KEY, baseUrl: url, maxRetries: 0 });
    const err = await appErrorOf(() => client.me());
    expect(err.code).toBe('network');
    expect(err.message).toMatch(/ECONNREFUSED/);
  });

  it('the caller’s AbortSignal → canceled, also during a backoff sleep', async () => {
    const { client } = fastClient(srv, { timeoutMs: 5_000 });
    srv.state.inject('me', { kind: 'slow', delayMs: 2_000 });
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 100);
    expect((await appErrorOf(() => client.me({ signal: ac.signal }))).code).toBe('canceled');

    srv.state.inject('me', { kind: 'status', status: 429, retryAfterSeconds: 10 });
    const ac2 = new AbortController();
    setTimeout(() => ac2.abort(), 200);
    const t0 = performance.now();
    expect((await appErrorOf(() => client.me({ signal: ac2.signal }))).code).toBe('canceled');
    expect(performance.now() - t0).toBeLessThan(2_000);
  });
});

describe('client-side checks before the wire', () => {
  it('refuses unknown keys, webhook fields and non-http input_images without sending anything', async () => {
    const { client } = fastClient(srv);
    const bad = [
      { model: 'gpt-image-2', prompt: 'x', webhookUrl: 'https://example.com/hook' },
      { model: 'gpt-image-2', prompt: 'x', webhook_url: 'https://example.com/hook' },
      { model: 'gpt-image-1.5', prompt: 'x', gptImageParams: { moderation: 'low' } },
      { model: 'gpt-image-2', prompt: 'x', gptImage2Params: { background: 'transparent' } },
      { model: 'gpt-image-2', prompt: 'x', gptImage2Params: { input_images: ['file:///etc/passwd'] } },
      { model: 'gpt-image-2', prompt: 'x', gptImage2Params: { input_images: ['https://example.com/a b.png'] } },
      { model: 'gpt-image-2', prompt: '' },
    ];
    for (const b of bad) {
      const err = await appErrorOf(() => client.generate(b as GenerateImageBody, { idempotencyKey: newKey() }));
      expect(err.code, JSON.stringify(b)).toBe('validation');
    }
    const long = await appErrorOf(() => client.generate(body2('x'.repeat(2001))));
    expect(long).toMatchObject({ code: 'prompt_too_long', params: { length: 2001, max: 2000 } });
    const longKey = await appErrorOf(() => client.generate(body2(), { idempotencyKey: 'k'.repeat(256) }));
    expect(longKey.code).toBe('validation');
    expect(srv.state.requestsTo('generate')).toHaveLength(0);
  });

  it('buildGenerateBody refuses parameters the model does not have (moderation on 1.5)', () => {
    expect(() => buildGenerateBody({ model: 'gpt-image-1.5', prompt: 'x', params: { moderation: 'low' } })).toThrow(AppError);
    expect(() => buildGenerateBody({ model: 'gpt-image-2', prompt: 'x', params: { input_fidelity: 'high' } })).toThrow(AppError);
    // A model Apiframe does not serve (an OpenAI-only id) is refused, not sent.
    let err: unknown;
    try {
      buildGenerateBody({ model: 'gpt-image-1' as never, prompt: 'x', params: {} });
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'validation', params: { field: 'model', reason: 'unsupported' } });
  });

  it('parseRetryAfter: seconds, HTTP date, garbage', () => {
    const now = Date.parse('2026-11-21T10:00:00Z');
    expect(parseRetryAfter('3', now)).toBe(3000);
    expect(parseRetryAfter('Sat, 21 Nov 2026 10:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfter('Sat, 21 Nov 2026 09:59:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
});
