/**
 * Live previews (issue 13): OpenAI's Images API streaming (https://platform.openai.com/docs/api-reference/images-streaming)
 * against the OpenAI test server over real HTTP on loopback. The client parses the server-sent events and hands
 * the partials over in order; through the whole app each partial reaches the window as a small `job.partial`
 * event before the final image, which alone is stored; with previews off no `stream` is sent; a stream cut off
 * after a partial fails the job as a dropped connection does today (one POST, never resent, charge unknown).
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/main/app';
import type { AnyEvent } from '../../src/shared/contract';
import { OpenAiClient, buildEditForm, buildGenerationsBody, buildResponsesBody } from '../../src/main/services/providers/openai/client';
import { call, openTestApp, tempDir, jobFinished } from '../helpers/app';
import { startOpenAiTestServer, type OpenAiTestServer } from '../servers/openai/server';

const KEY = 'sk-test-openai-stream-01';

/** Every file under `dir` (recursively), or none where it does not exist. */
async function filesUnder(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { recursive: true, withFileTypes: true });
    return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
  } catch {
    return [];
  }
}

describe('OpenAI streaming: the client against the test server', () => {
  let srv: OpenAiTestServer;
  beforeEach(async () => {
    srv = await startOpenAiTestServer({ keys: [KEY], maxRenderEdge: 256, partialDelayMs: 30 });
  });
  afterEach(async () => srv.close());

  it('parses the events of a generation: partials in order, then the final image and its usage', async () => {
    const client = new OpenAiClient({ apiKey: KEY, baseUrl: srv.baseUrl });
    const partials: Array<{ index: number; mime: string; at: number }> = [];
    const body = buildGenerationsBody({ model: 'gpt-image-1.5', prompt: 'a lighthouse at dusk', params: { quality: 'low' }, partialImages: 2 });
    expect(body).toMatchObject({ stream: true, partial_images: 2 });
    const res = await client.generate(body, { onPartial: (p) => partials.push({ index: p.index, mime: p.mime, at: Date.now() }) });
    expect(partials.map((p) => p.index)).toEqual([0, 1]);
    expect(partials.every((p) => p.mime === 'image/png')).toBe(true);
    expect(res.outputs).toHaveLength(1);
    const out = res.outputs[0]!;
    expect('bytes' in out && (await sharp(out.bytes).metadata()).width).toBe(256);
    // The final event's usage: 100 more image output tokens per partial (the server's rule, OpenAI's guide).
    expect(res.usage?.output_tokens_details?.image_tokens).toBe(Math.round(272 * 1) + 200);
    expect(res.size).toBe('1024x1024');
    expect(srv.state.requestsTo('generations')[0]!.body).toMatchObject({ stream: true, partial_images: 2 });
    expect(srv.state.streamsCompleted).toBe(1);
  });

  it('parses the events of an edit (image_edit.partial_image, image_edit.completed)', async () => {
    const client = new OpenAiClient({ apiKey: KEY, baseUrl: srv.baseUrl });
    const png = await sharp({ create: { width: 64, height: 64, channels: 3, background: { r: 200, g: 30, b: 30 } } }).png().toBuffer();
    const form = buildEditForm({
      model: 'gpt-image-1.5',
      prompt: 'make it blue',
      params: { quality: 'low' },
      images: [{ bytes: png, mime: 'image/png' }],
      partialImages: 3,
    });
    const seen: number[] = [];
    const res = await client.edit(form, { onPartial: (p) => seen.push(p.index) });
    expect(seen).toEqual([0, 1, 2]);
    expect(res.outputs).toHaveLength(1);
    const rec = srv.state.requestsTo('edits')[0]!.body as { fields: Record<string, string> };
    expect(rec.fields).toMatchObject({ stream: 'true', partial_images: '3' });
  });

  it('parses a streamed Responses call: response.image_generation_call.partial_image, then response.completed', async () => {
    const client = new OpenAiClient({ apiKey: KEY, baseUrl: srv.baseUrl });
    const png = await sharp({ create: { width: 64, height: 64, channels: 3, background: { r: 30, g: 30, b: 200 } } }).png().toBuffer();
    const body = buildResponsesBody({ model: 'gpt-image-1.5', prompt: 'add a moon', params: { quality: 'low' }, images: [{ bytes: png, mime: 'image/png' }], partialImages: 2 });
    expect(body).toMatchObject({ stream: true, tools: [{ partial_images: 2 }] });
    const seen: number[] = [];
    const res = await client.responses(body, { onPartial: (p) => seen.push(p.index) });
    expect(seen).toEqual([0, 1]);
    expect(res.id).toMatch(/^resp_/);
    expect(res.outputs).toHaveLength(1);
    expect(srv.state.streamsCompleted).toBe(1);
    // Cut off after one partial: network, one POST.
    srv.state.inject('responses', { kind: 'dropMidStream', afterPartials: 1 }, { after: true });
    const again: number[] = [];
    await expect(client.responses(body, { onPartial: (p) => again.push(p.index) })).rejects.toMatchObject({ code: 'network' });
    expect(again).toEqual([0]);
    expect(srv.state.requestsTo('responses')).toHaveLength(2);
  });

  it('a stream cut off after a partial is a network failure, sent once', async () => {
    const client = new OpenAiClient({ apiKey: KEY, baseUrl: srv.baseUrl });
    srv.state.inject('generations', { kind: 'dropMidStream', afterPartials: 1 }, { after: true });
    const seen: number[] = [];
    const body = buildGenerationsBody({ model: 'gpt-image-1.5', prompt: 'a lighthouse', params: {}, partialImages: 2 });
    await expect(client.generate(body, { onPartial: (p) => seen.push(p.index) })).rejects.toMatchObject({ code: 'network' });
    expect(seen).toEqual([0]);
    expect(srv.state.requestsTo('generations')).toHaveLength(1);
  });

  it('an error event mid-stream is the provider’s failure, with its message, in either API', async () => {
    const client = new OpenAiClient({ apiKey: KEY, baseUrl: srv.baseUrl });
    srv.state.inject('generations', { kind: 'streamError', afterPartials: 1, message: 'The render node went away.', code: 'image_generation_failed' }, { after: true });
    const seen: number[] = [];
    const body = buildGenerationsBody({ model: 'gpt-image-1.5', prompt: 'a lighthouse', params: {}, partialImages: 2 });
    await expect(client.generate(body, { onPartial: (p) => seen.push(p.index) })).rejects.toMatchObject({
      code: 'provider_unavailable',
      providerMessage: 'The render node went away.',
      params: { reason: 'image_generation_failed' },
    });
    expect(seen).toEqual([0]);
    const png = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#446688' } }).png().toBuffer();
    srv.state.inject('responses', { kind: 'streamError', afterPartials: 1, message: 'Upstream timed out.' }, { after: true });
    const rbody = buildResponsesBody({ model: 'gpt-image-1.5', prompt: 'add a moon', params: {}, images: [{ bytes: png, mime: 'image/png' }], partialImages: 2 });
    await expect(client.responses(rbody)).rejects.toMatchObject({ code: 'provider_unavailable', providerMessage: 'Upstream timed out.' });
    expect(srv.state.requestsTo('generations')).toHaveLength(1);
    expect(srv.state.requestsTo('responses')).toHaveLength(1);
  });
});

