/**
 * The image work of the library, one function per kind of job: SHA-256 of a file's bytes, the decode check of
 * `inspectImage` (with the perceptual hash from the same decode when asked), the dHash alone, thumbnails and
 * export conversions. Each takes one plain object (or bytes) and returns plain data, so the same function runs
 * in a worker of the image pool (image-pool.ts: this file is the workers' module) or inline on the caller's
 * thread. Nothing here throws for what a file contains: a decode failure comes back as `{ ok: false, message }`.
 *
 * Self-contained on purpose: it imports only sharp and node:crypto, and uses only erasable TypeScript, so a
 * worker can load it from the source tree (Node 24 strips the types) as well as from the build
 * (out/main/image-work.js, an entry of electron.vite.config.ts).
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { setPriority } from 'node:os';
import sharp, { type Sharp } from 'sharp';

/** Nice value given to libvips' pixel threads (0 is normal, 19 the lowest): see {@link lowerPixelThreads}. */
export const PIXEL_THREAD_NICE = 10;
const lowered = new Set<number>();
let lastScan = 0;

/**
 * Linux: lowers the CPU priority of libvips' worker threads of this process (named `libvips worker`; they do the
 * decoding, resizing and encoding) to nice {@link PIXEL_THREAD_NICE}, once per thread, looking at most every
 * 500 ms. The threads that answer the window (the web host's, the service host's, libuv's file I/O) keep their
 * priority, so when an import or a thumbnail run takes every core the gallery's calls still get the CPU first.
 * A thread id is a process id for setpriority(2) on Linux (`PRIO_PROCESS` with a TID sets that thread). Elsewhere,
 * or when /proc cannot be read, nothing changes. Never throws.
 */
export function lowerPixelThreads(now: number = Date.now()): void {
  if (process.platform !== 'linux' || now - lastScan < 500) return;
  lastScan = now;
  try {
    for (const entry of readdirSync('/proc/self/task')) {
      const tid = Number(entry);
      if (lowered.has(tid)) continue;
      let comm = '';
      try {
        comm = readFileSync(`/proc/self/task/${entry}/comm`, 'utf8');
      } catch {
        continue; // the thread ended meanwhile
      }
      if (!comm.startsWith('libvips worker')) continue;
      try {
        setPriority(tid, PIXEL_THREAD_NICE);
      } catch {
        // not ours to change (it ended, or the system refuses): leave it
      }
      lowered.add(tid);
    }
  } catch {
    // no /proc: nothing to do
  }
}

/** What {@link decodeCheck} is asked: the whole file and what its header declared (px). */
export interface DecodeTask {
  bytes: Uint8Array;
  /** width × height limit, px. */
  maxPixels: number;
  /** Width and height of the header (px, stored orientation), to compare with the decoder's. */
  width: number;
  height: number;
  /** Also compute the 64-bit dHash (see {@link dhashBits}) from the same decode. */
  dhash: boolean;
}

/**
 * Outcome of {@link decodeCheck}: the decoder's format and size (px) with the EXIF orientation (1–8, 1 when
 * absent) and the dHash when asked, or the decoder's message when the file cannot be decoded.
 */
export type DecodeResult =
  | { ok: true; format: string | null; width: number | null; height: number | null; orientation: number; dhash: string | null }
  | { ok: false; message: string };

/** What {@link thumbnail} is asked: the original's bytes, its pixel limit and the long edge (px). */
export interface ThumbnailTask {
  bytes: Uint8Array;
  limitInputPixels: number;
  size: number;
}

/** What {@link convert} is asked: an export conversion (upright; long edge in px, never enlarged; quality 1–100). */
export interface ConvertTask {
  bytes: Uint8Array;
  limitInputPixels: number;
  format: 'png' | 'jpeg' | 'webp';
  quality: number;
  longEdge: number | null;
}

