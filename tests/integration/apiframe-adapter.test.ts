/**
 * The Apiframe ProviderAdapter against the test server: references → upload → input_images, submit, poll through
 * every state, fetchOutput (real images, expiry, caps, non-images), account.
 */
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createApiframeAdapter, sniffImageType } from '../../src/main/services/providers/apiframe/adapter';
import type { ProviderContext, RemoteStatus, SubmitRequest } from '../../src/main/services/providers/types';
import { ApiframeGptImage15Params, ApiframeGptImage2Params } from '../../src/shared/capabilities';
import { REFERENCE_BOX, type ApiframeTestServer } from '../servers/apiframe/server';
import { KEY, OTHER_KEY, appErrorOf, pixelAt, solidImage, startServer } from './apiframe-helpers';

let srv: ApiframeTestServer;
let ctx: ProviderContext;
const adapter = createApiframeAdapter({ backoffBaseMs: 5, backoffCapMs: 20, timeoutMs: 5_000 });

beforeAll(async () => {
  srv = await startServer({ jobDurationMs: 1000, queueDelayMs: 200 });
  ctx = { apiKey: KEY, baseUrl: srv.url };
});
afterAll(async () => {
  await srv.close();
});
afterEach(() => {
  expect(srv.state.responseViolations).toEqual([]);
  srv.state.resetLog();
  srv.state.config.resultShape = 'images';
});

let seq = 0;
const submitReq = (over: Partial<SubmitRequest> = {}): SubmitRequest => ({
  model: 'gpt-image-2',
  prompt: 'a red fox in snow',
  params: ApiframeGptImage2Params.parse({ quality: 'low' }),
  referenceUrls: [],
  references: [],
  idempotencyKey: `job-${Date.now()}-${++seq}`,
  ...over,
});

async function runToEnd(remoteId: string): Promise<RemoteStatus> {
  srv.state.advance(1_000);
  return adapter.poll(remoteId, ctx);
}

