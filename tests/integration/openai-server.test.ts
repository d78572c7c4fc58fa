/**
 * The OpenAI test server itself, over raw HTTP (no app code): it must refuse what the API refuses, or the client
 * and adapter tests could pass against a server that accepts anything.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { OpenAiTestServer } from '../servers/openai/server';
import { KEY, editForm, errorOf, imageInfo, maskPng, raw, solidImage, startServer } from './openai-helpers';

let srv: OpenAiTestServer;

beforeAll(async () => {
  srv = await startServer();
});
afterAll(async () => {
  await srv.close();
});
afterEach(() => {
  srv.state.resetLog();
  srv.state.config.gptImage2Transparent = 'reject';
});

const gen = (json: Record<string, unknown>, key: string | null = KEY) =>
  raw(srv, 'POST', '/v1/images/generations', { json: { model: 'gpt-image-2', prompt: 'a kite', ...json }, key });

describe('generations: refusals in OpenAI envelope with param', () => {
  it.each([
    [{ foo: 1 }, 'foo', 'unknown_parameter'],
    [{ response_format: 'b64_json' }, 'response_format', 'unknown_parameter'],
    [{ n: 0 }, 'n', 'integer_below_min_value'],
    [{ n: 11 }, 'n', 'integer_above_max_value'],
    [{ n: '2' }, 'n', 'invalid_type'],
    [{ quality: 'ultra' }, 'quality', 'invalid_value'],
    [{ output_format: 'gif' }, 'output_format', 'invalid_value'],
    [{ moderation: 'off' }, 'moderation', 'invalid_value'],
    [{ output_compression: 101, output_format: 'jpeg' }, 'output_compression', 'integer_above_max_value'],
    [{ output_compression: 80, output_format: 'png' }, 'output_compression', 'invalid_value'],
    [{ model: 'gpt-image-1', background: 'transparent', output_format: 'jpeg' }, 'background', 'invalid_value'],
    [{ background: 'transparent' }, 'background', 'unsupported_value'],
    [{ model: 'gpt-image-1', size: '1024x768' }, 'size', 'invalid_value'],
    [{ prompt: 'x'.repeat(32_001) }, 'prompt', 'string_above_max_length'],
    [{ prompt: '' }, 'prompt', 'missing_required_parameter'],
  ])('%j → 400 %s (%s)', async (extra, param, code) => {
    const r = await gen(extra);
    expect(r.status).toBe(400);
    expect(errorOf(r.body)).toMatchObject({ type: 'invalid_request_error', param, code });
    expect(srv.state.imagesGenerated).toBe(0);
  });

  it('a missing model is refused (the real API would fall back to dall-e-2); an unknown one is 404 model_not_found', async () => {
    const r = await raw(srv, 'POST', '/v1/images/generations', { json: { prompt: 'x' } });
    expect(r.status).toBe(400);
    expect(errorOf(r.body).param).toBe('model');
    const u = await gen({ model: 'sd-xl' });
    expect(u.status).toBe(404);
    expect(errorOf(u.body).code).toBe('model_not_found');
  });

  it.each(['1000x1000', '1024x320', '4096x1024', '3856x2160', '3840x2176', '800x800', '1024x624', '1024X1024', '0x1024'])(
    'gpt-image-2 size %s → 400 size',
    async (size) => {
      const r = await gen({ size });
      expect(r.status).toBe(400);
      expect(errorOf(r.body).param).toBe('size');
    },
  );

  it('auth: no key → 401, wrong key → 401 invalid_api_key, unverified org → 403', async () => {
    const none = await gen({}, null);
    expect(none.status).toBe(401);
    const wrong = await gen({}, 'sk-wrong');
    expect(wrong.status).toBe(401);
    expect(errorOf(wrong.body).code).toBe('invalid_api_key');
    const unverified = await gen({}, 'sk-test-unverified-0002');
    expect(unverified.status).toBe(403);
  });
});

describe('generations: real images', () => {
  it.each([
    ['1024x640', 1024, 640],
    ['3840x1280', 1536, 512],
    ['3840x2160', 1536, 864],
    ['2880x2880', 1536, 1536],
    ['1536x864', 1536, 864],
  ])('gpt-image-2 %s (boundary) → 200, rendered %ix%i (scaled to ≤ 1536 px long edge)', async (size, w, h) => {
    const r = await gen({ size, quality: 'low' });
    expect(r.status).toBe(200);
    const body = r.body as { size: string; data: Array<{ b64_json: string }> };
    expect(body.size).toBe(size);
    const info = await imageInfo(Buffer.from(body.data[0]!.b64_json, 'base64'));
    expect(info).toMatchObject({ format: 'png', width: w, height: h });
  });

  it('format, compression, transparency, n and plausible usage', async () => {
    const r = await gen({ model: 'gpt-image-1.5', size: '1536x1024', quality: 'high', n: 2, output_format: 'webp', output_compression: 50, background: 'transparent' });
    expect(r.status).toBe(200);
    const body = r.body as { data: Array<{ b64_json: string }>; usage: Record<string, unknown>; background: string; quality: string; output_format: string };
    expect(body.data).toHaveLength(2);
    expect(body).toMatchObject({ background: 'transparent', quality: 'high', output_format: 'webp' });
    const info = await imageInfo(Buffer.from(body.data[1]!.b64_json, 'base64'));
    expect(info).toMatchObject({ format: 'webp', width: 1536, height: 1024, hasAlpha: true });
    // 4160 tokens per 1024² at high quality, × 1.5 for 1536×1024, × 2 images.
    expect(body.usage).toMatchObject({ output_tokens: 12_480, output_tokens_details: { image_tokens: 12_480, text_tokens: 0 } });
    expect(srv.state.imagesGenerated).toBe(2);
  });

  it('gpt-image-2 transparent is accepted when the scenario says so', async () => {
    srv.state.config.gptImage2Transparent = 'accept';
    const r = await gen({ background: 'transparent', quality: 'low' });
    expect(r.status).toBe(200);
  });

  it('moderation marker → 400 moderation_blocked with moderation_details', async () => {
    const r = await gen({ prompt: 'something [[blocked]]' });
    expect(r.status).toBe(400);
    const e = errorOf(r.body) as unknown as Record<string, unknown>;
    expect(e).toMatchObject({ code: 'moderation_blocked', type: 'image_generation_user_error', moderation_details: { moderation_stage: 'input' } });
  });
});

describe('edits (multipart)', () => {
  const fields = { model: 'gpt-image-1', prompt: 'make it blue', quality: 'low' };

  it('accepts image[] ×16 and a single `image`, records them in order', async () => {
    const imgs = await Promise.all(Array.from({ length: 16 }, (_, i) => solidImage({ r: i * 10, g: 0, b: 0 })));
    const r = await raw(srv, 'POST', '/v1/images/edits', { form: editForm(fields, imgs) });
    expect(r.status).toBe(200);
    const rec = srv.state.requestsTo('edits')[0]?.body as { images: Array<{ byteSize: number }> };
    expect(rec.images.map((i) => i.byteSize)).toEqual(imgs.map((b) => b.length));
    const single = await raw(srv, 'POST', '/v1/images/edits', { form: editForm(fields, [imgs[0]!], { field: 'image' }) });
    expect(single.status).toBe(200);
  });

  it.each([
    ['17 images', async () => editForm(fields, await Promise.all(Array.from({ length: 17 }, () => solidImage({ r: 1, g: 2, b: 3 })))), 'image'],
    ['no image', async () => editForm(fields, []), 'image'],
    ['a GIF', async () => editForm(fields, [await solidImage({ r: 1, g: 2, b: 3 }, 'gif')], { type: 'image/gif' }), 'image'],
    ['moderation (not an edit field)', async () => editForm({ ...fields, moderation: 'low' }, [await solidImage({ r: 1, g: 2, b: 3 })]), 'moderation'],
    ['input_fidelity on gpt-image-2', async () => editForm({ ...fields, model: 'gpt-image-2', input_fidelity: 'high' }, [await solidImage({ r: 1, g: 2, b: 3 })]), 'input_fidelity'],
    ['input_fidelity on gpt-image-1-mini', async () => editForm({ ...fields, model: 'gpt-image-1-mini', input_fidelity: 'low' }, [await solidImage({ r: 1, g: 2, b: 3 })]), 'input_fidelity'],
    ['mask of other dimensions', async () => editForm(fields, [await solidImage({ r: 1, g: 2, b: 3 }, 'png', 64)], { mask: await maskPng(32, 32) }), 'mask'],
    ['mask without alpha', async () => editForm(fields, [await solidImage({ r: 1, g: 2, b: 3 }, 'png', 64)], { mask: await maskPng(64, 64, false) }), 'mask'],
    ['n as a non-integer', async () => editForm({ ...fields, n: 'two' }, [await solidImage({ r: 1, g: 2, b: 3 })]), 'n'],
  ])('%s → 400', async (_name, make, param) => {
    const r = await raw(srv, 'POST', '/v1/images/edits', { form: await make() });
    expect(r.status).toBe(400);
    expect(errorOf(r.body).param).toBe(param);
    expect(srv.state.imagesGenerated).toBe(0);
  });

  it('input_fidelity is accepted on gpt-image-1, a matching alpha mask is accepted', async () => {
    const img = await solidImage({ r: 250, g: 0, b: 0 }, 'png', 80, 48);
    const r = await raw(srv, 'POST', '/v1/images/edits', {
      form: editForm({ ...fields, input_fidelity: 'high', n: '1' }, [img], { mask: await maskPng(80, 48) }),
    });
    expect(r.status).toBe(200);
    const rec = srv.state.requestsTo('edits')[0]?.body as { mask: { width: number; height: number } };
    expect(rec.mask).toMatchObject({ width: 80, height: 48 });
  });

  it('JSON to /edits is refused', async () => {
    const r = await raw(srv, 'POST', '/v1/images/edits', { json: { model: 'gpt-image-1', prompt: 'x' } });
    expect(r.status).toBe(400);
  });
});

describe('models and compatible mode', () => {
  it('GET /v1/models lists the models; 404 when the scenario has no such route', async () => {
    const r = await raw(srv, 'GET', '/v1/models');
    expect(r.status).toBe(200);
    expect((r.body as { data: Array<{ id: string }> }).data.map((m) => m.id)).toContain('gpt-image-2');
    srv.state.config.modelsEndpoint = false;
    try {
      expect((await raw(srv, 'GET', '/v1/models')).status).toBe(404);
    } finally {
      srv.state.config.modelsEndpoint = true;
    }
  });

  it('custom model names follow the rules of the model they map to; no-auth servers accept no key', async () => {
    const c = await startServer({ customModels: { 'sd-local': 'gpt-image-1' }, requireAuth: false });
    try {
      const ok = await raw(c, 'POST', '/v1/images/generations', { key: null, json: { model: 'sd-local', prompt: 'x', quality: 'low' } });
      expect(ok.status).toBe(200);
      const bad = await raw(c, 'POST', '/v1/images/generations', { key: null, json: { model: 'sd-local', prompt: 'x', size: '1536x864' } });
      expect(bad.status).toBe(400);
      expect(errorOf(bad.body).param).toBe('size');
    } finally {
      await c.close();
    }
  });
});
