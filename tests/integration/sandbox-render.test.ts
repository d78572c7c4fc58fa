/**
 * A sandbox that shows every feature (issue 11): its images differ visibly and measurably per model and per
 * quality, stay the same for the same inputs, and a masked edit changes only inside the mask — so the chain
 * view's outside-the-mask measure and heat map mean something offline. Real sharp decoding; the masked edit goes
 * through the whole app (contract, journal, engine, store) on a real library.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/main/app';
import type { AnyEvent } from '../../src/shared/contract';
import { renderSandboxImage, type SandboxJobSpec } from '../../src/main/services/providers/sandbox';
import { call, openTestApp, tempDir, jobFinished } from '../helpers/app';

const PROMPT = 'a lighthouse on a cliff at dawn';
/** Rows of a 768×768 sandbox image above its caption bar (64 px). */
const ART_ROWS = 768 - 64;

async function rgb(bytes: Uint8Array): Promise<{ data: Buffer; width: number; height: number }> {
  const { data, info } = await sharp(bytes).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

/** Mean absolute RGB difference of two images of one size over their first `rows` rows, 0–255. */
function meanDiff(a: { data: Buffer; width: number }, b: { data: Buffer }, rows: number): number {
  let sum = 0;
  const n = a.width * rows * 3;
  for (let i = 0; i < n; i++) sum += Math.abs(a.data[i]! - b.data[i]!);
  return sum / n;
}

/** Detail: the mean absolute difference between horizontally adjacent pixels over the first `rows` rows. */
function detail(a: { data: Buffer; width: number }, rows: number): number {
  let sum = 0;
  let n = 0;
  for (let y = 0; y < rows; y++) {
    for (let x = 1; x < a.width; x++) {
      for (let c = 0; c < 3; c++) sum += Math.abs(a.data[(y * a.width + x) * 3 + c]! - a.data[(y * a.width + x - 1) * 3 + c]!);
      n += 3;
    }
  }
  return sum / n;
}

const spec = (model: string, quality: string): SandboxJobSpec => ({
  prompt: PROMPT,
  params: { quality, output_format: 'png', aspect_ratio: '1:1' },
  references: [],
  model,
});

describe('sandbox rendering per model and quality', () => {
  it('is deterministic: the same inputs give the same bytes', async () => {
    const a = await renderSandboxImage(spec('gpt-image-2', 'high'), 0);
    const b = await renderSandboxImage(spec('gpt-image-2', 'high'), 0);
    expect(Buffer.compare(a, b)).toBe(0);
    const c = await renderSandboxImage({ ...spec('gpt-image-1.5', 'low'), params: { quality: 'low', output_format: 'webp' } }, 1);
    const d = await renderSandboxImage({ ...spec('gpt-image-1.5', 'low'), params: { quality: 'low', output_format: 'webp' } }, 1);
    expect(Buffer.compare(c, d)).toBe(0);
  });

  it('gpt-image-2 and gpt-image-1.5 draw the same prompt differently, at every quality', async () => {
    for (const q of ['low', 'medium', 'high']) {
      const a = await rgb(await renderSandboxImage(spec('gpt-image-2', q), 0));
      const b = await rgb(await renderSandboxImage(spec('gpt-image-1.5', q), 0));
      expect(meanDiff(a, b, ART_ROWS), `quality ${q}`).toBeGreaterThan(15);
    }
  });

  it('low, medium and high differ, with more detail at each step up', async () => {
    for (const model of ['gpt-image-2', 'gpt-image-1.5']) {
      const [low, medium, high] = await Promise.all(['low', 'medium', 'high'].map(async (q) => rgb(await renderSandboxImage(spec(model, q), 0))));
      expect(meanDiff(low!, medium!, ART_ROWS), `${model} low/medium`).toBeGreaterThan(3);
      expect(meanDiff(medium!, high!, ART_ROWS), `${model} medium/high`).toBeGreaterThan(3);
      const d = [detail(low!, ART_ROWS), detail(medium!, ART_ROWS), detail(high!, ART_ROWS)];
      expect(d[0]!, `${model} detail ${d.join(' < ')}`).toBeLessThan(d[1]!);
      expect(d[1]!, `${model} detail ${d.join(' < ')}`).toBeLessThan(d[2]!);
    }
  });
});

describe('sandbox masked edits through the app', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let app: App;
  let folderId: string;

  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir('atelier-sandbox-mask-'));
    app = await openTestApp(dir);
    folderId = (await call(app, 'folders.create', { name: 'Masks', parentId: null })).id;
  });
  afterEach(async () => {
    await app.close();
    await cleanup();
  });

  const done = async (jobId: string): Promise<string> => {
    const j = await jobFinished(app, jobId);
    expect(j.state, JSON.stringify(j.error)).toBe('completed');
    return j.assetIds[0]!;
  };

  it('streams live previews offline: two small partials before the final image, none stored', async () => {
    const events: AnyEvent[] = [];
    const unsubscribe = app.dispatcher.subscribe((e) => events.push(e));
    try {
      const job = await call(app, 'jobs.submit', { folderId, provider: 'sandbox', model: 'gpt-image-2', prompt: PROMPT, params: { quality: 'low' }, references: [] });
      await done(job.id);
      const partials = events.filter((e): e is Extract<AnyEvent, { name: 'job.partial' }> => e.name === 'job.partial' && e.payload.jobId === job.id);
      expect(partials.map((e) => e.payload.index)).toEqual([0, 1]);
      const completedAt = events.findIndex((e) => e.name === 'job.updated' && e.payload.id === job.id && e.payload.state === 'completed');
      expect(events.indexOf(partials[1]!)).toBeLessThan(completedAt);
      const meta = await sharp(Buffer.from(partials[0]!.payload.image.split(',')[1]!, 'base64')).metadata();
      expect([meta.format, meta.width]).toEqual(['webp', 256]);
      const files = (await readdir(join(dir, 'objects'), { recursive: true, withFileTypes: true })).filter((e) => e.isFile());
      expect(files).toHaveLength(1);
    } finally {
      unsubscribe();
    }
  });

  for (const format of ['png', 'webp'] as const) {
    it(`changes only inside the mask (${format}): outside identical to the parent, inside different`, async () => {
      const parent = await done(
        (await call(app, 'jobs.submit', { folderId, provider: 'sandbox', model: 'gpt-image-2', prompt: PROMPT, params: { quality: 'medium' }, references: [] })).id,
      );
      const parentBlob = (await call(app, 'assets.get', { id: parent })).blob;
      const { width, height } = parentBlob;
      // Edit a square in the middle (alpha 0), keep the rest (alpha 255).
      const box = { left: 200, top: 150, size: 300 };
      const raw = Buffer.alloc(width * height * 4, 0);
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
          const inside = x >= box.left && x < box.left + box.size && y >= box.top && y < box.top + box.size;
          raw[(y * width + x) * 4 + 3] = inside ? 0 : 255;
        }
      }
      const mask = await sharp(raw, { raw: { width, height, channels: 4 } }).png().toBuffer();
      const staged = await call(app, 'chains.stageMask', { assetId: parent, dataBase64: mask.toString('base64') });
      const edited = await done(
        (
          await call(app, 'jobs.submit', {
            folderId, provider: 'sandbox', model: 'gpt-image-1.5', prompt: 'a red balloon', params: { quality: 'high', output_format: format },
            references: [], parentAssetId: parent, maskBlobId: staged.id,
          })
        ).id,
      );
      const before = await rgb(await app.services.store.read(parentBlob.id));
      const afterBlob = (await call(app, 'assets.get', { id: edited })).blob;
      expect([afterBlob.width, afterBlob.height]).toEqual([width, height]);
      const after = await rgb(await app.services.store.read(afterBlob.id));
      let outsideDiff = 0;
      let insideSum = 0;
      let insideN = 0;
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
          const inside = x >= box.left && x < box.left + box.size && y >= box.top && y < box.top + box.size;
          for (let c = 0; c < 3; c++) {
            const i = (y * width + x) * 3 + c;
            const d = Math.abs(before.data[i]! - after.data[i]!);
            if (inside) {
              insideSum += d;
              insideN++;
            } else if (d !== 0) outsideDiff++;
          }
        }
      }
      expect(outsideDiff).toBe(0);
      expect(insideSum / insideN).toBeGreaterThan(15);

      // The chain's outside-the-mask measure reads the same: nothing changed outside.
      const node = (await call(app, 'chains.get', { assetId: edited })).nodes.find((n) => n.assetId === edited)!;
      expect(node).toMatchObject({ provider: 'sandbox', maskBlobId: staged.id });
      const report = await call(app, 'chains.outsideMask', { versionId: node.id, threshold: 0 });
      expect(report.outsidePixels).toBe(width * height - box.size * box.size);
      expect(report.changedPixels).toBe(0);
    });
  }
});