describe('full flow, both models × both result shapes, with references', () => {
  const cases = [
    { model: 'gpt-image-2', shape: 'images', format: 'png', aspect: '3:2', size: [256, 171] },
    { model: 'gpt-image-2', shape: 'string', format: 'webp', aspect: '2:3', size: [171, 256] },
    { model: 'gpt-image-1.5', shape: 'images', format: 'jpeg', aspect: '1:1', size: [256, 256] },
    { model: 'gpt-image-1.5', shape: 'string', format: 'png', aspect: '2:3', size: [171, 256] },
  ] as const;

  for (const c of cases) {
    it(`${c.model}, result as ${c.shape}, ${c.format} ${c.aspect}: reference visible in the output`, async () => {
      srv.state.config.resultShape = c.shape;
      const red = await solidImage({ r: 255, g: 0, b: 0 }, 'png', 80);
      const ups = await adapter.uploadReferences(
        [
          { blobId: 'blob-red', name: 'My Holiday Photo.png', mime: 'image/png', bytes: red },
          { blobId: 'blob-blue', name: 'b.jpg', mime: 'image/jpeg', bytes: await solidImage({ r: 0, g: 0, b: 255 }, 'jpeg') },
        ],
        ctx,
      );
      expect(ups.map((u) => u.blobId)).toEqual(['blob-red', 'blob-blue']);
      for (const u of ups) {
        expect(u.url.startsWith(`${srv.url}/cdn/uploads/`)).toBe(true);
        expect(u.expiresAt).toBeGreaterThan(Date.now() + 60 * 60 * 1000);
      }
      // One upload per ref, neutral file names, a fresh Idempotency-Key each.
      const upReqs = srv.state.requestsTo('upload');
      expect(upReqs).toHaveLength(2);
      expect(upReqs.map((r) => (r.body as { fileName: string }).fileName).sort()).toEqual(['reference-1.png', 'reference-2.jpg']);
      expect(new Set(upReqs.map((r) => r.headers['idempotency-key'])).size).toBe(2);

      const params =
        c.model === 'gpt-image-2'
          ? ApiframeGptImage2Params.parse({ output_format: c.format, aspect_ratio: c.aspect, number_of_images: 2 })
          : ApiframeGptImage15Params.parse({ output_format: c.format, aspect_ratio: c.aspect, number_of_images: 2 });
      const { remoteId } = await adapter.submit(
        submitReq({ model: c.model, params, referenceUrls: ups.map((u) => u.url) }),
        ctx,
      );
      const sent = srv.state.requestsTo('generate')[0]?.body as Record<string, Record<string, unknown>>;
      const paramsKey = c.model === 'gpt-image-2' ? 'gptImage2Params' : 'gptImageParams';
      expect(sent[paramsKey]?.['input_images']).toEqual(ups.map((u) => u.url));
      expect(sent[paramsKey]?.['output_format']).toBe(c.format);

      expect(await adapter.poll(remoteId, ctx)).toEqual({ state: 'queued', progress: 0 });
      const done = await runToEnd(remoteId);
      if (done.state !== 'completed') throw new Error(`expected completed, got ${done.state}`);
      const perImage = c.model === 'gpt-image-2' ? 23 : 14; // quality auto
      expect(done.credits).toBe(perImage * 2);
      expect(done.outputs).toHaveLength(c.shape === 'images' ? 2 : 1);

      const first = done.outputs[0];
      if (!first) throw new Error('no output');
      const bytes = await adapter.fetchOutput(first, ctx);
      expect(sniffImageType(bytes)).toBe(`image/${c.format}`);
      const meta = await sharp(bytes).metadata();
      expect([meta.width, meta.height]).toEqual(c.size);
      const inBox = await pixelAt(bytes, REFERENCE_BOX.left + 20, REFERENCE_BOX.top + 20);
      expect(inBox.r).toBeGreaterThan(200);
      expect(inBox.g).toBeLessThan(60);
      expect(inBox.b).toBeLessThan(60);
      // No CDN request carried the key.
      for (const r of srv.state.requestsTo('cdn')) expect(r.headers['x-api-key']).toBeUndefined();
    });
  }

  it('without references, nothing red appears where the reference would be, and input_images is not sent', async () => {
    const { remoteId } = await adapter.submit(submitReq({ params: ApiframeGptImage2Params.parse({ output_format: 'png' }) }), ctx);
    const sent = srv.state.requestsTo('generate')[0]?.body as { gptImage2Params: Record<string, unknown> };
    expect('input_images' in sent.gptImage2Params).toBe(false);
    const done = await runToEnd(remoteId);
    if (done.state !== 'completed') throw new Error(done.state);
    const bytes = await adapter.fetchOutput(done.outputs[0] as { url: string }, ctx);
    expect((await pixelAt(bytes, REFERENCE_BOX.left + 20, REFERENCE_BOX.top + 20)).r).toBeLessThan(100);
  });

  it('the outputs of one job are different images', async () => {
    const { remoteId } = await adapter.submit(
      submitReq({ params: ApiframeGptImage2Params.parse({ output_format: 'png', number_of_images: 3 }) }),
      ctx,
    );
    const done = await runToEnd(remoteId);
    if (done.state !== 'completed') throw new Error(done.state);
    const all = await Promise.all(done.outputs.map((o) => adapter.fetchOutput(o, ctx)));
    const hashes = new Set(all.map((b) => Buffer.from(b).toString('base64')));
    expect(hashes.size).toBe(3);
  });
});

