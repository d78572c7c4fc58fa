/**
 * The EvoLink ProviderAdapter against the test server: references → Files API → image_urls, submit, poll through
 * every state (task error codes included), fetchOutput (real images at EvoLink's sizes, expiry), account; size
 * rules and other refusals before any request; no resubmission but after a 429.
 */
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  EVOLINK_MAX_OUTPUT_BYTES,
  createEvolinkAdapter,
  evolinkFilesBaseUrl,
  evolinkStatusOf,
  pollHint,
  type EvolinkRemoteStatus,
} from '../../src/main/services/providers/evolink/adapter';
import { EVOLINK_DEFAULT_FILES_BASE_URL, EVOLINK_TASK_ERROR_CODES, type EvolinkTask } from '../../src/main/services/providers/evolink/client';
import type { ProviderAdapter, ProviderContext, ReferenceInput, SubmitRequest } from '../../src/main/services/providers/types';
import { EVOLINK_MAX_IMAGE_BYTES, EvolinkGptImage2Params, evolinkPixelSize } from '../../src/shared/providers/evolink';
import { REFERENCE_BOX, renderedSize, type EvolinkTestServer } from '../servers/evolink/server';
import { KEY, OTHER_KEY, appErrorOf, pixelAt, raw, solidImage, startServer } from './evolink-helpers';

let srv: EvolinkTestServer;
let ctx: ProviderContext;
const slept: number[] = [];
const adapter = createEvolinkAdapter({
  backoffBaseMs: 5,
  backoffCapMs: 20,
  timeoutMs: 5_000,
  sleep: async (ms) => {
    slept.push(ms);
  },
});
// The adapter fits the shared interface once its id joins PROVIDER_IDS (checked at compile time).
const asShared: Omit<ProviderAdapter, 'id'> = adapter;

beforeAll(async () => {
  srv = await startServer({ estimatedTimeS: 42 });
  ctx = { apiKey: KEY, baseUrl: srv.url };
});
afterAll(async () => {
  await srv.close();
});
afterEach(() => {
  expect(srv.state.responseViolations).toEqual([]);
  srv.state.resetLog();
  srv.state.config.resultShape = 'results';
  slept.length = 0;
});

let seq = 0;
const submitReq = (over: Partial<SubmitRequest> = {}): SubmitRequest => ({
  model: 'gpt-image-2',
  prompt: 'a red fox in snow',
  params: EvolinkGptImage2Params.parse({ quality: 'low' }),
  referenceUrls: [],
  references: [],
  idempotencyKey: `job-${Date.now()}-${++seq}`,
  ...over,
});

async function runToEnd(remoteId: string): Promise<EvolinkRemoteStatus> {
  srv.state.advance(1_000);
  return adapter.poll(remoteId, ctx);
}

function completed(s: EvolinkRemoteStatus) {
  if (s.state !== 'completed') throw new Error(`expected completed, got ${JSON.stringify(s)}`);
  return s;
}

describe('identity', () => {
  it("id 'evolink', no idempotent submit, references uploaded", () => {
    expect(adapter.id).toBe('evolink');
    expect(adapter.idempotentSubmit).toBe(false);
    expect(asShared.uploadsReferences).toBe(true);
  });

  it('files base: the production API host maps to the Files host, any other base serves both', () => {
    expect(evolinkFilesBaseUrl('https://api.evolink.ai')).toBe(EVOLINK_DEFAULT_FILES_BASE_URL);
    expect(evolinkFilesBaseUrl('https://API.evolink.ai/')).toBe(EVOLINK_DEFAULT_FILES_BASE_URL);
    expect(evolinkFilesBaseUrl('https://gateway.example.com/evolink/')).toBe('https://gateway.example.com/evolink');
    expect(evolinkFilesBaseUrl(srv.url)).toBe(srv.url);
  });
});

