/**
 * The Apiframe test server's own contract: it refuses what the OpenAPI file refuses (proved with raw requests),
 * answers in the spec's shapes, and behaves like Apiframe on auth, ids, uploads, CDN, idempotency and expiry.
 * Plus: whatever the client builds from any valid parameters is accepted by the spec's validator.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import sharp from 'sharp';
import { FormData, request } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildGenerateBody, GenerateImageBody } from '../../src/main/services/providers/apiframe/client';
import { ApiframeGptImage15Params, ApiframeGptImage2Params } from '../../src/shared/capabilities';
import { apiframeSpecValidators } from '../servers/apiframe/spec';
import { resultSize, type ApiframeTestServer } from '../servers/apiframe/server';
import { INACTIVE_KEY, KEY, OTHER_KEY, raw, solidImage, startServer } from './apiframe-helpers';

let srv: ApiframeTestServer;
const auth = { 'x-api-key': KEY };
const spec = apiframeSpecValidators();

beforeAll(async () => {
  srv = await startServer();
});
afterAll(async () => {
  await srv.close();
});
afterEach(() => {
  expect(srv.state.responseViolations).toEqual([]);
  srv.state.resetLog();
});

const generate = (json: unknown, headers: Record<string, string> = {}) =>
  raw(srv, 'POST', '/v2/images/generate', { headers: { ...auth, ...headers }, json });

describe('request validation against the OpenAPI file', () => {
  const cases: Array<{ name: string; body: unknown; key: string; message: RegExp }> = [
    {
      name: 'webhook_url (the marketing pages’ spelling) on gpt-image-2',
      body: { model: 'gpt-image-2', prompt: 'x', webhook_url: 'https://example.com/h' },
      key: 'webhook_url',
      message: /Unrecognized key/,
    },
    {
      name: 'moderation on gpt-image-1.5',
      body: { model: 'gpt-image-1.5', prompt: 'x', gptImageParams: { moderation: 'low' } },
      key: 'gptImageParams.moderation',
      message: /Unrecognized key/,
    },
    {
      name: 'gpt-image-1.5 params under the gpt-image-2 key',
      body: { model: 'gpt-image-1.5', prompt: 'x', gptImage2Params: { quality: 'low' } },
      key: 'gptImage2Params',
      message: /Unrecognized key/,
    },
    {
      name: 'aspect_ratio 16:9',
      body: { model: 'gpt-image-2', prompt: 'x', gptImage2Params: { aspect_ratio: '16:9' } },
      key: 'gptImage2Params.aspect_ratio',
      message: /Invalid enum value.*received '16:9'/,
    },
    {
      name: 'transparent background on gpt-image-2',
      body: { model: 'gpt-image-2', prompt: 'x', gptImage2Params: { background: 'transparent' } },
      key: 'gptImage2Params.background',
      message: /Invalid enum value/,
    },
    {
      name: 'input_images as a single string (the marketing pages’ shape)',
      body: { model: 'gpt-image-2', prompt: 'x', gptImage2Params: { input_images: 'https://example.com/a.png' } },
      key: 'gptImage2Params.input_images',
      message: /Expected array \| null, received string/,
    },
    {
      name: 'input_images entry that is not a URI',
      body: { model: 'gpt-image-2', prompt: 'x', gptImage2Params: { input_images: ['a b c'] } },
      key: 'gptImage2Params.input_images.0',
      message: /Invalid url/,
    },
    {
      name: 'number_of_images 11',
      body: { model: 'gpt-image-2', prompt: 'x', gptImage2Params: { number_of_images: 11 } },
      key: 'gptImage2Params.number_of_images',
      message: /less than or equal to 10/,
    },
    { name: 'empty prompt', body: { model: 'gpt-image-2', prompt: '' }, key: 'prompt', message: /at least 1/ },
    { name: 'prompt of 2001 characters', body: { model: 'gpt-image-2', prompt: 'p'.repeat(2001) }, key: 'prompt', message: /at most 2000/ },
    { name: 'missing prompt', body: { model: 'gpt-image-2' }, key: 'prompt', message: /Required/ },
    { name: 'unknown model', body: { model: 'gpt-image-3', prompt: 'x' }, key: 'model', message: /Invalid discriminator value/ },
    {
      name: 'webhookEvents empty',
      body: { model: 'gpt-image-2', prompt: 'x', webhookUrl: 'https://example.com/h', webhookEvents: [] },
      key: 'webhookEvents',
      message: /at least 1/,
    },
  ];

  for (const c of cases) {
    it(`400 for ${c.name}`, async () => {
      const created = srv.state.jobsCreated;
      const res = await generate(c.body, { 'idempotency-key': crypto.randomUUID() });
      expect(res.status).toBe(400);
      expect(spec.response('ValidationError', res.body)).toEqual([]);
      const details = (res.body as { details: Record<string, string[]> }).details;
      expect(Object.keys(details)).toContain(c.key);
      expect(details[c.key]?.join(' ')).toMatch(c.message);
      expect(srv.state.jobsCreated).toBe(created);
    });
  }

  it('the same bodies, fixed, are accepted (so the 400s above are about the field, not the request)', async () => {
    for (const body of [
      { model: 'gpt-image-2', prompt: 'x', gptImage2Params: { aspect_ratio: '3:2', moderation: 'low', number_of_images: 10 } },
      { model: 'gpt-image-1.5', prompt: 'x', gptImageParams: { background: 'transparent', input_fidelity: 'high' } },
      { model: 'gpt-image-2', prompt: 'p'.repeat(2000), gptImage2Params: { input_images: null } },
      // webhook fields are valid per the spec (the client just never sends them)
      { model: 'gpt-image-2', prompt: 'x', webhookUrl: 'https://example.com/h', webhookEvents: ['completed'] },
    ]) {
      const res = await generate(body);
      expect(res.status, JSON.stringify(res.body)).toBe(202);
      expect(spec.response('JobAccepted', res.body)).toEqual([]);
    }
  });

  it('malformed JSON and a text body answer 400 in the spec’s envelopes', async () => {
    const bad = await raw(srv, 'POST', '/v2/images/generate', {
      headers: { ...auth, 'content-type': 'application/json' },
      body: '{"model": "gpt-image-2", ',
    });
    expect(bad.status).toBe(400);
    expect(spec.response('ErrorResponse', bad.body)).toEqual([]);
    const text = await raw(srv, 'POST', '/v2/images/generate', { headers: { ...auth, 'content-type': 'text/plain' }, body: 'hi' });
    expect(text.status).toBe(400);
    expect(spec.response('ValidationError', text.body)).toEqual([]);
    expect((text.body as { details: Record<string, string[]> }).details['(root)']).toEqual(['Expected object, received string']);
  });

  it('Idempotency-Key longer than 255 characters → 400', async () => {
    const res = await generate({ model: 'gpt-image-2', prompt: 'x' }, { 'idempotency-key': 'k'.repeat(256) });
    expect(res.status).toBe(400);
  });
});

describe('the response validators can fail (they are not vacuous)', () => {
  it('rejects a Job missing required fields, a JobAccepted with a bad status, an Upload without a URI', () => {
    expect(spec.response('Job', { id: crypto.randomUUID(), status: 'COMPLETED' })).not.toEqual([]);
    expect(spec.response('JobAccepted', { jobId: crypto.randomUUID(), status: 'CANCELLED' })).not.toEqual([]);
    expect(
      spec.response('Upload', { id: crypto.randomUUID(), url: 'not a uri', kind: 'image', contentType: 'image/png', byteSize: 1, expiresAt: new Date().toISOString() }),
    ).not.toEqual([]);
    expect(spec.response('InsufficientCredits', { error: 'Insufficient credits', creditsRequired: -1, creditsAvailable: 0 })).not.toEqual([]);
    expect(spec.response('Me', { user: { id: 'x', email: 'a@b.c', role: 'OWNER' }, team: null })).not.toEqual([]);
  });
});

describe('replies in the spec’s shapes', () => {
  it('a whole job’s life validates as JobAccepted / Job, and /v2/me as Me', async () => {
    const acc = await generate({ model: 'gpt-image-2', prompt: 'shapes', gptImage2Params: { number_of_images: 2 } });
    expect(acc.status).toBe(202);
    const id = (acc.body as { jobId: string }).jobId;
    for (const step of [0, 400, 700, 24 * 60 * 60 * 1000]) {
      srv.state.advance(step);
      for (const shape of ['images', 'string'] as const) {
        srv.state.config.resultShape = shape;
        const job = await raw(srv, 'GET', `/v2/jobs/${id}`, { headers: auth });
        expect(job.status).toBe(200);
        expect(spec.response('Job', job.body)).toEqual([]);
      }
    }
    srv.state.config.resultShape = 'images';
    const me = await raw(srv, 'GET', '/v2/me', { headers: auth });
    expect(spec.response('Me', me.body)).toEqual([]);
  });

  it('auth and id errors: 401 missing, 401 unknown, 403 inactive, 400 non-UUID, 404 other owner, 404 unknown route', async () => {
    const { jobId } = (await generate({ model: 'gpt-image-2', prompt: 'owned' })).body as { jobId: string };
    const checks: Array<[Promise<{ status: number; body: unknown }>, number]> = [
      [raw(srv, 'GET', '/v2/me'), 401],
      [raw(srv, 'GET', '/v2/me', { headers: { 'x-api-key': 'afk_unknown' } }), 401],
      [raw(srv, 'GET', '/v2/me', { headers: { 'x-api-key': INACTIVE_KEY } }), 403],
      [raw(srv, 'GET', '/v2/jobs/1234', { headers: auth }), 400],
      [raw(srv, 'GET', `/v2/jobs/${jobId}`, { headers: { 'x-api-key': OTHER_KEY } }), 404],
      [raw(srv, 'GET', `/v2/jobs/${crypto.randomUUID()}`, { headers: auth }), 404],
      [raw(srv, 'GET', '/v2/nothing-here', { headers: auth }), 404],
    ];
    for (const [p, status] of checks) {
      const res = await p;
      expect(res.status).toBe(status);
      expect(spec.response('ErrorResponse', res.body)).toEqual([]);
    }
  });
});

describe('idempotency on the server', () => {
  it('key order in the body does not matter; a changed value does (409); 24 h later the key is fresh', async () => {
    const idem = { 'idempotency-key': `idem-${crypto.randomUUID()}` };
    const a = await generate({ model: 'gpt-image-2', prompt: 'k', gptImage2Params: { quality: 'low', aspect_ratio: '1:1' } }, idem);
    const b = await generate({ gptImage2Params: { aspect_ratio: '1:1', quality: 'low' }, prompt: 'k', model: 'gpt-image-2' }, idem);
    expect((b.body as { jobId: string }).jobId).toBe((a.body as { jobId: string }).jobId);
    const c = await generate({ model: 'gpt-image-2', prompt: 'k', gptImage2Params: { quality: 'high', aspect_ratio: '1:1' } }, idem);
    expect(c.status).toBe(409);
    expect(spec.response('ErrorResponse', c.body)).toEqual([]);
    const created = srv.state.jobsCreated;
    srv.state.advance(24 * 60 * 60 * 1000 + 1);
    const d = await generate({ model: 'gpt-image-2', prompt: 'k', gptImage2Params: { quality: 'high', aspect_ratio: '1:1' } }, idem);
    expect(d.status).toBe(202);
    expect(srv.state.jobsCreated).toBe(created + 1);
  });

  it('keys are per API key: the same Idempotency-Key under another key is another job', async () => {
    const idem = { 'idempotency-key': `shared-${crypto.randomUUID()}` };
    const body = { model: 'gpt-image-2', prompt: 'per key' };
    const a = await generate(body, idem);
    const b = await raw(srv, 'POST', '/v2/images/generate', { headers: { 'x-api-key': OTHER_KEY, ...idem }, json: body });
    expect((b.body as { jobId: string }).jobId).not.toBe((a.body as { jobId: string }).jobId);
  });
});

describe('uploads and CDN', () => {
  async function upload(bytes: Uint8Array, type = 'image/png', field = 'file') {
    const form = new FormData();
    form.append(field, new Blob([bytes as Uint8Array<ArrayBuffer>], { type }), 'f.bin');
    const res = await request(`${srv.url}/v2/uploads`, { method: 'POST', headers: auth, body: form });
    return { status: res.statusCode, body: (await res.body.json()) as Record<string, unknown> };
  }

  it('sniffs PNG/JPEG/WebP/GIF regardless of the declared type, serves the bytes back, and lapses at expiresAt', async () => {
    for (const f of ['png', 'jpeg', 'webp', 'gif'] as const) {
      const bytes = await solidImage({ r: 1, g: 2, b: 3 }, f);
      const res = await upload(bytes, 'application/octet-stream');
      expect(res.status).toBe(201);
      expect(spec.response('Upload', res.body)).toEqual([]);
      expect(res.body['contentType']).toBe(`image/${f}`);
      expect(res.body['byteSize']).toBe(bytes.length);
      const back = await request(res.body['url'] as string);
      expect(Buffer.from(await back.body.arrayBuffer()).equals(Buffer.from(bytes))).toBe(true);
    }
    const last = await upload(await solidImage({ r: 1, g: 2, b: 3 }));
    srv.state.advance(Date.parse(last.body['expiresAt'] as string) - srv.state.now());
    expect((await request(last.body['url'] as string)).statusCode).toBe(404);
  });

  it('refuses a non-image, an SVG, a missing file field, and a file over 25 MB (400 ValidationError)', async () => {
    const svg = new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg"/>');
    const big = new Uint8Array(25 * 1024 * 1024 + 1);
    big.set(await solidImage({ r: 0, g: 0, b: 0 }));
    const results = [
      await upload(new TextEncoder().encode('plain text')),
      await upload(svg, 'image/svg+xml'),
      await upload(await solidImage({ r: 0, g: 0, b: 0 }), 'image/png', 'image'),
      await upload(big),
    ];
    for (const r of results) {
      expect(r.status).toBe(400);
      expect(spec.response('ValidationError', r.body)).toEqual([]);
    }
    expect(results[3]?.body['error']).toBe('File too large');
  });

  it('results are real images in the requested format and aspect; unknown or unfinished results are 404', async () => {
    for (const [format, aspect] of [['png', '3:2'], ['jpeg', '2:3'], ['webp', '1:1']] as const) {
      const acc = await generate({ model: 'gpt-image-2', prompt: 'render', gptImage2Params: { output_format: format, aspect_ratio: aspect } });
      const id = (acc.body as { jobId: string }).jobId;
      const ext = format === 'jpeg' ? 'jpg' : format;
      expect((await request(`${srv.url}/cdn/${id}-1.${ext}`)).statusCode).toBe(404); // not finished yet
      srv.state.advance(1_000);
      const res = await request(`${srv.url}/cdn/${id}-1.${ext}`);
      expect(res.headers['content-type']).toBe(`image/${format}`);
      const meta = await sharp(Buffer.from(await res.body.arrayBuffer())).metadata();
      expect(meta.format).toBe(format);
      const size = resultSize(aspect, 256);
      expect([meta.width, meta.height]).toEqual([size.width, size.height]);
      expect((await request(`${srv.url}/cdn/${id}-2.${ext}`)).statusCode).toBe(404); // only one image
    }
  });

  it('transparent background on gpt-image-1.5 PNG renders with alpha', async () => {
    const acc = await generate({ model: 'gpt-image-1.5', prompt: 'alpha', gptImageParams: { background: 'transparent', output_format: 'png' } });
    srv.state.advance(1_000);
    const res = await request(`${srv.url}/cdn/${(acc.body as { jobId: string }).jobId}-1.png`);
    const bytes = Buffer.from(await res.body.arrayBuffer());
    const { data } = await sharp(bytes).ensureAlpha().extract({ left: 200, top: 50, width: 1, height: 1 }).raw().toBuffer({ resolveWithObject: true });
    expect(data[3]).toBe(0);
  });
});

describe('the client never builds a body the spec refuses (property)', () => {
  const url = fc.webUrl({ withQueryParameters: true, withFragments: false }).filter((u) => /^https?:\/\/[\x21-\x7e]+$/.test(u));
  const prompt = fc.string({ minLength: 1, maxLength: 2000, unit: 'grapheme' }).filter((s) => s.length <= 2000);
  const q = fc.constantFrom('low', 'medium', 'high', 'auto');
  const ar = fc.constantFrom('1:1', '3:2', '2:3');
  const fmt = fc.constantFrom('png', 'jpeg', 'webp');
  const n = fc.integer({ min: 1, max: 10 });
  const p2 = fc.record(
    { quality: q, aspect_ratio: ar, output_format: fmt, background: fc.constantFrom('auto', 'opaque'), moderation: fc.constantFrom('auto', 'low'), number_of_images: n },
    { requiredKeys: [] },
  );
  const p15 = fc.record(
    { quality: q, aspect_ratio: ar, output_format: fmt, background: fc.constantFrom('auto', 'transparent', 'opaque'), input_fidelity: fc.constantFrom('low', 'high'), number_of_images: n },
    { requiredKeys: [] },
  );

  it('buildGenerateBody(valid params, any prompt, any http URLs) is valid per GenerateImageRequest', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.record({ model: fc.constant('gpt-image-2' as const), params: p2 }),
          fc.record({ model: fc.constant('gpt-image-1.5' as const), params: p15 }),
        ),
        prompt,
        fc.array(url, { maxLength: 4 }),
        (m, text, images) => {
          // params as the engine passes them: parsed by the capability schema (defaults filled)
          const params = m.model === 'gpt-image-2' ? ApiframeGptImage2Params.parse(m.params) : ApiframeGptImage15Params.parse(m.params);
          const body = buildGenerateBody({ model: m.model, prompt: text, params, inputImages: images });
          const v = spec.generate(body);
          if (!v.valid) throw new Error(JSON.stringify(v.details));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('anything the client’s wire schema accepts, the spec accepts (near-valid random bodies)', () => {
    const anyValue = fc.oneof(fc.string({ maxLength: 8 }), fc.integer({ min: -2, max: 12 }), fc.constant(null), q, ar, fmt, fc.constantFrom('transparent', 'opaque', 'low', 'high'));
    const params = fc.dictionary(
      fc.constantFrom('quality', 'aspect_ratio', 'output_format', 'background', 'moderation', 'input_fidelity', 'number_of_images', 'input_images', 'size'),
      fc.oneof(anyValue, fc.array(fc.oneof(url, fc.string({ maxLength: 6 })), { maxLength: 2 })),
    );
    let accepted = 0;
    fc.assert(
      fc.property(
        fc.constantFrom('gpt-image-2', 'gpt-image-1.5', 'gpt-image-1'),
        fc.constantFrom('gptImage2Params', 'gptImageParams'),
        params,
        fc.oneof(fc.constant(undefined), fc.constantFrom('webhookUrl', 'webhook_url')),
        (model, key, p, extra) => {
          const body: Record<string, unknown> = { model, prompt: 'x', [key]: p };
          if (extra) body[extra] = 'https://example.com/hook';
          if (GenerateImageBody.safeParse(body).success) {
            accepted += 1;
            expect(spec.generate(body)).toEqual({ valid: true });
          }
        },
      ),
      { numRuns: 2_000 },
    );
    // The property says something only if the client accepts a fair share of these bodies.
    expect(accepted).toBeGreaterThan(20);
  });
});

describe('CLI', () => {
  it('starts standalone, prints its URL, takes keys and job duration from the environment, stops on SIGTERM', async () => {
    const cli = fileURLToPath(new URL('../servers/apiframe/cli.ts', import.meta.url));
    const tsx = fileURLToPath(new URL('../../node_modules/.bin/tsx', import.meta.url));
    const child = spawn(tsx, [cli, '--port', '0'], {
      env: { ...process.env, APIFRAME_TEST_KEYS: 'afk_cli_a,afk_cli_b=5,afk_cli_c:inactive', APIFRAME_TEST_JOB_MS: '200' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let out = '';
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no URL printed; got ${out}`)), 20_000);
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          const m = /^APIFRAME_TEST_SERVER_URL=(http:\/\/127\.0\.0\.1:\d+)$/m.exec(out);
          if (m) {
            clearTimeout(timer);
            resolve(m[1] as string);
          }
        });
        child.once('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
      });
      const me = async (key: string) => {
        const r = await request(`${url}/v2/me`, { headers: { 'x-api-key': key } });
        return { status: r.statusCode, body: (await r.body.json()) as { team?: { credits: number } } };
      };
      expect((await me('afk_cli_a')).status).toBe(200);
      expect((await me('afk_cli_b')).body.team?.credits).toBe(5);
      expect((await me('afk_cli_c')).status).toBe(403);
      expect((await me('afk_test_key_0001')).status).toBe(401);

      const gen = await request(`${url}/v2/images/generate`, {
        method: 'POST',
        headers: { 'x-api-key': 'afk_cli_a', 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'gpt-image-2', prompt: 'cli' }),
      });
      const { jobId } = (await gen.body.json()) as { jobId: string };
      await new Promise((r) => setTimeout(r, 300));
      const job = await request(`${url}/v2/jobs/${jobId}`, { headers: { 'x-api-key': 'afk_cli_a' } });
      expect(((await job.body.json()) as { status: string }).status).toBe('COMPLETED');

      // control API: inject a fault out of process, read counters
      await request(`${url}/__control/faults`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ route: 'me', fault: { kind: 'status', status: 503 } }),
      }).then((r) => r.body.dump());
      expect((await me('afk_cli_a')).status).toBe(503);
      const st = await request(`${url}/__control/state`);
      const state = (await st.body.json()) as { jobsCreated: number; requests: Array<{ headers: Record<string, string> }> };
      expect(state.jobsCreated).toBe(1);
      expect(JSON.stringify(state.requests)).not.toContain('afk_cli_a'); // keys redacted
    } finally {
      child.kill('SIGTERM');
      if (child.exitCode === null) await once(child, 'exit');
    }
  });
});