describe('poll mapping', () => {
  it('queued → running with rising progress → completed', async () => {
    const { remoteId } = await adapter.submit(submitReq(), ctx);
    const seen: RemoteStatus[] = [await adapter.poll(remoteId, ctx)];
    for (const step of [300, 300, 500]) {
      srv.state.advance(step);
      seen.push(await adapter.poll(remoteId, ctx));
    }
    expect(seen.map((s) => s.state)).toEqual(['queued', 'running', 'running', 'completed']);
    const p1 = (seen[1] as { progress: number }).progress;
    const p2 = (seen[2] as { progress: number }).progress;
    expect(p1).toBeGreaterThan(0);
    expect(p2).toBeGreaterThan(p1);
    expect(seen[3]).toMatchObject({ state: 'completed', credits: 4 });
  });

  it('FAILED → failed with the provider’s reason and creditCost 0; the credits come back', async () => {
    const before = (await adapter.account(ctx)).credits as number;
    const { remoteId } = await adapter.submit(submitReq({ prompt: 'something [[fail]] here', params: ApiframeGptImage2Params.parse({ quality: 'medium' }) }), ctx);
    expect((await adapter.account(ctx)).credits).toBe(before - 9);
    const st = await runToEnd(remoteId);
    expect(st).toEqual({ state: 'failed', reason: 'Provider returned an error: content policy violation', credits: 0 });
    expect((await adapter.account(ctx)).credits).toBe(before);
  });

  it('a reference whose upload has lapsed makes the job fail with a provider reason', async () => {
    const [up] = await adapter.uploadReferences([{ blobId: 'b', name: 'r.png', mime: 'image/png', bytes: await solidImage({ r: 1, g: 2, b: 3 }) }], ctx);
    srv.state.advance(2 * 60 * 60 * 1000); // uploads live 90 min on the test server
    const { remoteId } = await adapter.submit(submitReq({ referenceUrls: [up?.url as string] }), ctx);
    const st = await runToEnd(remoteId);
    expect(st.state).toBe('failed');
    expect((st as { reason: string }).reason).toMatch(/could not download input image 1/);
  });

  it('COMPLETED with expired: true → expired with its charge; the CDN then answers 404 → result_expired', async () => {
    const { remoteId } = await adapter.submit(submitReq(), ctx);
    const done = await runToEnd(remoteId);
    if (done.state !== 'completed') throw new Error(done.state);
    srv.state.advance(24 * 60 * 60 * 1000);
    // Purged, but paid: the charge (creditCost) travels with the expired state.
    expect(await adapter.poll(remoteId, ctx)).toEqual({ state: 'expired', credits: done.credits });
    expect(done.credits).toBeGreaterThan(0);
    const err = await appErrorOf(() => adapter.fetchOutput(done.outputs[0] as { url: string }, ctx));
    expect(err).toMatchObject({ code: 'result_expired', status: 404 });
  });

  it('a status survives a "restart": a new adapter with the same idempotency key gets the same job', async () => {
    const req = submitReq();
    const { remoteId } = await adapter.submit(req, ctx);
    const created = srv.state.jobsCreated;
    const restarted = createApiframeAdapter({ backoffBaseMs: 5, backoffCapMs: 20 });
    expect((await restarted.submit(req, ctx)).remoteId).toBe(remoteId);
    expect(srv.state.jobsCreated).toBe(created);
    srv.state.advance(500);
    expect((await restarted.poll(remoteId, ctx)).state).toBe('running');
  });

  it('a shared poll reads its jobs from a list that also holds the account’s video and music jobs (results of other shapes)', async () => {
    const a = await adapter.submit(submitReq(), ctx);
    const b = await adapter.submit(submitReq(), ctx);
    const at = new Date(srv.state.now()).toISOString();
    // `Job.result` is untyped in the spec: other products answer with their own shapes.
    srv.state.config.otherJobs = [
      { id: '0b9c7a1e-5d2f-4c1a-9e8b-7a6d5c4b3a21', status: 'COMPLETED', model: 'kling-v2', progress: 100, result: { videos: ['https://cdn.example/v.mp4'] }, error: null, creditCost: 40, webhookStatus: null, createdAt: at, completedAt: at, expired: false },
      { id: '1c8d6b2f-4e3a-4b2c-8f9a-6b5e4d3c2b10', status: 'COMPLETED', model: 'suno-v4', progress: 100, result: [{ audioUrl: 'https://cdn.example/a.mp3' }], error: null, creditCost: 10, webhookStatus: null, createdAt: at, completedAt: at, expired: false },
    ];
    try {
      const { statuses, requests } = await adapter.pollMany!([{ remoteId: a.remoteId, submittedAt: Date.now() }, { remoteId: b.remoteId, submittedAt: Date.now() }], ctx);
      expect(requests).toBe(1);
      expect([...statuses.keys()].sort()).toEqual([a.remoteId, b.remoteId].sort());
      for (const st of statuses.values()) expect(['queued', 'running']).toContain(st.state);
    } finally {
      srv.state.config.otherJobs = [];
    }
  });

  it('CANCELLED → canceled; COMPLETED without result URLs → provider_bad_response', async () => {
    const { remoteId } = await adapter.submit(submitReq(), ctx);
    const job = srv.state.jobs.get(remoteId);
    const base = {
      id: remoteId,
      model: 'gpt-image-2',
      progress: null,
      error: null,
      creditCost: null,
      webhookStatus: null,
      createdAt: new Date(job?.createdAt ?? 0).toISOString(),
      completedAt: null,
    };
    srv.state.inject('getJob', { kind: 'json', body: { ...base, status: 'CANCELLED', result: null } });
    expect(await adapter.poll(remoteId, ctx)).toEqual({ state: 'canceled' });
    srv.state.inject('getJob', { kind: 'json', body: { ...base, status: 'COMPLETED', result: { images: [] }, completedAt: base.createdAt } });
    expect((await appErrorOf(() => adapter.poll(remoteId, ctx))).code).toBe('provider_bad_response');
  });
});

