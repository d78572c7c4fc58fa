/**
 * The image pool (issue 12 §1): the library's image work (hashing, the decode check, perceptual hashes,
 * thumbnails, export conversions; image-work.ts) runs on a pool of worker threads sized to the cores, so the
 * service host's event loop only orchestrates: it reads and writes files and SQLite rows, and hands the pixels
 * to the pool. Built on tinypool (https://github.com/tinylibs/tinypool), a small worker-thread pool with no
 * dependencies of its own (no native add-on to package into the asar).
 *
 * Each worker runs one task at a time, so at most as many images are decoded or encoded at once as there are
 * cores: the CPU and libuv's shared threadpool keep room for the gallery's own file reads.
 *
 * sharp must be loaded by the main thread before its worker threads are created (sharp's installation notes,
 * https://sharp.pixelplumbing.com/install#worker-threads): image-work.ts, imported here, loads it.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import Tinypool from 'tinypool';
import * as inline from './image-work';
import type { ConvertTask, DecodeResult, DecodeTask, ThumbnailTask } from './image-work';

/**
 * Files up to this size (bytes) are hashed on the calling thread even with a pool: SHA-256 of 1 MiB takes about
 * 0.5 ms here, less than copying the bytes to a worker and back (measured: 0.35 ms of postMessage per 70 KB photo).
 */
export const INLINE_HASH_MAX_BYTES = 1024 * 1024;

/** The image jobs, in a pool or inline; every method resolves with plain data (bytes as Buffer). */
export interface ImageWork {
  /** SHA-256 hex of the bytes (a pool hashes files over {@link INLINE_HASH_MAX_BYTES} in a worker). */
  sha256(bytes: Uint8Array): Promise<string>;
  /** The decode check of `inspectImage` (and the dHash when `task.dhash`); see image-work.ts `decodeCheck`. */
  decodeCheck(task: DecodeTask): Promise<DecodeResult>;
  /** dHash, 16 hex digits. @throws Error when the bytes cannot be decoded */
  dhash(bytes: Uint8Array, maxPixels: number): Promise<string>;
  /** WebP thumbnail bytes. @throws Error when the bytes cannot be decoded */
  thumbnail(task: ThumbnailTask): Promise<Buffer>;
  /** Export conversion bytes. @throws Error when the bytes cannot be decoded */
  convert(task: ConvertTask): Promise<Buffer>;
  /** Ends the workers (queued tasks are rejected); inline work has nothing to end. */
  close(): Promise<void>;
}

const toBuffer = (u: Uint8Array): Buffer => (Buffer.isBuffer(u) ? u : Buffer.from(u.buffer, u.byteOffset, u.byteLength));

/** The same functions on the calling thread (sharp still decodes on libuv's threads): tests and tools. */
export const inlineImageWork: ImageWork = {
  sha256: async (bytes) => inline.sha256(bytes),
  decodeCheck: (task) => inline.decodeCheck(task),
  dhash: (bytes, maxPixels) => inline.dhash({ bytes, maxPixels }),
  thumbnail: async (task) => toBuffer(await inline.thumbnail(task)),
  convert: async (task) => toBuffer(await inline.convert(task)),
  close: async () => {},
};

/**
 * The workers' module: image-work.ts beside this file in the source tree, `out/main/image-work.js` in the
 * build (this code is bundled into `out/main/*.js` or `out/main/chunks/*.js`).
 * @throws Error when neither is there
 */
export function imageWorkerFile(moduleUrl: string = import.meta.url): URL {
  const candidates = moduleUrl.endsWith('.ts') ? ['./image-work.ts'] : ['./image-work.js', '../image-work.js'];
  for (const c of candidates) {
    const url = new URL(c, moduleUrl);
    if (existsSync(fileURLToPath(url))) return url;
  }
  throw new Error(`the image pool's worker module is missing (looked for ${candidates.join(', ')} beside ${moduleUrl})`);
}

/** Options of {@link createImagePool}. */
export interface ImagePoolOptions {
  /** Worker threads (default: the cores, `os.availableParallelism()`, at least 1). */
  threads?: number;
  /** An idle worker ends after this long, ms (default 30,000; one is kept). */
  idleTimeoutMs?: number;
}

/**
 * Starts the pool (one worker at once, the others on demand).
 * @throws Error when the worker module is missing (see {@link imageWorkerFile})
 */
export function createImagePool(opts: ImagePoolOptions = {}): ImageWork {
  const threads = Math.max(1, opts.threads ?? availableParallelism());
  const pool = new Tinypool({
    filename: imageWorkerFile().href,
    minThreads: 1,
    maxThreads: threads,
    idleTimeout: opts.idleTimeoutMs ?? 30_000,
    // The tasks are async (sharp): a worker must keep its event loop, not block on Atomics.wait between tasks.
    useAtomics: false,
  });
  let closed = false;
  const run = <T>(name: keyof typeof inline, task: unknown): Promise<T> => {
    if (closed) return Promise.reject(new Error('the image pool is closed'));
    return pool.run(task, { name }) as Promise<T>;
  };
  return {
    sha256: async (bytes) => (bytes.length <= INLINE_HASH_MAX_BYTES ? inline.sha256(bytes) : run<string>('sha256', bytes)),
    decodeCheck: (task) => run<DecodeResult>('decodeCheck', task),
    dhash: (bytes, maxPixels) => run<string>('dhash', { bytes, maxPixels }),
    thumbnail: async (task) => toBuffer(await run<Uint8Array>('thumbnail', task)),
    convert: async (task) => toBuffer(await run<Uint8Array>('convert', task)),
    async close() {
      if (closed) return;
      closed = true;
      await pool.destroy();
    },
  };
}
