/**
 * The OpenAI ProviderAdapter against the test server: generations vs edits, the synchronous completed status with
 * usage and USD, poll/fetchOutput/account, no resubmission on 5xx, and an OpenAI-compatible endpoint with its own
 * model names.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createOpenAiAdapter, type OpenAiAdapter } from '../../src/main/services/providers/openai/adapter';
import type { ProviderContext, SubmitRequest } from '../../src/main/services/providers/types';
import { costFromUsage, PRICES_TAKEN } from '../../src/shared/providers/openai';
import type { ModelId } from '../../src/shared/capabilities';
import type { OpenAiTestServer } from '../servers/openai/server';
import { KEY, appErrorOf, imageInfo, maskPng, pixelAt, solidImage, startServer } from './openai-helpers';

let srv: OpenAiTestServer;
let adapter: OpenAiAdapter;
let ctx: ProviderContext;

beforeAll(async () => {
  srv = await startServer();
  adapter = createOpenAiAdapter({ id: 'openai', backoffBaseMs: 5, backoffCapMs: 20, timeoutMs: 10_000 });
  ctx = { apiKey: KEY, baseUrl: srv.baseUrl };
});
afterAll(async () => {
  await srv.close();
});
afterEach(() => {
  srv.state.resetLog();
});

function req(over: Partial<SubmitRequest> = {}): SubmitRequest {
  return {
    model: 'gpt-image-1',
    prompt: 'a red bicycle',
    params: { quality: 'low' },
    referenceUrls: [],
    references: [],
    idempotencyKey: 'job-1',
    ...over,
  };
}

async function ref(rgb: { r: number; g: number; b: number }, i = 1, w = 64, h = 64) {
  return { blobId: `blob-${i}`, name: `user-secret-name-${i}.png`, mime: 'image/png' as const, bytes: await solidImage(rgb, 'png', w, h) };
}

describe('adapter shape', () => {
  it('is synchronous and non-idempotent; references travel inline', () => {
    expect(adapter.id).toBe('openai');
    expect(adapter.idempotentSubmit).toBe(false);
    expect(adapter.uploadsReferences).toBe(false);
  });
});

describe('submit', () => {
  it('without references → generations; completed at once with inline images, credits null, usage and USD', async () => {
    const res = await adapter.submit(req({ params: { quality: 'high', size: '1536x1024', n: 2 } }), ctx);
    expect(srv.state.requestsTo('generations')).toHaveLength(1);
    expect(srv.state.requestsTo('edits')).toHaveLength(0);
    expect(res.remoteId).toMatch(/^oai_\d+_[0-9a-f]{16}$/);
    const st = res.status;
    expect(st).toMatchObject({ state: 'completed', credits: null, size: '1536x1024', quality: 'high', output_format: 'png' });
    expect(st.outputs).toHaveLength(2);
    for (const o of st.outputs) {
      if (!('bytes' in o)) throw new Error('expected bytes');
      expect(await imageInfo(o.bytes)).toMatchObject({ format: 'png', width: 1536, height: 1024 });
    }
    // Usage as the server reported it: 4160 × 1.5 × 2 output tokens; "a red bicycle" → 4 text tokens.
    expect(st.usage).toEqual({
      input_tokens: 4,
      output_tokens: 12_480,
      total_tokens: 12_484,
      input_tokens_details: { text_tokens: 4, image_tokens: 0 },
      output_tokens_details: { text_tokens: 0, image_tokens: 12_480 },
    });
    // gpt-image-1: $5 / 1M text in, $40 / 1M image out → 4·5e-6 + 12480·40e-6.
    expect(st.usd).toBeCloseTo(0.00002 + 0.4992, 9);
    expect(st.usd).toBe(costFromUsage('gpt-image-1', st.usage!));
    expect(PRICES_TAKEN).toBe('2026-11');
  });

  it('with references → edits: bytes in order as image[], neutral names, the mask for the first; usage counts input images', async () => {
    const refs = [await ref({ r: 255, g: 0, b: 0 }, 1, 96, 64), await ref({ r: 0, g: 0, b: 255 }, 2)];
    const mask = { blobId: 'mask', name: 'mask-of-user.png', mime: 'image/png' as const, bytes: await maskPng(96, 64) };
    const res = await adapter.submit(req({ model: 'gpt-image-1.5', references: refs, mask, params: { input_fidelity: 'high', quality: 'low' } }), ctx);
    const body = srv.state.requestsTo('edits')[0]?.body as { fields: Record<string, string>; images: Array<{ fileName: string; width: number }>; mask: { width: number; height: number; fileName: string } };
    expect(body.images.map((i) => [i.fileName, i.width])).toEqual([
      ['image-1.png', 96],
      ['image-2.png', 64],
    ]);
    expect(body.mask).toMatchObject({ width: 96, height: 64, fileName: 'mask.png' });
    expect(JSON.stringify(srv.state.requests)).not.toContain('user-secret-name');
    expect(body.fields['input_fidelity']).toBe('high');
    expect(res.status.usage?.input_tokens_details?.image_tokens).toBe(2 * (85 + 170));
    expect(res.status.usd).toBe(costFromUsage('gpt-image-1.5', res.status.usage!));
    const o = res.status.outputs[0];
    if (!o || !('bytes' in o)) throw new Error('expected bytes');
    expect((await pixelAt(o.bytes, 20, 20)).r).toBeGreaterThan(200);
  });

  it('sixteen references are sent; a seventeenth is refused before anything is sent', async () => {
    const refs = await Promise.all(Array.from({ length: 16 }, (_, i) => ref({ r: i * 16, g: 0, b: 0 }, i + 1)));
    const res = await adapter.submit(req({ references: refs }), ctx);
    expect(res.status.outputs).toHaveLength(1);
    expect((srv.state.requestsTo('edits')[0]?.body as { images: unknown[] }).images).toHaveLength(16);
    srv.state.resetLog();
    const e = await appErrorOf(async () => adapter.submit(req({ references: [...refs, await ref({ r: 1, g: 1, b: 1 }, 17)] }), ctx));
    expect(e.code).toBe('validation');
    expect(srv.state.requests).toHaveLength(0);
  });

  it('refuses a mask without references, params the model does not take, and a model OpenAI does not serve', async () => {
    const mask = { blobId: 'm', name: 'm.png', mime: 'image/png' as const, bytes: await maskPng(64, 64) };
    expect((await appErrorOf(() => adapter.submit(req({ mask }), ctx))).params).toMatchObject({ field: 'mask', reason: 'needs_reference' });
    expect((await appErrorOf(() => adapter.submit(req({ model: 'gpt-image-2', params: { input_fidelity: 'high' } }), ctx))).code).toBe('validation');
    expect((await appErrorOf(() => adapter.submit(req({ model: 'gpt-image-2', params: { size: '1024x1000' } }), ctx))).params).toMatchObject({ field: 'size' });
    expect((await appErrorOf(() => adapter.submit(req({ model: 'dall-e-3' as ModelId }), ctx))).params).toMatchObject({ field: 'model', reason: 'unsupported' });
    expect(srv.state.requests).toHaveLength(0);
  });

  it('gpt-image-1-mini has no prices: usage is kept, usd is null', async () => {
    const res = await adapter.submit(req({ model: 'gpt-image-1-mini' }), ctx);
    expect(res.status.usage?.output_tokens).toBe(272);
    expect(res.status.usd).toBeNull();
  });

  it('no key → no_api_key without a request', async () => {
    const e = await appErrorOf(() => adapter.submit(req(), { apiKey: null, baseUrl: srv.baseUrl }));
    expect(e).toMatchObject({ code: 'no_api_key', params: { provider: 'openai' } });
    expect(srv.state.requests).toHaveLength(0);
  });

  it('a 5xx is surfaced after exactly one POST (the engine must not resend it); a 429 is retried', async () => {
    srv.state.inject('generations', { kind: 'status', status: 503 }, { times: 3 });
    const e = await appErrorOf(() => adapter.submit(req(), ctx));
    expect(e).toMatchObject({ code: 'provider_unavailable', retryable: true });
    expect(srv.state.requestsTo('generations')).toHaveLength(1);
    srv.state.resetLog();
    srv.state.inject('generations', { kind: 'status', status: 429, retryAfterMs: 10 });
    const ok = await adapter.submit(req(), ctx);
    expect(ok.status.state).toBe('completed');
    expect(srv.state.requestsTo('generations').map((r) => r.status)).toEqual([429, 200]);
  });

  it('a moderation refusal is provider_rejected with the provider’s words', async () => {
    const e = await appErrorOf(() => adapter.submit(req({ prompt: 'x [[blocked]]' }), ctx));
    expect(e).toMatchObject({ code: 'provider_rejected', params: { reason: 'moderation_blocked' } });
    expect(e.providerMessage).toMatch(/safety system/);
  });
});

describe('poll, fetchOutput, account', () => {
  it('poll cannot work for a synchronous API: provider_not_found, not retryable, no request', async () => {
    const e = await appErrorOf(() => adapter.poll('oai_1_abcdef0123456789', ctx));
    expect(e).toMatchObject({ code: 'provider_not_found', retryable: false });
    expect(e.message).toMatch(/synchronous/);
    expect(srv.state.requests).toHaveLength(0);
  });

  it('fetchOutput returns inline bytes and refuses bytes that are not an image', async () => {
    const png = await solidImage({ r: 1, g: 2, b: 3 });
    expect(await adapter.fetchOutput({ bytes: png }, ctx)).toBe(png);
    expect((await appErrorOf(() => adapter.fetchOutput({ bytes: new TextEncoder().encode('nope') }, ctx))).code).toBe('provider_bad_response');
  });

  it('account: GET /models → credits null; a wrong key → provider_auth; OpenAI’s own 404 is an error', async () => {
    expect(await adapter.account(ctx)).toEqual({ credits: null, email: null });
    expect(srv.state.requestsTo('models')).toHaveLength(1);
    expect((await appErrorOf(() => adapter.account({ ...ctx, apiKey: 'sk-nope' }))).code).toBe('provider_auth');
    srv.state.config.modelsEndpoint = false;
    try {
      expect((await appErrorOf(() => adapter.account(ctx))).code).toBe('provider_not_found');
    } finally {
      srv.state.config.modelsEndpoint = true;
    }
  });

  it('uploadReferences is never part of this provider', async () => {
    expect((await appErrorOf(() => adapter.uploadReferences([], ctx))).code).toBe('internal');
  });
});

describe('OpenAI-compatible endpoint (LocalAI-like)', () => {
  let local: OpenAiTestServer;
  let compat: OpenAiAdapter;
  const lctx = () => ({ apiKey: null, baseUrl: local.baseUrl });

  beforeAll(async () => {
    local = await startServer({ customModels: { 'sd-3.5-local': 'gpt-image-1' }, requireAuth: false, modelsEndpoint: false });
    compat = createOpenAiAdapter({ id: 'openai-compatible', modelNames: { 'gpt-image-1': 'sd-3.5-local' }, timeoutMs: 10_000 });
  });
  afterAll(async () => {
    await local.close();
  });
  afterEach(() => {
    local.state.resetLog();
    local.state.config.outputMode = 'b64_json';
  });

  it('sends the server’s own model name, needs no key, records usage but prices nothing', async () => {
    expect(compat.id).toBe('openai-compatible');
    const res = await compat.submit(req({ params: { quality: 'medium' } }), lctx());
    const sent = local.state.requestsTo('generations')[0];
    expect(sent?.body).toMatchObject({ model: 'sd-3.5-local', quality: 'medium' });
    expect(sent?.headers['authorization']).toBeUndefined();
    expect(res.status.usage?.output_tokens).toBe(1056);
    expect(res.status.usd).toBeNull();
    expect(res.status.outputs).toHaveLength(1);
  });

  it('URL outputs are accepted and downloaded by fetchOutput', async () => {
    local.state.config.outputMode = 'url';
    const res = await compat.submit(req(), lctx());
    const out = res.status.outputs[0];
    if (!out || !('url' in out)) throw new Error('expected a url output');
    expect(out.url).toMatch(new RegExp(`^${local.url}/generated-images/[0-9a-f]{16}\\.png$`));
    const bytes = await compat.fetchOutput(out, lctx());
    expect(await imageInfo(bytes)).toMatchObject({ format: 'png', width: 1024, height: 1024 });
    expect(local.state.requestsTo('files')).toHaveLength(1);
  });

  it('the same URL reply from api.openai.com (provider openai) is refused', async () => {
    local.state.config.outputMode = 'url';
    const strict = createOpenAiAdapter({ id: 'openai', modelNames: { 'gpt-image-1': 'sd-3.5-local' } });
    const e = await appErrorOf(() => strict.submit(req(), { apiKey: 'anything', baseUrl: local.baseUrl }));
    expect(e.code).toBe('provider_bad_response');
  });

  it('account: a missing /models route (404) counts as reachable', async () => {
    expect(await compat.account(lctx())).toEqual({ credits: null, email: null });
    expect(local.state.requestsTo('models').map((r) => r.status)).toEqual([404]);
  });
});