describe('fetchOutput', () => {
  async function completedOutput(): Promise<{ url: string }> {
    const { remoteId } = await adapter.submit(submitReq({ params: ApiframeGptImage2Params.parse({ output_format: 'png' }) }), ctx);
    const done = await runToEnd(remoteId);
    if (done.state !== 'completed') throw new Error(done.state);
    return done.outputs[0] as { url: string };
  }

  it('410 → result_expired; another 4xx → provider_bad_response; 5xx retried', async () => {
    const out = await completedOutput();
    srv.state.inject('cdn', { kind: 'status', status: 410 });
    expect((await appErrorOf(() => adapter.fetchOutput(out, ctx))).code).toBe('result_expired');
    srv.state.inject('cdn', { kind: 'status', status: 403 });
    expect(await appErrorOf(() => adapter.fetchOutput(out, ctx))).toMatchObject({ code: 'provider_bad_response', status: 403 });
    srv.state.inject('cdn', { kind: 'status', status: 503 });
    const bytes = await adapter.fetchOutput(out, ctx);
    expect(sniffImageType(bytes)).toBe('image/png');
    expect(srv.state.requestsTo('cdn').map((r) => r.status)).toEqual([410, 403, 503, 200]);
  });

  it('a body that is not an image (HTML, JSON) → provider_bad_response', async () => {
    const out = await completedOutput();
    srv.state.inject('cdn', { kind: 'html' });
    expect((await appErrorOf(() => adapter.fetchOutput(out, ctx))).code).toBe('provider_bad_response');
    srv.state.inject('cdn', { kind: 'json', body: { images: [] } });
    expect((await appErrorOf(() => adapter.fetchOutput(out, ctx))).code).toBe('provider_bad_response');
  });

  it('a URL that was never a result → result_expired (404)', async () => {
    const err = await appErrorOf(() => adapter.fetchOutput({ url: `${srv.url}/cdn/${crypto.randomUUID()}-1.png` }, ctx));
    expect(err).toMatchObject({ code: 'result_expired', status: 404 });
  });

  it('outputs larger than the cap are refused', async () => {
    const out = await completedOutput();
    const tiny = createApiframeAdapter({ maxOutputBytes: 100 });
    expect((await appErrorOf(() => tiny.fetchOutput(out, ctx))).code).toBe('provider_bad_response');
  });

  it('inline bytes are checked too; a non-http URL is refused without a request', async () => {
    const png = await solidImage({ r: 9, g: 9, b: 9 });
    expect(await adapter.fetchOutput({ bytes: png }, ctx)).toBe(png);
    expect((await appErrorOf(() => adapter.fetchOutput({ bytes: new TextEncoder().encode('<html>') }, ctx))).code).toBe(
      'provider_bad_response',
    );
    expect((await appErrorOf(() => adapter.fetchOutput({ url: 'file:///etc/passwd' }, ctx))).code).toBe('provider_bad_response');
  });

  it('a slow CDN → timeout (after retries)', async () => {
    const out = await completedOutput();
    const quick = createApiframeAdapter({ timeoutMs: 150, backoffBaseMs: 1, backoffCapMs: 2 });
    srv.state.inject('cdn', { kind: 'slow', delayMs: 800 }, { times: 3 });
    expect((await appErrorOf(() => quick.fetchOutput(out, ctx))).code).toBe('timeout');
  });
});