describe('full flow with references', () => {
  const cases = [
    { shape: 'results', size: '16:9', resolution: '2K' },
    { shape: 'result_data', size: '2:3', resolution: '1K' },
    { shape: 'both', size: '1024x1536', resolution: '4K' },
  ] as const;

  for (const c of cases) {
    it(`size ${c.size} ${c.resolution}, outputs as ${c.shape}: upload → image_urls → real images with the reference`, async () => {
      srv.state.config.resultShape = c.shape;
      const refs: ReferenceInput[] = [
        { blobId: 'blob-red', name: 'My Holiday Photo.png', mime: 'image/png', bytes: await solidImage({ r: 255, g: 0, b: 0 }, 'png', 80) },
        { blobId: 'blob-blue', name: 'b.jpg', mime: 'image/jpeg', bytes: await solidImage({ r: 0, g: 0, b: 255 }, 'jpeg') },
        { blobId: 'blob-webp', name: 'c.webp', mime: 'image/webp', bytes: await solidImage({ r: 0, g: 255, b: 0 }, 'webp') },
      ];
      const ups = await adapter.uploadReferences(refs, ctx);
      expect(ups.map((u) => u.blobId)).toEqual(['blob-red', 'blob-blue', 'blob-webp']);
      for (const u of ups) {
        expect(u.url.startsWith(`${srv.url}/cdn/files/`)).toBe(true);
        // Files live 72 h.
        expect(u.expiresAt! - Date.now()).toBeGreaterThan(71 * 3600_000);
      }
      // One upload per ref, each under a unique neutral name (EvoLink overwrites same-name files), never the user's.
      const names = srv.state.requestsTo('upload').map((r) => (r.body as { fileName: string }).fileName);
      expect(names).toHaveLength(3);
      expect(new Set(names).size).toBe(3);
      for (const n of names) expect(n).toMatch(/^atelier-[0-9a-f-]{36}\.(png|jpg|webp)$/);

      const params = EvolinkGptImage2Params.parse({ size: c.size, resolution: c.resolution, n: 2 });
      const sub = await adapter.submit(submitReq({ params, referenceUrls: ups.map((u) => u.url) }), ctx);
      expect(sub.estimatedTotalMs).toBe(42_000);
      expect(sub.status).toBeUndefined();
      const sent = srv.state.requestsTo('create')[0]?.body as Record<string, unknown>;
      expect(sent['image_urls']).toEqual(ups.map((u) => u.url));
      expect('resolution' in sent).toBe(c.size.includes(':'));

      expect(await adapter.poll(sub.remoteId, ctx)).toEqual({ state: 'queued', progress: 0, estimatedTotalMs: 42_000 });
      const done = completed(await runToEnd(sub.remoteId));
      const task = srv.state.tasks.get(sub.remoteId);
      // EvoLink's reserved credits are its own unit: kept in usage, never reported as (Apiframe) credits.
      expect(done.credits).toBeNull();
      expect(task?.creditsReserved).toBeGreaterThan(0);
      expect(done.usd).toBeNull();
      expect(done.usage).toEqual({ billing_rule: 'per_token', credits_reserved: task?.creditsReserved, user_group: 'default' });
      expect(done.outputs).toHaveLength(2);

      const bytes = await adapter.fetchOutput(done.outputs[0]!, ctx);
      const meta = await sharp(bytes).metadata();
      const px = evolinkPixelSize(c.size, c.resolution)!;
      // Rendered at EvoLink's pixel size / 8, aspect kept.
      expect([meta.width, meta.height]).toEqual(Object.values(renderedSize(px.width, px.height, 8)));
      const inBox = await pixelAt(bytes, REFERENCE_BOX.left + 10, REFERENCE_BOX.top + 10);
      expect(inBox.r).toBeGreaterThan(200);
      expect(inBox.g).toBeLessThan(60);
      // No CDN request carried the key.
      for (const r of srv.state.requestsTo('cdn')) expect(r.headers['authorization']).toBeUndefined();
    });
  }

  it('without references: no upload, no image_urls, nothing red in the reference box; outputs differ', async () => {
    const sub = await adapter.submit(submitReq({ params: EvolinkGptImage2Params.parse({ n: 3 }) }), ctx);
    expect(srv.state.requestsTo('upload')).toHaveLength(0);
    expect('image_urls' in (srv.state.requestsTo('create')[0]?.body as object)).toBe(false);
    const done = completed(await runToEnd(sub.remoteId));
    const all = await Promise.all(done.outputs.map((o) => adapter.fetchOutput(o, ctx)));
    expect((await pixelAt(all[0]!, REFERENCE_BOX.left + 10, REFERENCE_BOX.top + 10)).r).toBeLessThan(100);
    expect(new Set(all.map((b) => Buffer.from(b).toString('base64'))).size).toBe(3);
    // auto → 1024² at 1/8
    expect((await sharp(all[0]!).metadata()).width).toBe(128);
  });
});

