/**
 * Masks of masked edits (OpenAI `POST /images/edits`, https://platform.openai.com/docs/api-reference/images/createEdit: a PNG with an alpha channel, "fully
 * transparent (alpha 0) areas are edited", the same dimensions as the image), and what a masked step changed
 * outside its mask.
 *
 * The pixel functions are pure over decoded RGBA (`Rgba`: `data.length === width × height × 4`); the `*Bytes`
 * wrappers decode and encode with sharp. Inside the mask = mask alpha < 128 (a feathered edge counts by its
 * midpoint).
 */
import sharp from 'sharp';
import { AppError } from '@shared/errors';

/** Decoded pixels: 8-bit RGBA, row-major, no padding. Width and height in px. */
export interface Rgba {
  data: Uint8Array;
  width: number;
  height: number;
}

/** The outcome of {@link measureOutsideMask}. Counts in px; `meanDelta` 0–255; `changedPercent` 0–100. */
export interface OutsideMeasure {
  outsidePixels: number;
  changedPixels: number;
  changedPercent: number;
  meanDelta: number;
}

/** Alpha below this marks a pixel as inside the mask (to edit). */
export const INSIDE_ALPHA = 128;

/**
 * Checks a mask against the image it goes with, before anything is sent: a PNG, with an alpha channel, exactly
 * `width × height` px.
 * @throws AppError `validation` with `params.field: 'mask'` and `reason` `not_png` | `no_alpha` | `size_mismatch`
 *   (the latter with `params.expected` / `params.actual` as `WxH`)
 */
export async function validateMask(bytes: Uint8Array, image: { width: number; height: number }): Promise<void> {
  const meta = await sharp(bytes)
    .metadata()
    .catch(() => null);
  if (!meta || meta.format !== 'png') {
    throw new AppError('validation', 'the mask must be a PNG image', { params: { field: 'mask', reason: 'not_png' } });
  }
  if (meta.width !== image.width || meta.height !== image.height) {
    throw new AppError('validation', `the mask is ${meta.width}x${meta.height}; the image is ${image.width}x${image.height}`, {
      params: { field: 'mask', reason: 'size_mismatch', expected: `${image.width}x${image.height}`, actual: `${meta.width}x${meta.height}` },
    });
  }
  if (!meta.hasAlpha) {
    throw new AppError('validation', 'the mask has no alpha channel (alpha 0 marks where to edit)', {
      params: { field: 'mask', reason: 'no_alpha' },
    });
  }
}

function sameSize(a: Rgba, b: Rgba, what: string): void {
  if (a.width !== b.width || a.height !== b.height || a.data.length !== a.width * a.height * 4 || b.data.length !== a.data.length) {
    throw new RangeError(`${what}: images differ in size (${a.width}x${a.height} vs ${b.width}x${b.height})`);
  }
}

/**
 * How much changed outside the mask between `before` (the parent) and `after` (the step's output, at the parent's
 * size). A pixel counts as changed when its largest channel difference (RGB) exceeds `threshold` (0–255).
 * `meanDelta` is the mean over outside pixels of the mean absolute RGB difference.
 * @throws RangeError when the three images differ in size
 */
export function measureOutsideMask(before: Rgba, after: Rgba, mask: Rgba, threshold: number): OutsideMeasure {
  sameSize(before, after, 'measureOutsideMask');
  sameSize(before, mask, 'measureOutsideMask');
  let outside = 0;
  let changed = 0;
  let sum = 0;
  const a = before.data;
  const b = after.data;
  const m = mask.data;
  for (let i = 0; i < a.length; i += 4) {
    if (m[i + 3]! < INSIDE_ALPHA) continue;
    outside++;
    const dr = Math.abs(a[i]! - b[i]!);
    const dg = Math.abs(a[i + 1]! - b[i + 1]!);
    const db = Math.abs(a[i + 2]! - b[i + 2]!);
    sum += (dr + dg + db) / 3;
    if (Math.max(dr, dg, db) > threshold) changed++;
  }
  return {
    outsidePixels: outside,
    changedPixels: changed,
    changedPercent: outside === 0 ? 0 : (changed / outside) * 100,
    meanDelta: outside === 0 ? 0 : sum / outside,
  };
}

/**
 * A heat map of the change: the parent in dim grey, changed pixels outside the mask in red (brighter = larger
 * change, those over `threshold` fully opaque red), the mask's area tinted blue. Same size as the inputs.
 * @throws RangeError when the images differ in size
 */
export function heatmapPixels(before: Rgba, after: Rgba, mask: Rgba, threshold: number): Rgba {
  sameSize(before, after, 'heatmapPixels');
  sameSize(before, mask, 'heatmapPixels');
  const out = new Uint8Array(before.data.length);
  const a = before.data;
  const b = after.data;
  const m = mask.data;
  for (let i = 0; i < a.length; i += 4) {
    const grey = Math.round((a[i]! * 0.299 + a[i + 1]! * 0.587 + a[i + 2]! * 0.114) * 0.45);
    let r = grey;
    let g = grey;
    let bl = grey;
    if (m[i + 3]! < INSIDE_ALPHA) {
      bl = Math.min(255, grey + 90);
    } else {
      const d = Math.max(Math.abs(a[i]! - b[i]!), Math.abs(a[i + 1]! - b[i + 1]!), Math.abs(a[i + 2]! - b[i + 2]!));
      if (d > threshold) {
        r = 255;
        g = Math.round(grey * 0.3);
        bl = Math.round(grey * 0.3);
      } else if (d > 0) {
        r = Math.min(255, grey + Math.round((d / Math.max(1, threshold)) * 120));
      }
    }
    out[i] = r;
    out[i + 1] = g;
    out[i + 2] = bl;
    out[i + 3] = 255;
  }
  return { data: out, width: before.width, height: before.height };
}

/**
 * "Keep the original outside the mask": the output inside the mask, the parent outside, blended by the mask's
 * alpha (alpha 0 → output, 255 → original), so a feathered mask gives a soft seam.
 * @throws RangeError when the images differ in size
 */
export function compositePixels(before: Rgba, after: Rgba, mask: Rgba): Rgba {
  sameSize(before, after, 'compositePixels');
  sameSize(before, mask, 'compositePixels');
  const out = new Uint8Array(before.data.length);
  for (let i = 0; i < out.length; i += 4) {
    const keep = mask.data[i + 3]! / 255;
    for (let c = 0; c < 3; c++) out[i + c] = Math.round(before.data[i + c]! * keep + after.data[i + c]! * (1 - keep));
    out[i + 3] = Math.round(before.data[i + 3]! * keep + after.data[i + 3]! * (1 - keep));
  }
  return { data: out, width: before.width, height: before.height };
}

/**
 * Decodes an image to RGBA, resized (cover, centred) to `size` when given — a model's output may come back at
 * another size than its input.
 */
export async function decodeRgba(bytes: Uint8Array, size?: { width: number; height: number }): Promise<Rgba> {
  let img = sharp(bytes).ensureAlpha();
  if (size) img = img.resize(size.width, size.height, { fit: 'cover' });
  const { data, info } = await img.raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height };
}

/** Encodes RGBA pixels as PNG. */
export function encodePng(px: Rgba): Promise<Buffer> {
  return sharp(Buffer.from(px.data.buffer, px.data.byteOffset, px.data.length), {
    raw: { width: px.width, height: px.height, channels: 4 },
  })
    .png()
    .toBuffer();
}