/** SHA-256 of the bytes, 64 lowercase hex digits. */
export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The dHash of a 9×8 grey raster (row-major, one byte per pixel): one bit per horizontally adjacent pair. */
export function dhashBits(px: Uint8Array): string {
  let hi = 0;
  let lo = 0;
  for (let y = 0; y < 8; y++) {
    for (let x = 0; x < 8; x++) {
      const bit = px[y * 9 + x]! > px[y * 9 + x + 1]! ? 1 : 0;
      const i = y * 8 + x;
      if (i < 32) hi = ((hi << 1) | bit) >>> 0;
      else lo = ((lo << 1) | bit) >>> 0;
    }
  }
  return hi.toString(16).padStart(8, '0') + lo.toString(16).padStart(8, '0');
}

/** The upright, grey 9×8 raster a dHash is taken from (the same pipeline whatever the caller). */
function dhashPipeline(img: Sharp): Sharp {
  return img.rotate().greyscale().resize(9, 8, { fit: 'fill' }).raw();
}

/**
 * Decodes every pixel with libvips, failing on decoder errors (`failOn: 'error'`, see inspect.ts for why not
 * `'warning'`), with a sequential read that does not keep the decoded raster. Without `dhash` it pulls every row
 * through the decoder by reading the bottom-right pixel; with it, the dHash's resize pulls every row instead, so
 * an import decodes each new file once rather than twice.
 */
export async function decodeCheck(task: DecodeTask): Promise<DecodeResult> {
  lowerPixelThreads();
  const opts = { failOn: 'error', limitInputPixels: task.maxPixels, sequentialRead: true } as const;
  try {
    const meta = await sharp(task.bytes, opts).metadata();
    const declared = meta.format === undefined ? null : meta.format;
    const result = { ok: true as const, format: declared, width: meta.width ?? null, height: meta.height ?? null, orientation: meta.orientation ?? 1, dhash: null as string | null };
    if (result.width !== task.width || result.height !== task.height) return result; // the caller refuses it
    if (task.dhash) {
      result.dhash = dhashBits(await dhashPipeline(sharp(task.bytes, opts)).toBuffer());
    } else {
      await sharp(task.bytes, opts).extract({ left: task.width - 1, top: task.height - 1, width: 1, height: 1 }).raw().toBuffer();
    }
    return result;
  } catch (err) {
    return { ok: false, message: err instanceof Error ? err.message : String(err) };
  }
}

/**
 * The 64-bit difference hash of an image as 16 hex digits: upright (EXIF orientation applied), grey, shrunk to
 * 9×8, one bit per horizontally adjacent pair (left brighter than right).
 * @throws Error from sharp when the bytes cannot be decoded
 */
export async function dhash(task: { bytes: Uint8Array; maxPixels: number }): Promise<string> {
  lowerPixelThreads();
  return dhashBits(await dhashPipeline(sharp(task.bytes, { failOn: 'none', limitInputPixels: task.maxPixels })).toBuffer());
}

/**
 * A thumbnail as WebP bytes: upright, long edge at most `size` px (never enlarged), quality 80.
 * @throws Error from sharp when the bytes cannot be decoded
 */
export async function thumbnail(task: ThumbnailTask): Promise<Uint8Array> {
  lowerPixelThreads();
  return sharp(task.bytes, { failOn: 'none', limitInputPixels: task.limitInputPixels })
    .autoOrient()
    .resize({ width: task.size, height: task.size, fit: 'inside', withoutEnlargement: true })
    .webp({ quality: 80 })
    .toBuffer();
}

/**
 * An export conversion: upright, optionally resized to `longEdge` px (never enlarged); JPEG flattened on white.
 * Carries no metadata of the source (the exporter writes its own XMP afterwards).
 * @throws Error from sharp when the bytes cannot be decoded
 */
export async function convert(task: ConvertTask): Promise<Uint8Array> {
  lowerPixelThreads();
  let img = sharp(task.bytes, { failOn: 'none', limitInputPixels: task.limitInputPixels }).rotate();
  if (task.longEdge) img = img.resize({ width: task.longEdge, height: task.longEdge, fit: 'inside', withoutEnlargement: true });
  if (task.format === 'jpeg') img = img.flatten({ background: '#ffffff' }).jpeg({ quality: task.quality, mozjpeg: false });
  else if (task.format === 'webp') img = img.webp({ quality: task.quality });
  else img = img.png();
  return img.toBuffer();
}