describe('uploads and account', () => {
  it('refuses a non-image (400 with details) and an oversize file (over 25 MB)', async () => {
    const txt = await appErrorOf(() =>
      adapter.uploadReferences([{ blobId: 'x', name: 'x.png', mime: 'image/png', bytes: new TextEncoder().encode('hello') }], ctx),
    );
    expect(txt).toMatchObject({ code: 'provider_rejected', status: 400 });
    expect(Object.keys(txt.details ?? {})).toEqual(['file']);

    const big = new Uint8Array(25 * 1024 * 1024 + 1);
    big.set(await solidImage({ r: 0, g: 0, b: 0 })); // PNG magic bytes up front, then padding
    const over = await appErrorOf(() => adapter.uploadReferences([{ blobId: 'big', name: 'b.png', mime: 'image/png', bytes: big }], ctx));
    expect(over).toMatchObject({ code: 'provider_rejected', status: 400, providerMessage: 'File too large' });
    expect(srv.state.uploadsCreated).toBeGreaterThanOrEqual(0);
  });

  it('the declared type is ignored: the server sniffs, and the client sends what it was given', async () => {
    const webp = await solidImage({ r: 10, g: 200, b: 10 }, 'webp');
    const [up] = await adapter.uploadReferences([{ blobId: 'w', name: 'w', mime: 'image/png', bytes: webp }], ctx);
    expect(up?.url.endsWith('.webp')).toBe(true);
  });

  it('upload 5xx is retried (each upload carries its own Idempotency-Key) without duplicating the file', async () => {
    const before = srv.state.uploadsCreated;
    srv.state.inject('upload', { kind: 'drop' }, { after: true });
    const [up] = await adapter.uploadReferences([{ blobId: 'r', name: 'r.png', mime: 'image/png', bytes: await solidImage({ r: 5, g: 5, b: 5 }) }], ctx);
    expect(srv.state.requestsTo('upload')).toHaveLength(2);
    expect(srv.state.uploadsCreated).toBe(before + 1);
    expect(up?.url).toBeDefined();
  });

  it('account → team credits and user email; each key sees its own balance', async () => {
    const mine = await adapter.account(ctx);
    expect(mine.email).toMatch(/@example\.test$/);
    expect(mine.credits).toBe(srv.state.credits(KEY));
    const theirs = await adapter.account({ ...ctx, apiKey: OTHER_KEY });
    expect(theirs.credits).toBe(srv.state.credits(OTHER_KEY));
    expect(theirs.email).not.toBe(mine.email);
  });

  it('a mask is refused before any request (Apiframe gpt-image has none)', async () => {
    const n = srv.state.requests.length;
    const mask = { blobId: 'm', name: 'm.png', mime: 'image/png' as const, bytes: await solidImage({ r: 0, g: 0, b: 0 }) };
    const err = await appErrorOf(() => adapter.submit(submitReq({ mask }), ctx));
    expect(err).toMatchObject({ code: 'validation', params: { field: 'mask', reason: 'unsupported' } });
    expect(srv.state.requests.length).toBe(n);
  });

  it('declares an idempotent submit and an upload step', () => {
    expect(adapter.idempotentSubmit).toBe(true);
    expect(adapter.uploadsReferences).toBe(true);
  });

  it('no key → no_api_key before any request', async () => {
    const n = srv.state.requests.length;
    expect((await appErrorOf(() => adapter.account({ ...ctx, apiKey: null }))).code).toBe('no_api_key');
    expect((await appErrorOf(() => adapter.submit(submitReq(), { ...ctx, apiKey: '' }))).code).toBe('no_api_key');
    expect(srv.state.requests.length).toBe(n);
  });

  it('ctx.signal cancels a poll', async () => {
    srv.state.inject('getJob', { kind: 'slow', delayMs: 1_000 });
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 50);
    expect((await appErrorOf(() => adapter.poll(crypto.randomUUID(), { ...ctx, signal: ac.signal }))).code).toBe('canceled');
  });
});
