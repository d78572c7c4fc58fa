/** The pure pixel functions of masked edits: the outside-the-mask measure, the heat map and the composite. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compositePixels, heatmapPixels, measureOutsideMask, type Rgba } from '../../src/main/services/chains/mask';

const img = (w: number, h: number, f: (x: number, y: number) => [number, number, number, number]): Rgba => {
  const data = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data.set(f(x, y), (y * w + x) * 4);
  return { data, width: w, height: h };
};

describe('measureOutsideMask', () => {
  it('counts only pixels outside the mask whose largest channel change exceeds the threshold', () => {
    const before = img(4, 2, () => [100, 100, 100, 255]);
    // Left half is the mask (alpha 0: edit), right half outside.
    const mask = img(4, 2, (x) => [0, 0, 0, x < 2 ? 0 : 255]);
    // Change everything inside; outside: one pixel by 50 (counted), one by 10 (under threshold 24).
    const after = img(4, 2, (x, y) => (x < 2 ? [0, 0, 0, 255] : x === 2 && y === 0 ? [150, 100, 100, 255] : x === 3 && y === 1 ? [110, 100, 100, 255] : [100, 100, 100, 255]));
    const m = measureOutsideMask(before, after, mask, 24);
    expect(m).toEqual({ outsidePixels: 4, changedPixels: 1, changedPercent: 25, meanDelta: (50 / 3 + 10 / 3) / 4 });
  });

  it('is 0 for identical images and 100 % when everything outside changed past the threshold (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 8 }), fc.integer({ min: 0, max: 200 }), (w, h, t) => {
        const a = img(w, h, (x, y) => [(x * 31) % 256, (y * 17) % 256, 40, 255]);
        const mask = img(w, h, () => [0, 0, 0, 255]);
        expect(measureOutsideMask(a, a, mask, t).changedPixels).toBe(0);
        // Push the blue channel as far as it goes: 40 → 255 is a change of 215 everywhere.
        const b = img(w, h, (x, y) => [(x * 31) % 256, (y * 17) % 256, 255, 255]);
        const m = measureOutsideMask(a, b, mask, t);
        expect(m.outsidePixels).toBe(w * h);
        expect(m.changedPercent).toBe(100);
        expect(m.meanDelta).toBeCloseTo(215 / 3, 9);
      }),
    );
  });

  it('refuses images of different sizes', () => {
    expect(() => measureOutsideMask(img(2, 2, () => [0, 0, 0, 255]), img(2, 3, () => [0, 0, 0, 255]), img(2, 2, () => [0, 0, 0, 255]), 1)).toThrow(RangeError);
  });
});

describe('compositePixels and heatmapPixels', () => {
  it('keeps the original where the mask is opaque, the edit where it is transparent, and blends a feathered edge', () => {
    const before = img(3, 1, () => [200, 0, 0, 255]);
    const after = img(3, 1, () => [0, 0, 200, 255]);
    const mask = img(3, 1, (x) => [0, 0, 0, [0, 255, 51][x]!]);
    const c = compositePixels(before, after, mask);
    expect(Array.from(c.data)).toEqual([0, 0, 200, 255, 200, 0, 0, 255, 40, 0, 160, 255]);
  });

  it('paints changed pixels outside the mask red and the mask blue-tinted', () => {
    const before = img(2, 1, () => [0, 0, 0, 255]);
    const after = img(2, 1, () => [255, 255, 255, 255]);
    const mask = img(2, 1, (x) => [0, 0, 0, x === 0 ? 0 : 255]);
    const h = heatmapPixels(before, after, mask, 24);
    expect(Array.from(h.data.subarray(0, 4))).toEqual([0, 0, 90, 255]);
    expect(Array.from(h.data.subarray(4, 8))).toEqual([255, 0, 0, 255]);
  });
});