describe('OpenAI streaming: a partial that is not an image', () => {
  let srv: OpenAiTestServer;
  beforeEach(async () => {
    srv = await startOpenAiTestServer({ keys: [KEY], maxRenderEdge: 128, partialDelayMs: 20 });
  });
  afterEach(async () => srv.close());

  it('is skipped: the paid final image still arrives, in either API, sent once', async () => {
    const client = new OpenAiClient({ apiKey: KEY, baseUrl: srv.baseUrl });
    srv.state.inject('generations', { kind: 'badPartial', index: 0 }, { after: true });
    const seen: number[] = [];
    const body = buildGenerationsBody({ model: 'gpt-image-1.5', prompt: 'a lighthouse', params: { quality: 'low' }, partialImages: 2 });
    const res = await client.generate(body, { onPartial: (p) => seen.push(p.index) });
    expect(seen).toEqual([1]);
    expect(res.outputs).toHaveLength(1);
    expect(srv.state.streamsCompleted).toBe(1);
    const png = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#446688' } }).png().toBuffer();
    srv.state.inject('responses', { kind: 'badPartial', index: 1 }, { after: true });
    const rseen: number[] = [];
    const rbody = buildResponsesBody({ model: 'gpt-image-1.5', prompt: 'add a moon', params: {}, images: [{ bytes: png, mime: 'image/png' }], partialImages: 2 });
    const rres = await client.responses(rbody, { onPartial: (p) => rseen.push(p.index) });
    expect(rseen).toEqual([0]);
    expect(rres.outputs).toHaveLength(1);
    expect(srv.state.requestsTo('generations')).toHaveLength(1);
    expect(srv.state.requestsTo('responses')).toHaveLength(1);
  });
});

