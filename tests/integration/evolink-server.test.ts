/**
 * The EvoLink test server's own contract, proved with raw requests: it refuses what EvoLink's docs say EvoLink
 * refuses (with EvoLink's envelope naming the parameter), runs tasks on its clock, renders results at EvoLink's
 * sizes, runs the Files API with its envelope, and its size rules agree with the client's (property).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import sharp from 'sharp';
import { request } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildEvolinkCreateBody } from '../../src/main/services/providers/evolink/client';
import { EVOLINK_RATIOS, EVOLINK_RESOLUTIONS, checkEvolinkSize, evolinkPixelSize } from '../../src/shared/providers/evolink';
import { renderedSize, startEvolinkTestServer, type EvolinkTestServer } from '../servers/evolink/server';
import { KEY, NO_ACCESS_KEY, OTHER_KEY, envelopeOf, raw, rawUpload, solidImage } from './evolink-helpers';

const RICH_KEY = 'sk-evo-rich-key-0009';
let srv: EvolinkTestServer;

beforeAll(async () => {
  srv = await startEvolinkTestServer({
    keys: [KEY, OTHER_KEY, { key: NO_ACCESS_KEY, modelAccess: false }, { key: RICH_KEY, credits: 1e9 }, { key: 'sk-evo-two-files', maxFiles: 2 }],
    taskDurationMs: 1000,
    queueDelayMs: 200,
  });
});
afterAll(async () => {
  await srv.close();
});
afterEach(() => {
  expect(srv.state.responseViolations).toEqual([]);
  srv.state.resetLog();
});

const create = (json: unknown, key: string | null = RICH_KEY) => raw(srv, 'POST', '/v1/images/generations', { key, json });
const ok = { model: 'gpt-image-2', prompt: 'a quiet harbour' };

async function uploadPng(key = RICH_KEY, name = `f-${Math.random()}.png`) {
  const r = await rawUpload(srv, await solidImage({ r: 200, g: 10, b: 10 }), name, { key });
  expect(r.status).toBe(200);
  return (r.body as { data: { file_url: string; file_id: string } }).data;
}

describe('create: documented rules, EvoLink envelope naming the parameter', () => {
  it('accepts the minimal body and every documented field', async () => {
    expect((await create(ok)).status).toBe(200);
    const file = await uploadPng();
    const full = await create({
      ...ok,
      size: '3:2',
      resolution: '4K',
      quality: 'high',
      n: 10,
      image_urls: [file.file_url],
      callback_url: 'https://hooks.example.com/evolink',
    });
    expect(full.status).toBe(200);
    expect(full.body).toMatchObject({ status: 'pending', object: 'image.generation.task', type: 'image', task_info: { can_cancel: true, estimated_time: 1 } });
  });

  const refused: Array<[string, Record<string, unknown>, string, RegExp]> = [
    ['unknown field', { background: 'opaque' }, 'background', /Unknown parameter: 'background'/],
    ['Apiframe’s field name', { aspect_ratio: '1:1' }, 'aspect_ratio', /Unknown parameter/],
    ['output_format (absent on EvoLink)', { output_format: 'png' }, 'output_format', /Unknown parameter/],
    ['quality auto', { quality: 'auto' }, 'quality', /low', 'medium', 'high/],
    ['resolution 8K', { resolution: '8K' }, 'resolution', /1K/],
    ['n 0', { n: 0 }, 'n', /between 1 and 10/],
    ['n 11', { n: 11 }, 'n', /between 1 and 10/],
    ['n 1.5', { n: 1.5 }, 'n', /integer/],
    ['n as a string', { n: '2' }, 'n', /integer/],
    ['size not a string', { size: 1024 }, 'size', /string/],
    ['size 16:10', { size: '16:10' }, 'size', /Invalid size/],
    ['size not multiple of 16', { size: '1000x1000' }, 'size', /multiples of 16/],
    ['size edge over 3840', { size: '3856x1024' }, 'size', /between 16 and 3840/],
    ['size below 655,360 px', { size: '624x1024' }, 'size', /at least 655360/],
    ['size above 8,294,400 px', { size: '2896x2880' }, 'size', /at most 8294400/],
    ['size wider than 3:1', { size: '2416x800' }, 'size', /3:1/],
    ['image_urls empty', { image_urls: [] }, 'image_urls', /1 to 16/],
    ['image_urls a string', { image_urls: 'https://example.com/a.png' }, 'image_urls', /1 to 16/],
    ['image_urls 17 items', { image_urls: Array(17).fill('https://example.com/a.png') }, 'image_urls', /1 to 16/],
    ['image_urls entry not a URL', { image_urls: ['a b c'] }, 'image_urls[0]', /not a valid URL/],
    ['callback_url over http', { callback_url: 'http://hooks.example.com/x' }, 'callback_url', /HTTPS/],
    ['callback_url to a private address', { callback_url: 'https://192.168.1.10/x' }, 'callback_url', /private/],
    ['callback_url over 2048 chars', { callback_url: `https://hooks.example.com/${'a'.repeat(2040)}` }, 'callback_url', /2048/],
  ];
  for (const [name, extra, param, message] of refused) {
    it(`400 for ${name}`, async () => {
      const before = srv.state.tasksCreated;
      const r = await create({ ...ok, ...extra });
      expect(r.status).toBe(400);
      expect(envelopeOf(r.body)).toMatchObject({ code: 'invalid_parameter', type: 'invalid_request_error', param });
      expect(envelopeOf(r.body).message).toMatch(message);
      expect(srv.state.tasksCreated).toBe(before);
    });
  }

  it('model: missing → 400 naming model; another model → 400 model_not_found', async () => {
    expect(envelopeOf((await create({ prompt: 'x' })).body)).toMatchObject({ param: 'model' });
    expect(envelopeOf((await create({ ...ok, model: 'gpt-image-1' })).body)).toMatchObject({ code: 'model_not_found', param: 'model' });
  });

  it('prompt: required; 32,000 code points pass even as 64,000 UTF-16 units; 32,001 are refused', async () => {
    expect(envelopeOf((await create({ model: 'gpt-image-2' })).body).param).toBe('prompt');
    expect(envelopeOf((await create({ ...ok, prompt: '' })).body).param).toBe('prompt');
    expect((await create({ ...ok, prompt: '🦊'.repeat(32_000) })).status).toBe(200);
    const long = await create({ ...ok, prompt: '🦊'.repeat(32_001) });
    expect(long.status).toBe(400);
    expect(envelopeOf(long.body)).toMatchObject({ param: 'prompt' });
  });

  it('the 15 ratios and the exact WxH boundaries are accepted', async () => {
    for (const size of [...EVOLINK_RATIOS, 'auto', '640x1024', '2880x2880', '3840x2160', '2400x800', '800x2400', '3840x1280']) {
      const r = await create({ ...ok, size, quality: 'low' });
      expect(r.status, size).toBe(200);
    }
  });

  it('a non-JSON body → 400 invalid_json; a body over the limit → 413', async () => {
    const bad = await raw(srv, 'POST', '/v1/images/generations', { key: RICH_KEY, headers: { 'content-type': 'application/json' }, body: '{"model":' });
    expect(bad.status).toBe(400);
    expect(envelopeOf(bad.body).code).toBe('invalid_json');
    const huge = await raw(srv, 'POST', '/v1/images/generations', {
      key: RICH_KEY,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...ok, prompt: 'x'.repeat(3 * 1024 * 1024) }),
    });
    expect(huge.status).toBe(413);
    expect(envelopeOf(huge.body).code).toBe('request_too_large');
  });
});

describe('image_urls: must be fetchable', () => {
  it('own Files URLs: must exist, belong to the key and not be expired; GIF is refused', async () => {
    const mine = await uploadPng();
    expect((await create({ ...ok, image_urls: [mine.file_url] })).status).toBe(200);
    const missing = await create({ ...ok, image_urls: [mine.file_url.replace(/file_[0-9a-f]+/, 'file_000000000000000000000000')] });
    expect(envelopeOf(missing.body)).toMatchObject({ param: 'image_urls[0]' });
    expect(envelopeOf(missing.body).message).toMatch(/not found or expired/);
    const foreign = await create({ ...ok, image_urls: [mine.file_url] }, KEY);
    expect(envelopeOf(foreign.body).message).toMatch(/access denied/);

    const gifUp = await rawUpload(srv, await solidImage({ r: 1, g: 1, b: 1 }, 'gif'), 'g.gif', { key: RICH_KEY });
    const gif = (gifUp.body as { data: { file_url: string; mime_type: string } }).data;
    expect(gif.mime_type).toBe('image/gif');
    const refused = await create({ ...ok, image_urls: [gif.file_url] });
    expect(envelopeOf(refused.body)).toMatchObject({ param: 'image_urls[0]' });
    expect(envelopeOf(refused.body).message).toMatch(/JPEG, PNG or WebP/);

    srv.state.advance(72 * 3600_000 + 1);
    const expired = await create({ ...ok, image_urls: [mine.file_url] });
    expect(envelopeOf(expired.body).message).toMatch(/not found or expired/);
  });

  it('other URLs are downloaded: an image answer passes, a 404 or a non-image is refused with its index', async () => {
    const t = await create({ ...ok, quality: 'low' });
    const id = (t.body as { id: string }).id;
    srv.state.advance(1000);
    const resultUrl = `${srv.url}/cdn/results/${id}-1.png`;
    expect((await create({ ...ok, image_urls: [resultUrl] })).status).toBe(200);
    const r404 = await create({ ...ok, image_urls: [resultUrl, `${srv.url}/cdn/results/${id}-9.png`] });
    expect(envelopeOf(r404.body)).toMatchObject({ param: 'image_urls[1]' });
    expect(envelopeOf(r404.body).message).toMatch(/HTTP 404/);
    const notImage = await create({ ...ok, image_urls: [`${srv.url}/api/v1/files/quota`] });
    expect(envelopeOf(notImage.body)).toMatchObject({ param: 'image_urls[0]' });
  });
});

describe('auth', () => {
  it('missing key → 401 string code; unknown key → 401 numeric code; no model access → 403 with a suggestion', async () => {
    const none = await create(ok, null);
    expect(none.status).toBe(401);
    expect(envelopeOf(none.body)).toMatchObject({ code: 'unauthorized', type: 'authentication_error' });
    const wrong = await create(ok, 'sk-evo-unknown');
    expect(wrong.status).toBe(401);
    expect(envelopeOf(wrong.body).code).toBe(401);
    const denied = await create(ok, NO_ACCESS_KEY);
    expect(denied.status).toBe(403);
    expect(denied.body).toMatchObject({ error: { code: 'model_access_denied', fallback_suggestion: expect.any(String) } });
  });

  it('Files API answers auth failures in its own envelope', async () => {
    const r = await raw(srv, 'GET', '/api/v1/files/quota', { key: null });
    expect(r).toMatchObject({ status: 401, body: { success: false, code: 401, data: null } });
  });
});

describe('tasks', () => {
  it('bad ids → 400 invalid_task_id (no type, as in the docs); unknown or foreign → 404', async () => {
    for (const id of ['123', 'task-123', 'task-unified-abc']) {
      const r = await raw(srv, 'GET', `/v1/tasks/${id}`, { key: RICH_KEY });
      expect(r.status, id).toBe(400);
      expect(r.body).toEqual({ error: { code: 'invalid_task_id', message: "Invalid task ID format, must start with 'task-unified-'" } });
    }
    expect((await raw(srv, 'GET', '/v1/tasks/task-unified-1757156493-aaaaaaaa', { key: RICH_KEY })).status).toBe(404);
    const mine = ((await create(ok)).body as { id: string }).id;
    expect((await raw(srv, 'GET', `/v1/tasks/${mine}`, { key: KEY })).status).toBe(404);
  });

  it('lifecycle on the server clock; usage on every reply; credits reserved, refunded when the task fails', async () => {
    const before = srv.state.credits(OTHER_KEY);
    const a = (await create({ ...ok, quality: 'medium', n: 2 }, OTHER_KEY)).body as { id: string; usage: { credits_reserved: number } };
    const reserved = a.usage.credits_reserved;
    expect(reserved).toBe(5); // 2 × 2.5 at 1024²
    expect(srv.state.credits(OTHER_KEY)).toBe(before - 5);
    const failing = (await create({ ...ok, prompt: 'x [[policy]]', quality: 'low' }, OTHER_KEY)).body as { id: string };
    const get = async (id: string) => (await raw(srv, 'GET', `/v1/tasks/${id}`, { key: OTHER_KEY })).body as Record<string, unknown>;
    expect(await get(a.id)).toMatchObject({ status: 'pending', progress: 0, task_info: { can_cancel: true, estimated_time: 1 } });
    srv.state.advance(600);
    expect(await get(a.id)).toMatchObject({ status: 'processing', task_info: { can_cancel: false, estimated_time: 1 } });
    srv.state.advance(400);
    const done = await get(a.id);
    expect(done).toMatchObject({ status: 'completed', progress: 100, task_info: { can_cancel: false }, usage: { credits_reserved: 5 } });
    expect((done['results'] as string[]).length).toBe(2);
    expect(await get(failing.id)).toMatchObject({ status: 'failed', error: { code: 'content_policy_violation', type: 'content_policy' } });
    expect(srv.state.credits(OTHER_KEY)).toBe(before - 5);
  });

  it('402 insufficient_quota when the balance is short', async () => {
    srv.state.addKey({ key: 'sk-evo-broke', credits: 0.1 });
    const r = await create({ ...ok, quality: 'low' }, 'sk-evo-broke');
    expect(r.status).toBe(402);
    expect(envelopeOf(r.body).code).toBe('insufficient_quota');
  });

  it('results are real images at EvoLink’s pixel size / 8, then 404 after the retention', async () => {
    const cases = [...EVOLINK_RESOLUTIONS.map((res) => ['21:9', res] as const), ['1:3', '4K'] as const, ['1024x1536', '1K'] as const];
    const ids: string[] = [];
    for (const [size, resolution] of cases) ids.push(((await create({ ...ok, size, resolution: resolution, quality: 'low' })).body as { id: string }).id);
    srv.state.advance(1000);
    for (const [i, [size, resolution]] of cases.entries()) {
      const r = await request(`${srv.url}/cdn/results/${ids[i]}-1.png`);
      expect(r.statusCode).toBe(200);
      const meta = await sharp(Buffer.from(await r.body.arrayBuffer())).metadata();
      const px = evolinkPixelSize(size, resolution)!;
      expect([meta.width, meta.height], `${size} ${resolution}`).toEqual(Object.values(renderedSize(px.width, px.height, 8)));
    }
    srv.state.advance(24 * 3600_000);
    const gone = await request(`${srv.url}/cdn/results/${ids[0]}-1.png`);
    expect(gone.statusCode).toBe(404);
    await gone.body.dump();
  });
});

describe('Files API', () => {
  it('sniffs magic bytes: JPEG, PNG, GIF and WebP are stored with their real type, whatever the declared one', async () => {
    for (const [format, mime] of [['jpeg', 'image/jpeg'], ['png', 'image/png'], ['gif', 'image/gif'], ['webp', 'image/webp']] as const) {
      const r = await rawUpload(srv, await solidImage({ r: 5, g: 5, b: 5 }, format), `x-${format}.bin`, { key: RICH_KEY, mime: 'application/octet-stream' });
      expect(r.body).toMatchObject({ success: true, code: 200, msg: 'success', data: { mime_type: mime, original_name: `x-${format}.bin` } });
    }
  });

  it('refusals are success:false on HTTP 200: not an image (40002), quota full (40003)', async () => {
    const text = await rawUpload(srv, new TextEncoder().encode('hello'), 'a.png', { key: RICH_KEY });
    expect(text).toMatchObject({ status: 200, body: { success: false, code: 40002, data: null } });
    const key = 'sk-evo-two-files';
    await uploadPng(key, 'one.png');
    await uploadPng(key, 'two.png');
    const third = await rawUpload(srv, await solidImage({ r: 1, g: 1, b: 1 }), 'three.png', { key });
    expect(third).toMatchObject({ status: 200, body: { success: false, code: 40003 } });
    // Same name overwrites: allowed even when full, same file id, quota unchanged.
    const again = await rawUpload(srv, await solidImage({ r: 2, g: 2, b: 2 }), 'two.png', { key });
    expect(again.body).toMatchObject({ success: true });
    expect((await raw(srv, 'GET', '/api/v1/files/quota', { key })).body).toMatchObject({ data: { used_files: 2, max_files: 2, remain_files: 0 } });
  });

  it('the part must be named file; fileName / uploadPath fields are honoured', async () => {
    const wrong = await rawUpload(srv, await solidImage({ r: 1, g: 1, b: 1 }), 'a.png', { key: RICH_KEY, field: 'image' });
    expect(wrong).toMatchObject({ status: 400, body: { success: false } });
    const named = await rawUpload(srv, await solidImage({ r: 1, g: 1, b: 1 }), 'a.png', { key: RICH_KEY, fields: { fileName: 'chosen.png', uploadPath: 'refs' } });
    expect(named.body).toMatchObject({ data: { file_name: 'chosen.png', original_name: 'a.png', upload_path: 'refs' } });
  });

  it('files are served until they expire (72 h)', async () => {
    const f = await uploadPng();
    const r = await request(f.file_url);
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toBe('image/png');
    await r.body.dump();
    srv.state.advance(72 * 3600_000);
    const gone = await request(f.file_url);
    expect(gone.statusCode).toBe(404);
    await gone.body.dump();
  });

  it('an injected filesFailure answers the Files envelope on HTTP 200', async () => {
    srv.state.inject('upload', { kind: 'filesFailure', code: 40001 });
    const r = await rawUpload(srv, await solidImage({ r: 1, g: 1, b: 1 }), 'a.png', { key: RICH_KEY });
    expect(r).toMatchObject({ status: 200, body: { success: false, code: 40001, msg: 'File size exceeds the limit (100MB)', data: null } });
    expect(srv.state.requestsTo('upload')[0]?.fault).toBe('filesFailure');
  });
});

describe('agreement with the client', () => {
  it('property: a WxH size is accepted by the server exactly when checkEvolinkSize accepts it', async () => {
    const edge = fc.oneof(
      { arbitrary: fc.integer({ min: 0, max: 4000 }), weight: 1 },
      { arbitrary: fc.integer({ min: 1, max: 245 }).map((k) => k * 16), weight: 1 },
      { arbitrary: fc.integer({ min: 30, max: 240 }).map((k) => k * 16), weight: 4 },
    );
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(edge, edge, async (w, h) => {
        const size = `${w}x${h}`;
        const r = await create({ ...ok, size, quality: 'low' });
        const clientOk = checkEvolinkSize(size).ok;
        if (clientOk) accepted += 1;
        expect(r.status === 200, size).toBe(clientOk);
      }),
      { numRuns: 300 },
    );
    // The property says something only if both outcomes occur often enough.
    expect(accepted).toBeGreaterThan(30);
    expect(accepted).toBeLessThan(270);
  });

  it('property: every body the client builds from valid parameters is accepted as sent', async () => {
    const size = fc.oneof(fc.constant('auto'), fc.constantFrom(...EVOLINK_RATIOS), fc.constantFrom('1024x1536', '1536x1024', '640x1024', '3840x2160', '2400x800'));
    await fc.assert(
      fc.asyncProperty(
        size,
        fc.constantFrom('1K', '2K', '4K'),
        fc.constantFrom('low', 'medium', 'high'),
        fc.integer({ min: 1, max: 10 }),
        fc.string({ minLength: 1, maxLength: 50 }),
        async (s, resolution, quality, n, prompt) => {
          const body = buildEvolinkCreateBody({ prompt, params: { size: s, resolution, quality, n } });
          const r = await create(body);
          expect(r.status, JSON.stringify(body)).toBe(200);
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('CLI', () => {
  it('starts standalone, prints its URL, takes keys and task duration from the environment, stops on SIGTERM', async () => {
    const cli = fileURLToPath(new URL('../servers/evolink/cli.ts', import.meta.url));
    const tsx = fileURLToPath(new URL('../../node_modules/.bin/tsx', import.meta.url));
    const child = spawn(tsx, [cli, '--port', '0'], {
      env: { ...process.env, EVOLINK_TEST_KEYS: 'sk-evo-cli-a,sk-evo-cli-b=0.1,sk-evo-cli-c:noaccess', EVOLINK_TEST_TASK_MS: '200' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let out = '';
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no URL printed; got ${out}`)), 20_000);
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          const m = /^EVOLINK_TEST_SERVER_URL=(http:\/\/127\.0\.0\.1:\d+)$/m.exec(out);
          if (m) {
            clearTimeout(timer);
            resolve(m[1] as string);
          }
        });
        child.once('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
      });
      const post = async (key: string) => {
        const r = await request(`${url}/v1/images/generations`, {
          method: 'POST',
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'gpt-image-2', prompt: 'cli', quality: 'low' }),
        });
        return { status: r.statusCode, body: (await r.body.json()) as { id?: string } };
      };
      const a = await post('sk-evo-cli-a');
      expect(a.status).toBe(200);
      expect((await post('sk-evo-cli-b')).status).toBe(402);
      expect((await post('sk-evo-cli-c')).status).toBe(403);
      expect((await post(KEY)).status).toBe(401);
      await new Promise((r) => setTimeout(r, 300));
      const t = await request(`${url}/v1/tasks/${a.body.id}`, { headers: { authorization: 'Bearer sk-evo-cli-a' } });
      expect(((await t.body.json()) as { status: string }).status).toBe('completed');

      await request(`${url}/__control/faults`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ route: 'quota', fault: { kind: 'status', status: 503 } }),
      }).then((r) => r.body.dump());
      const q = await request(`${url}/api/v1/files/quota`, { headers: { authorization: 'Bearer sk-evo-cli-a' } });
      expect(q.statusCode).toBe(503);
      await q.body.dump();
      const st = await request(`${url}/__control/state`);
      const state = (await st.body.json()) as { tasksCreated: number; requests: unknown[] };
      expect(state.tasksCreated).toBe(1);
      expect(JSON.stringify(state.requests)).not.toContain('sk-evo-cli-a'); // keys redacted
    } finally {
      child.kill('SIGTERM');
      if (child.exitCode === null) await once(child, 'exit');
    }
  });
});