describe('poll mapping', () => {
  it('pending → queued, processing → running with rising progress, completed', async () => {
    const { remoteId } = await adapter.submit(submitReq(), ctx);
    const seen: EvolinkRemoteStatus[] = [await adapter.poll(remoteId, ctx)];
    for (const step of [300, 300, 500]) {
      srv.state.advance(step);
      seen.push(await adapter.poll(remoteId, ctx));
    }
    expect(seen.map((s) => s.state)).toEqual(['queued', 'running', 'running', 'completed']);
    const p1 = (seen[1] as { progress: number }).progress;
    const p2 = (seen[2] as { progress: number }).progress;
    expect(p1).toBeGreaterThan(0);
    expect(p2).toBeGreaterThan(p1);
    expect(seen[2]).toMatchObject({ estimatedTotalMs: 42_000 });
  });

  it('content_policy_violation (prompt marker) → failed with EvoLink’s message and code; credits returned', async () => {
    const before = srv.state.credits(OTHER_KEY);
    const other = { apiKey: OTHER_KEY, baseUrl: srv.url };
    const { remoteId } = await adapter.submit(submitReq({ prompt: 'something [[policy]]' }), other);
    expect(srv.state.credits(OTHER_KEY)).toBeLessThan(before);
    srv.state.advance(1_000);
    expect(await adapter.poll(remoteId, other)).toEqual({
      state: 'failed',
      reason: 'Your request was rejected by the safety system.',
      credits: null,
      errorCode: 'content_policy_violation',
    });
    expect(srv.state.credits(OTHER_KEY)).toBe(before);
  });

  it('every documented task error code → failed with the provider’s message', async () => {
    const ids: Array<[string, string]> = [];
    for (const code of EVOLINK_TASK_ERROR_CODES) ids.push([code, (await adapter.submit(submitReq({ prompt: `x [[fail:${code}]]` }), ctx)).remoteId]);
    srv.state.advance(1_000);
    for (const [code, id] of ids) {
      const s = await adapter.poll(id, ctx);
      expect(s.state, code).toBe('failed');
      if (s.state !== 'failed') continue;
      expect(s.errorCode).toBe(code);
      expect(s.reason).toBe(srv.state.tasks.get(id)?.failure?.message);
      expect(s.reason.length).toBeGreaterThan(5);
    }
  });

  it('evolinkStatusOf: failed without message falls back to the code; completed without URLs is a bad response', () => {
    const base = { id: 'task-unified-1757156493-imcg5zqt', status: 'failed' } as const;
    expect(evolinkStatusOf({ ...base, error: { code: 'upstream_error' } })).toMatchObject({ reason: 'EvoLink task failed: upstream_error', errorCode: 'upstream_error' });
    expect(evolinkStatusOf({ ...base })).toMatchObject({ state: 'failed', reason: 'EvoLink reported the task as failed' });
    expect(() => evolinkStatusOf({ ...base, status: 'completed', results: [] })).toThrow(expect.objectContaining({ code: 'provider_bad_response' }));
    expect(evolinkStatusOf({ ...base, status: 'completed', results: ['https://cdn.example/a.png'] })).toEqual({
      state: 'completed',
      outputs: [{ url: 'https://cdn.example/a.png' }],
      credits: null,
      usd: null,
    });
  });

  it('pollHint gives task_info.estimated_time in seconds, or null', () => {
    const t = (task_info: EvolinkTask['task_info']): EvolinkTask => ({ id: 'task-unified-1757156493-imcg5zqt', status: 'pending', task_info });
    expect(pollHint(t({ can_cancel: true, estimated_time: 100 }))).toBe(100);
    expect(pollHint(t({ can_cancel: true }))).toBeNull();
    expect(pollHint(t(null))).toBeNull();
    expect(pollHint(t(undefined))).toBeNull();
  });
});

