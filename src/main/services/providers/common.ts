/**
 * Small pieces every provider adapter needs: the file extension of an image type, a concurrency-limited map (for
 * uploading several reference images), and the magic-byte check that an output really is a PNG, JPEG or WebP.
 */
import { AppError, missingCase } from '@shared/errors';
import type { ReferenceInput } from './types';

/** File extension for an accepted image type: png | jpg | webp. */
export function extOf(mime: ReferenceInput['mime']): string {
  switch (mime) {
    case 'image/png':
      return 'png';
    case 'image/jpeg':
      return 'jpg';
    case 'image/webp':
      return 'webp';
    default:
      throw missingCase(mime);
  }
}

/** `Promise.all(items.map(fn))` with at most `limit` in flight; results in input order; first failure rejects. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

const ascii = (b: Uint8Array, from: number, to: number): string => String.fromCharCode(...b.subarray(from, to));

/** The image type of `bytes` by magic number: PNG, JPEG, WebP, GIF, or null. */
export function sniffImageType(bytes: Uint8Array): 'image/png' | 'image/jpeg' | 'image/webp' | 'image/gif' | null {
  const b = bytes;
  if (b.length >= 8 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47 && b[4] === 0x0d && b[5] === 0x0a && b[6] === 0x1a && b[7] === 0x0a) {
    return 'image/png';
  }
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'image/jpeg';
  if (b.length >= 12 && ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 12) === 'WEBP') return 'image/webp';
  if (b.length >= 6 && (ascii(b, 0, 6) === 'GIF87a' || ascii(b, 0, 6) === 'GIF89a')) return 'image/gif';
  return null;
}

/**
 * Outputs must be one of the formats GPT Image produces (`output_format`: png | jpeg | webp).
 * @param label the provider's name for the message, e.g. `Apiframe`
 * @throws AppError `provider_bad_response` (`params.reason` `not_an_image`)
 */
export function requireOutputImage(bytes: Uint8Array, label: string): void {
  const t = sniffImageType(bytes);
  if (t === 'image/png' || t === 'image/jpeg' || t === 'image/webp') return;
  throw new AppError('provider_bad_response', `${label} output is not a PNG, JPEG or WebP image`, {
    params: { reason: 'not_an_image' },
  });
}
