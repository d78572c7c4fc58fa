/**
 * The difference view's image: per-pixel |A − B| with sharp, in the main process (the renderer's canvas could be
 * tainted by the `media:` protocol in Electron; here the bytes are ours).
 */
import sharp from 'sharp';

/** The result of {@link diffImages}. */
export interface DiffResult {
  /** A's size in px (B is resized to it). */
  width: number;
  height: number;
  /** PNG bytes of the amplified difference (RGB). */
  png: Buffer;
  /** Mean absolute difference over the RGB channels of every pixel, 0–255, before gain. */
  meanDelta: number;
  /** Share of pixels whose largest channel difference is above 8, 0–1. */
  changedShare: number;
}

/**
 * Computes |A − B| per channel (alpha flattened on black), B resized to A's size (fill), amplified ×`gain`
 * and clamped to 255.
 * @param a path or bytes of image A
 * @param b path or bytes of image B
 * @param gain 1–16
 * @throws Error from sharp when an image cannot be decoded
 */
export async function diffImages(a: string | Buffer, b: string | Buffer, gain: number): Promise<DiffResult> {
  const ra = await sharp(a).flatten({ background: '#000' }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const { width, height } = ra.info;
  const rb = await sharp(b).flatten({ background: '#000' }).removeAlpha().resize(width, height, { fit: 'fill' }).raw().toBuffer();
  const pa = ra.data;
  const out = Buffer.alloc(width * height * 3);
  let sum = 0;
  let changed = 0;
  for (let i = 0, p = 0; p < width * height; p++, i += 3) {
    let max = 0;
    for (let c = 0; c < 3; c++) {
      const d = Math.abs(pa[i + c]! - rb[i + c]!);
      sum += d;
      if (d > max) max = d;
      out[i + c] = Math.min(255, d * gain);
    }
    if (max > 8) changed++;
  }
  const png = await sharp(out, { raw: { width, height, channels: 3 } }).png({ compressionLevel: 6 }).toBuffer();
  const pixels = Math.max(1, width * height);
  return { width, height, png, meanDelta: sum / (pixels * 3), changedShare: changed / pixels };
}