describe('refused before any request', () => {
  const sizeCases: Array<[string, string]> = [
    ['1000x1000', 'not_multiple_of_16'],
    ['4096x1024', 'edge_out_of_range'],
    ['784x784', 'too_few_pixels'],
    ['3840x2176', 'too_many_pixels'],
    ['2416x800', 'aspect_too_wide'],
    ['1024×1024', 'bad_format'],
  ];
  for (const [size, reason] of sizeCases) {
    it(`size ${size} → validation naming ${reason}; the server counts zero requests (and would refuse it too)`, async () => {
      const err = await appErrorOf(() => adapter.submit(submitReq({ params: { size, quality: 'low' } }), ctx));
      expect(err).toMatchObject({ code: 'validation', params: { field: 'size', reason } });
      expect(srv.state.requests).toHaveLength(0);
      // The server's own rules agree: the same size sent raw is refused with a 400 naming `size`.
      const r = await raw(srv, 'POST', '/v1/images/generations', { json: { model: 'gpt-image-2', prompt: 'x', size } });
      expect(r.status).toBe(400);
      expect((r.body as { error: { param: string } }).error.param).toBe('size');
    });
  }

  it('other refusals: prompt too long, empty prompt, quality auto, unknown param, 17 URLs, mask, other model, no key', async () => {
    const cases: Array<[Partial<SubmitRequest>, string, Record<string, unknown>]> = [
      [{ prompt: 'x'.repeat(32_001) }, 'prompt_too_long', { length: 32_001, max: 32_000 }],
      [{ prompt: '   ' }, 'validation', { field: 'prompt' }],
      [{ params: { quality: 'auto' } }, 'validation', { field: 'quality' }],
      [{ params: { aspect_ratio: '1:1' } }, 'validation', { field: '' }],
      [{ referenceUrls: Array.from({ length: 17 }, (_, i) => `https://example.com/${i}.png`) }, 'validation', { field: 'image_urls' }],
      [{ mask: { blobId: 'm', name: 'm.png', mime: 'image/png', bytes: new Uint8Array(8) } }, 'validation', { field: 'mask' }],
      [{ model: 'gpt-image-1.5' }, 'validation', { field: 'model' }],
    ];
    for (const [over, code, params] of cases) {
      const err = await appErrorOf(() => adapter.submit(submitReq(over), ctx));
      expect(err.code, JSON.stringify(over).slice(0, 60)).toBe(code);
      expect(err.params).toMatchObject(params);
    }
    expect(await appErrorOf(() => adapter.submit(submitReq(), { apiKey: null, baseUrl: srv.url }))).toMatchObject({ code: 'no_api_key', params: { provider: 'evolink' } });
    expect(srv.state.requests).toHaveLength(0);
  });

  it('references: more than 16 → validation; one over 50 MB → bad_file too_large; nothing uploaded', async () => {
    const small = await solidImage({ r: 1, g: 2, b: 3 });
    const many = Array.from({ length: 17 }, (_, i): ReferenceInput => ({ blobId: `b${i}`, name: `${i}.png`, mime: 'image/png', bytes: small }));
    expect(await appErrorOf(() => adapter.uploadReferences(many, ctx))).toMatchObject({ code: 'validation', params: { field: 'image_urls', max: 16 } });
    const big = new Uint8Array(EVOLINK_MAX_IMAGE_BYTES + 1);
    const err = await appErrorOf(() =>
      adapter.uploadReferences([{ blobId: 'ok', name: 'ok.png', mime: 'image/png', bytes: small }, { blobId: 'big', name: 'Big.png', mime: 'image/png', bytes: big }], ctx),
    );
    expect(err).toMatchObject({ code: 'bad_file', params: { name: 'Big.png', reason: 'too_large', maxBytes: EVOLINK_MAX_IMAGE_BYTES } });
    expect(srv.state.requests).toHaveLength(0);
    expect(await adapter.uploadReferences([], ctx)).toEqual([]);
  });
});

