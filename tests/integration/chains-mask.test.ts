/**
 * The outside-the-mask measure on real photos with known differences (decoded by sharp), the heat map and the
 * composite, through the ChainService functions the calls use.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { compositePixels, decodeRgba, encodePng, heatmapPixels, measureOutsideMask, validateMask } from '../../src/main/services/chains/mask';
import { GOOD_IMAGES } from '../helpers/paths';

/** A mask the size of the image: alpha 0 (edit) inside the rectangle, 255 elsewhere. */
async function rectMask(width: number, height: number, r: { left: number; top: number; width: number; height: number }): Promise<Buffer> {
  const raw = Buffer.alloc(width * height * 4, 0);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const inside = x >= r.left && x < r.left + r.width && y >= r.top && y < r.top + r.height;
      raw[(y * width + x) * 4 + 3] = inside ? 0 : 255;
    }
  }
  return sharp(raw, { raw: { width, height, channels: 4 } }).png().toBuffer();
}

describe('outside-the-mask measure on real images', () => {
  it('finds exactly the pixels changed outside the mask (a painted square), none of those inside', async () => {
    const photo = await readFile(join(GOOD_IMAGES, 'astronaut.png'));
    const { width, height } = await sharp(photo).metadata();
    const w = width!;
    const h = height!;
    const inside = { left: 100, top: 100, width: 200, height: 200 };
    // The "edit": a grey block over the mask area (inside: ignored) and a 40×30 pure-green patch outside it.
    const edited = await sharp(photo)
      .composite([
        { input: { create: { width: 200, height: 200, channels: 4, background: { r: 128, g: 128, b: 128, alpha: 1 } } }, left: 100, top: 100 },
        { input: { create: { width: 40, height: 30, channels: 4, background: { r: 0, g: 255, b: 0, alpha: 1 } } }, left: w - 50, top: h - 40 },
      ])
      .png()
      .toBuffer();
    const maskPng = await rectMask(w, h, inside);
    await validateMask(maskPng, { width: w, height: h });
    const [before, after, mask] = await Promise.all([decodeRgba(photo), decodeRgba(edited), decodeRgba(maskPng)]);
    const m = measureOutsideMask(before, after, mask, 24);
    expect(m.outsidePixels).toBe(w * h - 200 * 200);
    // The astronaut photo has no pure-green pixels, so every pixel of the patch changed by more than 24 in G —
    // except where the photo was already near (0,255,0): none. Allow none missing.
    expect(m.changedPixels).toBe(40 * 30);
    expect(m.changedPercent).toBeCloseTo((1200 / (w * h - 40000)) * 100, 6);
    expect(m.meanDelta).toBeGreaterThan(0);

    // The heat map: red at the patch, blue-tinted in the mask.
    const heat = heatmapPixels(before, after, mask, 24);
    const at = (x: number, y: number) => Array.from(heat.data.subarray((y * w + x) * 4, (y * w + x) * 4 + 4));
    expect(at(w - 30, h - 25)[0]).toBe(255);
    expect(at(150, 150)[2]).toBeGreaterThanOrEqual(90);
    expect((await sharp(await encodePng(heat)).metadata()).width).toBe(w);

    // The composite keeps the original outside the mask: nothing changed there any more, the edit stays inside.
    const comp = compositePixels(before, after, mask);
    expect(measureOutsideMask(before, comp, mask, 0).changedPixels).toBe(0);
    const i = (150 * w + 150) * 4;
    expect(Array.from(comp.data.subarray(i, i + 3))).toEqual([128, 128, 128]);
  });

  it('a JPEG re-encode outside the mask is small change, not zero: the threshold separates noise from edits', async () => {
    const photo = await readFile(join(GOOD_IMAGES, 'coffee.png'));
    const jpeg = await sharp(photo).jpeg({ quality: 70 }).toBuffer();
    const { width, height } = await sharp(photo).metadata();
    const mask = await decodeRgba(await rectMask(width!, height!, { left: 0, top: 0, width: 10, height: 10 }));
    const [a, b] = await Promise.all([decodeRgba(photo), decodeRgba(jpeg)]);
    const strict = measureOutsideMask(a, b, mask, 0);
    const lenient = measureOutsideMask(a, b, mask, 40);
    expect(strict.changedPercent).toBeGreaterThan(lenient.changedPercent);
    expect(lenient.changedPercent).toBeLessThan(5);
    expect(strict.meanDelta).toBe(lenient.meanDelta);
  });

  it('refuses a mask of another size, naming both sizes', async () => {
    const m = await rectMask(64, 64, { left: 0, top: 0, width: 8, height: 8 });
    await expect(validateMask(m, { width: 512, height: 512 })).rejects.toMatchObject({
      code: 'validation',
      params: { field: 'mask', reason: 'size_mismatch', expected: '512x512', actual: '64x64' },
    });
  });
});