describe('OpenAI live previews through the app', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let srv: OpenAiTestServer;
  let app: App;
  let folderId: string;
  let events: AnyEvent[];
  let unsubscribe: () => void;

  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir('atelier-stream-'));
    // The final image 300 ms after the last partial: time for that partial's preview, which is dropped if the final
    // image comes first (jobs/partials.ts).
    srv = await startOpenAiTestServer({ keys: [KEY], maxRenderEdge: 512, partialDelayMs: 40, processingDelayMs: 40, finalDelayMs: 300 });
    app = await openTestApp(dir, { env: { ATELIER_OPENAI_BASE_URL: srv.baseUrl } });
    await call(app, 'settings.setKey', { provider: 'openai', key: KEY });
    folderId = (await call(app, 'folders.create', { name: 'Previews', parentId: null })).id;
    events = [];
    unsubscribe = app.dispatcher.subscribe((e) => events.push(e));
  });
  afterEach(async () => {
    unsubscribe();
    await call(app, 'settings.clearKey', { provider: 'openai' });
    await app.close();
    await srv.close();
    await cleanup();
  });

  const submit = () =>
    call(app, 'jobs.submit', { folderId, provider: 'openai', model: 'gpt-image-1.5', prompt: 'a red kite over the sea', params: { quality: 'low' }, references: [] });
  const finished = (id: string) => jobFinished(app, id);

  it('streams by default: partials arrive as small events before the final image, and only the final is stored', async () => {
    expect((await call(app, 'settings.providers', {})).find((p) => p.provider === 'openai')?.streamPartials).toBe(true);
    const job = await submit();
    const done = await finished(job.id);
    expect(done.state).toBe('completed');
    expect(done.assetIds).toHaveLength(1);

    const partials = events.filter((e): e is Extract<AnyEvent, { name: 'job.partial' }> => e.name === 'job.partial');
    expect(partials.map((e) => e.payload.index)).toEqual([0, 1]);
    expect(partials.every((e) => e.payload.jobId === job.id)).toBe(true);
    for (const e of partials) {
      const bytes = Buffer.from(e.payload.image.slice('data:image/webp;base64,'.length), 'base64');
      const meta = await sharp(bytes).metadata();
      expect(meta.format).toBe('webp');
      expect(Math.max(meta.width ?? 0, meta.height ?? 0)).toBeLessThanOrEqual(256);
      expect(e.payload.image.length).toBeLessThan(64 * 1024);
    }
    // Every partial came before the job left `submitting` (the final image's arrival).
    const firstAfter = events.findIndex((e) => e.name === 'job.updated' && e.payload.id === job.id && e.payload.state !== 'submitting' && e.payload.state !== 'queued');
    const lastPartial = events.findLastIndex((e) => e.name === 'job.partial');
    expect(lastPartial).toBeGreaterThanOrEqual(0);
    expect(lastPartial).toBeLessThan(firstAfter);

    // Nothing of a partial is in the library: one image file (the final one, 512 px, not a 256 px preview).
    const objects = await filesUnder(join(dir, 'objects'));
    expect(objects).toHaveLength(1);
    const asset = await call(app, 'assets.get', { id: done.assetIds[0]! });
    expect(asset.blob.width).toBe(512);
    expect(srv.state.streamsCompleted).toBe(1);
  });

  it('a chain step through the Responses API streams its previews too', async () => {
    const parent = await finished((await submit()).id);
    const step = await call(app, 'jobs.submit', {
      folderId, provider: 'openai', model: 'gpt-image-1.5', prompt: 'add a lighthouse', params: { quality: 'low' }, references: [],
      parentAssetId: parent.assetIds[0]!, chainMethod: 'responses',
    });
    const done = await finished(step.id);
    expect(done.state, JSON.stringify(done.error)).toBe('completed');
    const body = srv.state.requestsTo('responses')[0]!.body as { stream?: boolean; tools: Array<{ partial_images?: number }> };
    expect(body.stream).toBe(true);
    expect(body.tools[0]!.partial_images).toBe(2);
    const mine = events.filter((e) => e.name === 'job.partial' && e.payload.jobId === step.id);
    expect(mine.map((e) => (e.name === 'job.partial' ? e.payload.index : -1))).toEqual([0, 1]);
    // Two finals in the library (the parent and the step), no partial.
    expect(await filesUnder(join(dir, 'objects'))).toHaveLength(2);
  });

  it('with previews off, no stream is asked for and no partial is sent', async () => {
    const off = await call(app, 'settings.setStreamPartials', { provider: 'openai', enabled: false });
    expect(off.streamPartials).toBe(false);
    const done = await finished((await submit()).id);
    expect(done.state).toBe('completed');
    const body = srv.state.requestsTo('generations')[0]!.body as Record<string, unknown>;
    expect(body).not.toHaveProperty('stream');
    expect(body).not.toHaveProperty('partial_images');
    expect(events.some((e) => e.name === 'job.partial')).toBe(false);
    expect(srv.state.streamsStarted).toBe(0);
  });

  it('a stream dropped after a partial fails the job as a dropped connection: one POST, charge unknown, nothing stored', async () => {
    srv.state.inject('generations', { kind: 'dropMidStream', afterPartials: 1 }, { after: true });
    const job = await submit();
    const done = await finished(job.id);
    expect(done.state).toBe('failed');
    expect(done.error?.code).toBe('network');
    // The image may have been made: the charge is unknown and a retry asks first (src/shared/jobs.ts).
    expect(done.charge).toBe('unknown');
    // Not resent by the engine: the Images API has no idempotency key.
    await new Promise((r) => setTimeout(r, 300));
    expect(srv.state.requestsTo('generations')).toHaveLength(1);
    expect(events.filter((e) => e.name === 'job.partial')).toHaveLength(1);
    expect(await filesUnder(join(dir, 'objects'))).toHaveLength(0);
  });
});