describe('no resubmission', () => {
  it('submit after a 503: one POST, provider_unavailable surfaces (the engine must not resend either)', async () => {
    srv.state.inject('create', { kind: 'status', status: 503 });
    expect(await appErrorOf(() => adapter.submit(submitReq(), ctx))).toMatchObject({ code: 'provider_unavailable', status: 503 });
    expect(srv.state.requestsTo('create')).toHaveLength(1);
  });

  it('submit after a 429 is retried (a 429 created nothing): two POSTs, one task', async () => {
    const before = srv.state.tasksCreated;
    srv.state.inject('create', { kind: 'status', status: 429, retryAfterSeconds: 3 });
    const { remoteId } = await adapter.submit(submitReq(), ctx);
    expect(srv.state.requestsTo('create').map((r) => r.status)).toEqual([429, 200]);
    expect(srv.state.tasksCreated).toBe(before + 1);
    expect(srv.state.tasks.has(remoteId)).toBe(true);
    expect(slept).toEqual([3000]);
  });

  it('an upload that hit a 502 is retried; poll retries a dropped connection', async () => {
    srv.state.inject('upload', { kind: 'status', status: 502 });
    const [up] = await adapter.uploadReferences([{ blobId: 'r', name: 'r.png', mime: 'image/png', bytes: await solidImage({ r: 9, g: 9, b: 9 }) }], ctx);
    expect(up?.url).toMatch(/\/cdn\/files\//);
    expect(srv.state.requestsTo('upload').map((r) => r.status)).toEqual([502, 200]);
    const { remoteId } = await adapter.submit(submitReq(), ctx);
    srv.state.inject('getTask', { kind: 'drop' });
    expect((await adapter.poll(remoteId, ctx)).state).toBe('queued');
    expect(srv.state.requestsTo('getTask').map((r) => r.status)).toEqual([0, 200]);
  });
});

describe('fetchOutput', () => {
  it('after the 24 h retention → result_expired; the task itself still says completed', async () => {
    const { remoteId } = await adapter.submit(submitReq(), ctx);
    const done = completed(await runToEnd(remoteId));
    srv.state.advance(24 * 3600_000);
    expect((await adapter.poll(remoteId, ctx)).state).toBe('completed');
    expect(await appErrorOf(() => adapter.fetchOutput(done.outputs[0]!, ctx))).toMatchObject({ code: 'result_expired', status: 404 });
  });

  it('a body that is not an image → provider_bad_response; inline bytes are checked too', async () => {
    const { remoteId } = await adapter.submit(submitReq(), ctx);
    const done = completed(await runToEnd(remoteId));
    srv.state.inject('cdn', { kind: 'html' });
    expect(await appErrorOf(() => adapter.fetchOutput(done.outputs[0]!, ctx))).toMatchObject({ code: 'provider_bad_response', params: { reason: 'not_an_image' } });
    expect(await appErrorOf(() => adapter.fetchOutput({ bytes: new TextEncoder().encode('nope') }, ctx))).toMatchObject({ code: 'provider_bad_response' });
    const png = await solidImage({ r: 1, g: 1, b: 1 });
    expect(await adapter.fetchOutput({ bytes: png }, ctx)).toBe(png);
    expect(EVOLINK_MAX_OUTPUT_BYTES).toBe(64 * 1024 * 1024);
  });
});

describe('account', () => {
  it('calls the Files quota endpoint once and reports no balance (EvoLink has no balance endpoint)', async () => {
    expect(await adapter.account(ctx)).toEqual({ credits: null, email: null });
    expect(srv.state.requests.map((r) => r.route)).toEqual(['quota']);
  });

  it('a wrong key → provider_auth; a Files outage → provider_unavailable after retries', async () => {
    expect(await appErrorOf(() => adapter.account({ apiKey: 'sk-evo-nope', baseUrl: srv.url }))).toMatchObject({ code: 'provider_auth' });
    srv.state.inject('quota', { kind: 'status', status: 503 }, { times: 3 });
    expect(await appErrorOf(() => adapter.account(ctx))).toMatchObject({ code: 'provider_unavailable' });
    expect(srv.state.requestsTo('quota')).toHaveLength(4);
  });
});
