/**
 * OpenAiClient against the OpenAI test server over real loopback HTTP: exact bodies and multipart parts, decoded
 * images, every error mapping, and the retry policy (429 only for POSTs; never 5xx / network / timeout).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import {
  OpenAiClient,
  buildEditForm,
  buildGenerationsBody,
  decodeImage,
  errorFromReply,
  retryAfterOf,
} from '../../src/main/services/providers/openai/client';
import type { OpenAiTestServer } from '../servers/openai/server';
import {
  KEY,
  NOQUOTA_KEY,
  UNVERIFIED_KEY,
  appErrorOf,
  fastClient,
  imageInfo,
  maskPng,
  pixelAt,
  solidImage,
  startServer,
} from './openai-helpers';

let srv: OpenAiTestServer;

beforeAll(async () => {
  srv = await startServer();
});
afterAll(async () => {
  await srv.close();
});
afterEach(() => {
  srv.state.resetLog();
});

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const gen = (params: Record<string, unknown> = {}, model: 'gpt-image-2' | 'gpt-image-1.5' | 'gpt-image-1' | 'gpt-image-1-mini' = 'gpt-image-2', prompt = 'a lighthouse at dusk') =>
  buildGenerationsBody({ model, prompt, params: { quality: 'low', ...params } });

describe('generations', () => {
  it('sends every parameter explicitly, always the model, never response_format; decodes real images', async () => {
    const { client } = fastClient(srv);
    const res = await client.generate(gen({ size: '1536x864', n: 2 }));
    const [req] = srv.state.requestsTo('generations');
    expect(req?.headers['authorization']).toBe(`Bearer ${KEY}`);
    expect(req?.headers['content-type']).toMatch(/^application\/json/);
    expect(req?.body).toEqual({
      model: 'gpt-image-2',
      prompt: 'a lighthouse at dusk',
      n: 2,
      size: '1536x864',
      quality: 'low',
      background: 'auto',
      output_format: 'png',
      moderation: 'auto',
    });
    expect(res.outputs).toHaveLength(2);
    for (const o of res.outputs) {
      if (!('bytes' in o)) throw new Error('expected bytes');
      expect(o.mime).toBe('image/png');
      expect(await imageInfo(o.bytes)).toMatchObject({ format: 'png', width: 1536, height: 864 });
    }
    expect(res.size).toBe('1536x864');
    expect(res.usage?.output_tokens).toBe(2 * Math.round(272 * ((1536 * 864) / (1024 * 1024))));
  });

  it('jpeg/webp carry output_compression; a transparent webp comes back with alpha', async () => {
    const { client } = fastClient(srv);
    const jpeg = await client.generate(gen({ output_format: 'jpeg', output_compression: 40 }, 'gpt-image-1'));
    expect(srv.state.requestsTo('generations')[0]?.body).toMatchObject({ output_format: 'jpeg', output_compression: 40 });
    expect(jpeg.outputs[0]).toMatchObject({ mime: 'image/jpeg' });
    const webp = await client.generate(gen({ output_format: 'webp', background: 'transparent' }, 'gpt-image-1.5'));
    const o = webp.outputs[0];
    if (!o || !('bytes' in o)) throw new Error('expected bytes');
    expect(await imageInfo(o.bytes)).toMatchObject({ format: 'webp', hasAlpha: true });
    expect((await pixelAt(o.bytes, 500, 10)).a).toBe(0);
    expect(webp.background).toBe('transparent');
  });

  it('refuses before sending: transparent + jpeg, gpt-image-2 transparent, bad sizes, response_format, long prompts', async () => {
    const { client } = fastClient(srv);
    expect((await appErrorOf(async () => gen({ background: 'transparent', output_format: 'jpeg' }, 'gpt-image-1'))).params).toMatchObject({ field: 'background' });
    expect((await appErrorOf(async () => gen({ background: 'transparent' }))).code).toBe('validation');
    expect((await appErrorOf(async () => gen({ size: '1000x1000' }))).params).toMatchObject({ field: 'size' });
    expect((await appErrorOf(() => client.generate({ ...gen(), response_format: 'b64_json' } as never))).code).toBe('validation');
    expect((await appErrorOf(() => client.generate({ ...gen(), size: '4096x4096' }))).params).toMatchObject({ field: 'size' });
    const long = await appErrorOf(async () => gen({}, 'gpt-image-2', 'x'.repeat(32_001)));
    expect(long.code).toBe('prompt_too_long');
    expect(long.params).toEqual({ length: 32_001, max: 32_000 });
    expect(srv.state.requests).toHaveLength(0);
  });
});

describe('edits (multipart)', () => {
  it('one image: fields as text parts, the image as `image[]` with a neutral name, input_fidelity for gpt-image-1.5, no moderation', async () => {
    const { client } = fastClient(srv);
    const red = await solidImage({ r: 255, g: 0, b: 0 }, 'jpeg', 120, 90);
    const form = buildEditForm({
      model: 'gpt-image-1.5',
      prompt: 'make it a poster',
      params: { quality: 'low', input_fidelity: 'high', moderation: 'low' },
      images: [{ bytes: red, mime: 'image/jpeg' }],
    });
    const res = await client.edit(form);
    const rec = srv.state.requestsTo('edits')[0];
    expect(rec?.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
    const body = rec?.body as { fields: Record<string, string>; images: Array<Record<string, unknown>>; mask: unknown };
    expect(body.fields).toEqual({
      model: 'gpt-image-1.5',
      prompt: 'make it a poster',
      n: '1',
      size: 'auto',
      quality: 'low',
      background: 'auto',
      output_format: 'png',
      input_fidelity: 'high',
    });
    expect(body.images).toEqual([
      expect.objectContaining({ field: 'image[]', fileName: 'image-1.jpg', declaredType: 'image/jpeg', width: 120, height: 90, sha256: sha(red) }),
    ]);
    expect(body.mask).toBeNull();
    // The server composites the first image into the top-left box of every output: the red reference was used.
    const o = res.outputs[0];
    if (!o || !('bytes' in o)) throw new Error('expected bytes');
    const px = await pixelAt(o.bytes, 20, 20);
    expect(px.r).toBeGreaterThan(200);
    expect(px.g).toBeLessThan(60);
  });

  it('sixteen images in order plus a mask the size of the first; gpt-image-2 sends no input_fidelity', async () => {
    const { client } = fastClient(srv);
    const imgs = await Promise.all(Array.from({ length: 16 }, (_, i) => solidImage({ r: i * 15, g: 40, b: 200 - i * 10 }, i % 2 ? 'webp' : 'png', 64 + i, 48)));
    const mask = await maskPng(64, 48);
    const form = buildEditForm({
      model: 'gpt-image-2',
      prompt: 'collage',
      params: { quality: 'low', size: '1024x1024' },
      images: imgs.map((bytes, i) => ({ bytes, mime: i % 2 ? ('image/webp' as const) : ('image/png' as const) })),
      mask: { bytes: mask, mime: 'image/png' },
    });
    expect(form.fields).not.toHaveProperty('input_fidelity');
    await client.edit(form);
    const body = srv.state.requestsTo('edits')[0]?.body as { fields: Record<string, string>; images: Array<{ sha256: string; field: string }>; mask: { width: number; height: number; sha256: string } };
    expect(body.images.map((i) => i.sha256)).toEqual(imgs.map(sha));
    expect(new Set(body.images.map((i) => i.field))).toEqual(new Set(['image[]']));
    expect(body.mask).toMatchObject({ width: 64, height: 48, sha256: sha(mask) });
    expect(body.fields).not.toHaveProperty('input_fidelity');
    expect(body.fields).not.toHaveProperty('moderation');
  });

  it('refuses before sending: 17 images, a mask of other dimensions, a non-PNG mask, a GIF, a type mismatch, input_fidelity on -1-mini', async () => {
    const png = await solidImage({ r: 1, g: 2, b: 3 });
    const base = { model: 'gpt-image-1' as const, prompt: 'x', params: {} };
    const e17 = await appErrorOf(async () => buildEditForm({ ...base, images: Array.from({ length: 17 }, () => ({ bytes: png, mime: 'image/png' as const })) }));
    expect(e17.params).toMatchObject({ field: 'image', reason: 'too_many' });
    const eMask = await appErrorOf(async () => buildEditForm({ ...base, images: [{ bytes: png, mime: 'image/png' }], mask: { bytes: await maskPng(32, 64), mime: 'image/png' } }));
    expect(eMask.params).toMatchObject({ field: 'mask', reason: 'dimensions_differ' });
    const jpegMask = await solidImage({ r: 0, g: 0, b: 0 }, 'jpeg');
    expect((await appErrorOf(async () => buildEditForm({ ...base, images: [{ bytes: png, mime: 'image/png' }], mask: { bytes: jpegMask, mime: 'image/png' } }))).code).toBe('bad_file');
    const gif = await solidImage({ r: 0, g: 0, b: 0 }, 'gif');
    expect((await appErrorOf(async () => buildEditForm({ ...base, images: [{ bytes: gif, mime: 'image/png' }] }))).params).toMatchObject({ reason: 'unsupported_format' });
    expect((await appErrorOf(async () => buildEditForm({ ...base, images: [{ bytes: png, mime: 'image/webp' }] }))).code).toBe('bad_file');
    expect((await appErrorOf(async () => buildEditForm({ ...base, model: 'gpt-image-1-mini', params: { input_fidelity: 'low' }, images: [{ bytes: png, mime: 'image/png' }] }))).code).toBe('validation');
    const { client } = fastClient(srv);
    const mini = buildEditForm({ ...base, model: 'gpt-image-1-mini', images: [{ bytes: png, mime: 'image/png' }] });
    const smuggled = { ...mini, fields: { ...mini.fields, input_fidelity: 'high' as const } };
    expect((await appErrorOf(() => client.edit(smuggled))).params).toMatchObject({ field: 'input_fidelity' });
    expect(srv.state.requests).toHaveLength(0);
  });
});

describe('errors', () => {
  it('moderation_blocked → provider_rejected with the provider message and moderation details', async () => {
    const { client, retries } = fastClient(srv);
    const e = await appErrorOf(() => client.generate(gen({}, 'gpt-image-2', 'a scene [[blocked]]')));
    expect(e).toMatchObject({ code: 'provider_rejected', status: 400, retryable: false });
    expect(e.providerMessage).toMatch(/rejected by the safety system/);
    expect(e.params).toMatchObject({ reason: 'moderation_blocked' });
    expect(e.details).toEqual({ moderation_stage: ['input'], categories: ['violence'] });
    expect(retries).toHaveLength(0);
  });

  it('400 with param → details keyed by param', async () => {
    srv.state.inject('generations', { kind: 'status', status: 400, body: { error: { message: "Invalid value: 'x'.", type: 'invalid_request_error', param: 'size', code: 'invalid_value' } } });
    const e = await appErrorOf(() => fastClient(srv).client.generate(gen()));
    expect(e).toMatchObject({ code: 'provider_rejected', status: 400, details: { size: ["Invalid value: 'x'."] }, params: { reason: 'invalid_value', field: 'size' } });
  });

  it.each([
    [401, 'provider_auth'],
    [403, 'provider_forbidden'],
    [404, 'provider_not_found'],
    [409, 'provider_conflict'],
    [422, 'provider_rejected'],
    [500, 'provider_unavailable'],
    [502, 'provider_unavailable'],
    [503, 'provider_unavailable'],
  ])('injected %i → %s, exactly one POST (no retry)', async (status, code) => {
    srv.state.inject('generations', { kind: 'status', status }, { times: 5 });
    const { client, retries } = fastClient(srv);
    const e = await appErrorOf(() => client.generate(gen()));
    expect(e.code).toBe(code);
    expect(e.status).toBe(status);
    expect(srv.state.requestsTo('generations')).toHaveLength(1);
    expect(retries).toHaveLength(0);
  });

  it('genuine 401 (wrong key) never echoes the key; genuine 403 (unverified organization)', async () => {
    const wrong = await appErrorOf(() => fastClient(srv, { apiKey: 'sk-wrong-secret-123' }).client.generate(gen()));
    expect(wrong).toMatchObject({ code: 'provider_auth', status: 401, params: { reason: 'invalid_api_key' } });
    expect(JSON.stringify(wrong.toShape())).not.toContain('sk-wrong-secret-123');
    expect(wrong.message).not.toContain('sk-wrong-secret-123');
    const forbidden = await appErrorOf(() => fastClient(srv, { apiKey: UNVERIFIED_KEY }).client.generate(gen()));
    expect(forbidden).toMatchObject({ code: 'provider_forbidden', status: 403 });
    expect(forbidden.providerMessage).toMatch(/must be verified/);
  });

  it('a 5xx after the server made the images is still not resent (it would be paid twice)', async () => {
    srv.state.inject('edits', { kind: 'status', status: 500 }, { after: true });
    const { client } = fastClient(srv);
    const png = await solidImage({ r: 9, g: 9, b: 9 });
    const e = await appErrorOf(() => client.edit(buildEditForm({ model: 'gpt-image-1', prompt: 'x', params: { quality: 'low' }, images: [{ bytes: png, mime: 'image/png' }] })));
    expect(e).toMatchObject({ code: 'provider_unavailable', retryable: true });
    expect(srv.state.requestsTo('edits')).toHaveLength(1);
    expect(srv.state.imagesGenerated).toBe(1);
  });

  it('429 is retried after retry-after-ms, then succeeds: two POSTs', async () => {
    srv.state.inject('generations', { kind: 'status', status: 429, retryAfterMs: 30 });
    const { client, retries } = fastClient(srv);
    const res = await client.generate(gen());
    expect(res.outputs).toHaveLength(1);
    expect(srv.state.requestsTo('generations').map((r) => r.status)).toEqual([429, 200]);
    expect(retries).toEqual([expect.objectContaining({ method: 'POST', path: '/v1/images/generations', attempt: 1, delayMs: 30 })]);
    expect(retries[0]?.error.code).toBe('rate_limited');
  });

  it('429 Retry-After in seconds is honoured; edits are retried on 429 too', async () => {
    srv.state.inject('edits', { kind: 'status', status: 429, retryAfterSeconds: 0 });
    const slept: number[] = [];
    const { client } = fastClient(srv, { sleep: async (ms) => void slept.push(ms) });
    const png = await solidImage({ r: 9, g: 9, b: 9 });
    await client.edit(buildEditForm({ model: 'gpt-image-1', prompt: 'x', params: { quality: 'low' }, images: [{ bytes: png, mime: 'image/png' }] }));
    expect(slept).toEqual([0]);
    // The multipart body was rebuilt for the second attempt: the server received the image both times.
    const bodies = srv.state.requestsTo('edits').map((r) => (r.body as { images?: unknown[] } | undefined)?.images?.length ?? 'not parsed');
    expect(bodies[1]).toBe(1);
  });

  it('429 until retries run out → rate_limited with retryAfterMs after 1 + 2 POSTs', async () => {
    srv.state.inject('generations', { kind: 'status', status: 429, retryAfterMs: 5 }, { times: 10 });
    const e = await appErrorOf(() => fastClient(srv).client.generate(gen()));
    expect(e).toMatchObject({ code: 'rate_limited', retryable: true, retryAfterMs: 5, params: { retryAfterMs: 5 } });
    expect(srv.state.requestsTo('generations')).toHaveLength(3);
  });

  it('429 asking for longer than maxRetryAfterMs is thrown at once for the engine to schedule', async () => {
    srv.state.inject('generations', { kind: 'status', status: 429, retryAfterSeconds: 3600 });
    const e = await appErrorOf(() => fastClient(srv).client.generate(gen()));
    expect(e).toMatchObject({ code: 'rate_limited', retryAfterMs: 3_600_000 });
    expect(srv.state.requestsTo('generations')).toHaveLength(1);
  });

  it('429 insufficient_quota → insufficient_credits, not retried', async () => {
    const { client, retries } = fastClient(srv, { apiKey: NOQUOTA_KEY });
    const e = await appErrorOf(() => client.generate(gen()));
    expect(e).toMatchObject({ code: 'insufficient_credits', status: 429, retryable: false });
    expect(retries).toHaveLength(0);
    expect(srv.state.requestsTo('generations')).toHaveLength(1);
  });

  it('a dropped connection → network, one POST', async () => {
    srv.state.inject('generations', { kind: 'drop' }, { times: 3 });
    const e = await appErrorOf(() => fastClient(srv).client.generate(gen()));
    expect(e).toMatchObject({ code: 'network', retryable: true });
    expect(srv.state.requestsTo('generations')).toHaveLength(1);
  });

  it('a reply slower than the timeout → timeout, one POST', async () => {
    srv.state.inject('generations', { kind: 'slow', delayMs: 1_500 }, { times: 3 });
    const e = await appErrorOf(() => fastClient(srv, { timeoutMs: 300 }).client.generate(gen()));
    expect(e).toMatchObject({ code: 'timeout', retryable: true });
    expect(e.message).toMatch(/300 ms/);
    expect(srv.state.requestsTo('generations')).toHaveLength(1);
  });

  it('the default timeout is 5 minutes', () => {
    expect(new OpenAiClient({ apiKey: KEY })['timeoutMs']).toBe(300_000);
  });

  it.each([
    [{ kind: 'html' as const }, 'provider_bad_response'],
    [{ kind: 'html' as const, status: 502 }, 'provider_unavailable'],
    [{ kind: 'malformedJson' as const }, 'provider_bad_response'],
    [{ kind: 'json' as const, body: { created: 1, data: [] } }, 'provider_bad_response'],
    [{ kind: 'json' as const, body: { created: 1, data: [{ url: 'http://127.0.0.1/x.png' }] } }, 'provider_bad_response'],
    [{ kind: 'badImage' as const }, 'provider_bad_response'],
  ])('%j → %s', async (fault, code) => {
    srv.state.inject('generations', fault);
    const e = await appErrorOf(() => fastClient(srv).client.generate(gen()));
    expect(e.code).toBe(code);
    expect(srv.state.requestsTo('generations')).toHaveLength(1);
  });

  it('the caller’s signal → canceled', async () => {
    srv.state.inject('generations', { kind: 'slow', delayMs: 1_000 });
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 100);
    const e = await appErrorOf(() => fastClient(srv).client.generate(gen(), { signal: ac.signal }));
    expect(e.code).toBe('canceled');
  });
});

describe('models and helpers', () => {
  it('GET /models lists ids; a 503 there is retried (idempotent)', async () => {
    srv.state.inject('models', { kind: 'status', status: 503 });
    const { client, retries } = fastClient(srv);
    const ids = await client.listModels();
    expect(ids).toEqual(expect.arrayContaining(['gpt-image-2', 'gpt-image-1.5', 'gpt-image-1', 'gpt-image-1-mini']));
    expect(srv.state.requestsTo('models').map((r) => r.status)).toEqual([503, 200]);
    expect(retries).toHaveLength(1);
  });

  it('retryAfterOf prefers retry-after-ms, then Retry-After seconds or date', () => {
    expect(retryAfterOf({ 'retry-after-ms': '1500', 'retry-after': '9' })).toBe(1500);
    expect(retryAfterOf({ 'retry-after': '2' })).toBe(2000);
    expect(retryAfterOf({ 'retry-after': new Date(10_000).toUTCString() }, 4_000)).toBe(6000);
    expect(retryAfterOf({ 'retry-after': 'soon' })).toBeUndefined();
    expect(retryAfterOf({})).toBeUndefined();
  });

  it('errorFromReply reads the compatible `{ error: "text" }` shape and maps by status without JSON', () => {
    expect(errorFromReply(400, {}, '{"error":"model not loaded"}')).toMatchObject({ code: 'provider_rejected', providerMessage: 'model not loaded' });
    expect(errorFromReply(504, {}, '<html>gateway timeout</html>')).toMatchObject({ code: 'provider_unavailable', providerMessage: undefined });
    expect(errorFromReply(501, {}, '')).toMatchObject({ code: 'provider_unavailable', retryable: false });
    expect(errorFromReply(418, {}, '')).toMatchObject({ code: 'provider_rejected' });
  });

  it('decodeImage refuses non-base64 and non-images', async () => {
    expect(() => decodeImage('***', 0)).toThrow(/not base64/);
    expect(() => decodeImage(Buffer.from('hello world').toString('base64'), 0)).toThrow(/not a PNG/);
    const png = await solidImage({ r: 1, g: 2, b: 3 });
    expect(decodeImage(Buffer.from(png).toString('base64'), 0).mime).toBe('image/png');
  });
});
