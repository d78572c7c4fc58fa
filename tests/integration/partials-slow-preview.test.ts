/**
 * Live previews never hold back the paid image (jobs/partials.ts): an OpenAI streamed submit, over real HTTP on
 * loopback against the OpenAI test server, wrapped by `withPartialPreviews` with a preview converter that stalls
 * (or fails). The submit resolves with the final image while conversions are still pending; the partials queued
 * behind them are never converted, and no `job.partial` for the job is sent after the submit resolved.
 */
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EventBus } from '../../src/main/dispatcher';
import { withPartialPreviews, type PreviewImages } from '../../src/main/services/jobs/partials';
import { inlineImageWork } from '../../src/main/services/library/image-pool';
import { createOpenAiAdapter } from '../../src/main/services/providers/openai/adapter';
import type { ProviderAdapter, SubmitRequest } from '../../src/main/services/providers/types';
import type { AnyEvent } from '../../src/shared/contract';
import { startOpenAiTestServer, type OpenAiTestServer } from '../servers/openai/server';

const KEY = 'sk-test-openai-slow-preview-07';
const JOB_ID = 'job-slow-preview-1';

const req: SubmitRequest = {
  model: 'gpt-image-1.5',
  prompt: 'a red kite over the sea',
  params: { quality: 'low' },
  referenceUrls: [],
  references: [],
  idempotencyKey: 'key-slow-preview-1',
};

/** `p`, or a rejection naming `what` after `ms`. */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`${what}: not settled within ${ms} ms`)), ms);
    p.then(
      (v) => (clearTimeout(t), resolve(v)),
      (e: unknown) => (clearTimeout(t), reject(e instanceof Error ? e : new Error(String(e)))),
    );
  });
}

describe('live previews and the paid image', () => {
  let srv: OpenAiTestServer;
  let bus: EventBus;
  let events: Array<{ event: AnyEvent; afterResult: boolean }>;
  let resolved: boolean;
  beforeEach(async () => {
    // Two partials 30 ms apart, the final image right after the last (as the test server sends it by default).
    srv = await startOpenAiTestServer({ keys: [KEY], maxRenderEdge: 256, partialDelayMs: 30 });
    bus = new EventBus();
    events = [];
    resolved = false;
    bus.subscribe((event) => events.push({ event, afterResult: resolved }));
  });
  afterEach(async () => srv.close());

  const wrap = (images: PreviewImages, log?: (msg: string, err?: unknown) => void): ProviderAdapter =>
    withPartialPreviews(createOpenAiAdapter({ id: 'openai' }) as ProviderAdapter, {
      bus,
      images,
      jobIdOf: () => JOB_ID,
      enabled: () => true,
      ...(log ? { log } : {}),
    });
  const ctx = () => ({ apiKey: KEY, baseUrl: srv.baseUrl });

  it('a stalled preview conversion: the submit resolves with the final image at once, the queued previews are dropped', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const started: number[] = [];
    const conversions: Array<Promise<Buffer>> = [];
    const images: PreviewImages = {
      convert: (task) => {
        started.push(Date.now());
        const p = gate.then(() => inlineImageWork.convert(task));
        conversions.push(p);
        return p;
      },
    };
    const adapter = wrap(images);
    // The converter never finishes until the test lets it: a submit that waits for previews never resolves.
    const res = await within(adapter.submit(req, ctx()), 10_000, 'the submit (waiting for its previews?)');
    resolved = true;
    expect(srv.state.partialsSent).toBe(2);
    expect(srv.state.streamsCompleted).toBe(1);
    const status = res.status;
    expect(status?.state).toBe('completed');
    const out = status?.state === 'completed' ? status.outputs[0] : undefined;
    expect(out && 'bytes' in out && (await sharp(out.bytes).metadata()).width).toBe(256);
    // The first partial's conversion was under way; the second, queued behind it, was never started.
    expect(started).toHaveLength(1);

    // Let the stalled conversion finish: its preview is dropped, and nothing else starts.
    release();
    await Promise.allSettled(conversions);
    await new Promise((r) => setTimeout(r, 100));
    expect(started).toHaveLength(1);
    expect(events.filter((e) => e.event.name === 'job.partial')).toEqual([]);
  });

  it('previews converted before the result are sent; one still converting then is dropped, and nothing after it', async () => {
    // Partial 0 converts at once; partial 1 stalls until the submit is over. The final image comes 500 ms after the
    // last partial, time enough for partial 0's preview.
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const conversions: Array<Promise<Buffer>> = [];
    let calls = 0;
    const images: PreviewImages = {
      convert: (task) => {
        calls += 1;
        const p = calls === 1 ? inlineImageWork.convert(task) : gate.then(() => inlineImageWork.convert(task));
        conversions.push(p);
        return p;
      },
    };
    srv.state.config.finalDelayMs = 500;
    const res = await within(wrap(images).submit(req, ctx()), 10_000, 'the submit (waiting for its previews?)');
    resolved = true;
    expect(res.status?.state).toBe('completed');
    release();
    await Promise.allSettled(conversions);
    await new Promise((r) => setTimeout(r, 100));
    expect(calls).toBe(2);
    const partials = events.filter((e) => e.event.name === 'job.partial');
    expect(partials.map((e) => (e.event.name === 'job.partial' ? e.event.payload.index : -1))).toEqual([0]);
    expect(partials.every((e) => !e.afterResult)).toBe(true);
  });

  it('a preview conversion that throws, or fails after the result, never touches the submit', async () => {
    const logged: string[] = [];
    let calls = 0;
    const images: PreviewImages = {
      convert: (task) => {
        calls += 1;
        if (calls === 1) throw new Error('decoder exploded');
        return new Promise<Buffer>((_, reject) => setTimeout(() => reject(new Error(`late failure ${task.format}`)), 200));
      },
    };
    const res = await within(wrap(images, (msg) => logged.push(msg)).submit(req, ctx()), 10_000, 'the submit');
    resolved = true;
    expect(res.status?.state).toBe('completed');
    await new Promise((r) => setTimeout(r, 400));
    expect(logged[0]).toContain(`job ${JOB_ID}: partial 0 could not be previewed`);
    expect(events.filter((e) => e.event.name === 'job.partial')).toEqual([]);
  });
});
