/**
 * The content-addressed image store. Bytes are named by their SHA-256, so the same image is kept once however
 * many assets and jobs use it, and a stored file is never modified:
 *
 *   <dataDir>/objects/<first 2 hex>/<sha256>.<ext>   originals: written to tmp/, fsynced, renamed into place
 *   <dataDir>/thumbs/<first 2 hex>/<sha256>.webp     512 px thumbnails: a cache, rebuilt on demand
 *   <dataDir>/tmp/                                    files being written, named by their writer (pid and
 *                                                     start id); what no running writer owns is swept on open
 *
 * The file is in place before its `blobs` row is committed, so a row always has its file; a crash between the
 * two leaves a file without a row, which the next open (or put of the same bytes) adopts. Folders are made 0700 and files
 * 0600 (POSIX), and every read goes through `openInside` (library-fs.ts): a symbolic link planted in objects/ or
 * thumbs/ is never followed.
 */
import { createHash } from 'node:crypto';
import { constants as fsConstants } from 'node:fs';
import { existsSync } from 'node:fs';
import { lstat, mkdir, open, readdir, rename, rm, writeFile, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { BlobInfo } from '@shared/domain';
import { AppError } from '@shared/errors';
import { BlobsRepository, type BlobRow } from '../repositories/blobs';
import { CredentialStore } from './credentials';
import type { Db } from './db';
import { inlineImageWork, type ImageWork } from './image-pool';
import { DEFAULT_MAX_PIXELS, inspectImage, type InspectedImage, type InspectLimits } from './inspect';
import { checkInside, checkInsideSync, isRefusedPath, makePrivate, mkdirPrivate, openInside, PRIVATE_DIR_MODE, PRIVATE_FILE_MODE, readInside, sweepTemp, tempName, type SweepResult } from './library-fs';

/** Long edge of a thumbnail, in px (never enlarged: smaller images keep their size). */
export const THUMBNAIL_SIZE = 512;

const BLOB_ID = /^[0-9a-f]{64}$/;

/** Construction options of {@link BlobStore}. */
export interface BlobStoreOptions {
  /** The library database (already migrated). */
  db: Db;
  /** The library's data folder; `objects/`, `thumbs/` and `tmp/` are created inside it. */
  dataDir: string;
  /** Clock for `blobs.created_at`, epoch ms. Defaults to `Date.now`. */
  now?: () => number;
  /** PEM trust anchors for Content Credentials (see {@link CredentialStore}); default none. */
  c2paTrustAnchorsPem?: string | null;
  /** Where hashing, decode checks and thumbnails run (the app's image pool); default inline. */
  images?: ImageWork;
}

/** The content-addressed store of image bytes and their thumbnails. */
export class BlobStore {
  private readonly db: Db;
  private readonly dataDir: string;
  private readonly now: () => number;
  private readonly tmpDir: string;
  /** Writes under way, by blob id: concurrent puts of the same bytes share one write. */
  private readonly writing = new Map<string, Promise<void>>();
  /** Thumbnails under way, by blob id. */
  private readonly thumbnailing = new Map<string, Promise<string>>();
  private readonly blobs: BlobsRepository;
  /** The C2PA Content Credentials of the stored blobs, read by {@link BlobStore.put}. */
  readonly credentials: CredentialStore;
  /** The image work (pool or inline) the store uses; import and export use it too. */
  readonly images: ImageWork;

  /** Touches no file (see {@link BlobStore.initialize}). */
  constructor(opts: BlobStoreOptions) {
    this.db = opts.db;
    this.dataDir = opts.dataDir;
    this.now = opts.now ?? Date.now;
    this.tmpDir = join(this.dataDir, 'tmp');
    this.images = opts.images ?? inlineImageWork;
    this.blobs = BlobsRepository.of(this.db);
    this.credentials = new CredentialStore(this.db, { trustAnchorsPem: opts.c2paTrustAnchorsPem, now: this.now });
  }

  /**
   * Creates the store's folders (0700) and deletes the temporary files in tmp/ that no running write owns: those
   * of a process that is gone (killed mid-write), never those of another Atelier running on the same library
   * (see `sweepTemp` in library-fs.ts). Called on every open; `put` creates what it needs without it.
   * @returns the temporary files removed and kept
   */
  async initialize(): Promise<SweepResult> {
    await mkdirPrivate(join(this.dataDir, 'objects'));
    await mkdirPrivate(join(this.dataDir, 'thumbs'));
    await mkdirPrivate(this.tmpDir);
    const swept = await sweepTemp(this.tmpDir);
    await this.adoptUnrecorded();
    return swept;
  }

  /**
   * Gives its row to every file in objects/ that has none: what a put killed between its rename and its row leaves
   * (the bytes are whole, fsynced before the rename). Each is read inside the library, must be named by the SHA-256
   * of its bytes and pass the same checks as a put; anything else is left as it is for the integrity check. Never
   * deletes. Costs one listing of objects/ and one query per open.
   * @returns how many files were adopted
   */
  private async adoptUnrecorded(): Promise<number> {
    const objects = join(this.dataDir, 'objects');
    const known = this.blobs.fileNames();
    let adopted = 0;
    for (const sub of await readdir(objects).catch(() => [] as string[])) {
      if (!/^[0-9a-f]{2}$/.test(sub)) continue;
      for (const name of await readdir(join(objects, sub)).catch(() => [] as string[])) {
        const m = /^([0-9a-f]{64})\.(png|jpg|webp)$/.exec(name);
        if (!m || known.has(name) || !m[1]!.startsWith(sub)) continue;
        try {
          const bytes = await readInside(this.dataDir, join(objects, sub, name));
          if (createHash('sha256').update(bytes).digest('hex') !== m[1]) continue;
          const image = await inspectImage(bytes, name, { maxBytes: Number.MAX_SAFE_INTEGER, maxPixels: DEFAULT_MAX_PIXELS });
          if (image.ext !== m[2]) continue;
          await this.put(bytes, name, { maxBytes: Number.MAX_SAFE_INTEGER, maxPixels: DEFAULT_MAX_PIXELS });
          adopted++;
        } catch {
          // Not an image the store takes, or unreadable: the integrity check names it.
        }
      }
    }
    return adopted;
  }

  /**
   * Checks the bytes ({@link inspectImage}) and stores them under their SHA-256, and reads their C2PA Content
   * Credentials into `blob_credentials` (once per blob; an imported file and a generated image alike). Idempotent: identical bytes give
   * the same blob, one file and one row, also when puts of them run concurrently. A refused file leaves nothing
   * behind (no file in objects/ or tmp/, no row).
   * @param bytes the whole file
   * @param name the file's name, for error messages only
   * @param limits byte and pixel limits of the caller (see `inspectImage`)
   * @param inspected what `inspectImage(bytes, name, limits)` already returned for these very bytes (an import
   *   takes the dHash from the same decode); the check is not run again
   * @returns the stored blob: id (sha256 hex), mime, width and height in px, size in bytes
   * @throws AppError `bad_file` (see `inspectImage`); file system errors as they come (disk full, permissions)
   */
  async put(bytes: Uint8Array, name: string, limits: InspectLimits, inspected?: InspectedImage): Promise<BlobInfo> {
    const image = inspected ?? (await inspectImage(bytes, name, limits, { work: this.images }));
    const id = await this.images.sha256(bytes);

    let write = this.writing.get(id);
    if (!write) {
      write = this.writeObject(id, image.ext, bytes).finally(() => this.writing.delete(id));
      this.writing.set(id, write);
    }
    await write;

    this.blobs.insertIfMissing({
      id,
      ext: image.ext,
      mime: image.mime,
      width: image.width,
      height: image.height,
      bytes: bytes.length,
      createdAt: this.now(),
    });
    // The manifest is a property of the bytes; a reader that cannot load never stops the image from being stored.
    await this.credentials.record(id, bytes, image.mime).catch(() => undefined);
    const info = this.get(id);
    if (!info) throw new AppError('internal', `blob ${id} missing right after it was stored`);
    return info;
  }

  /** The blob's info (dimensions in px, size in bytes), or null when the id is unknown or malformed. */
  get(id: string): BlobInfo | null {
    const row = this.row(id);
    return row ? toInfo(row) : null;
  }

  /** True when the blob has a row and its file is present. */
  exists(id: string): boolean {
    const row = this.row(id);
    return row !== null && existsSync(this.objectPath(row.id, row.ext));
  }

  /**
   * Absolute path of the blob's file. Only ids of stored blobs resolve, so the result is always inside
   * `<dataDir>/objects` (safe to hand to the media protocol).
   * @throws AppError `not_found` for an unknown or malformed id
   */
  pathOf(id: string): string {
    const row = this.requireRow(id);
    return this.objectPath(row.id, row.ext);
  }

  /**
   * The blob's bytes, read through `openInside` (never through a symbolic link).
   * @throws AppError `not_found` for an unknown id, when its file has gone missing, or (`params.reason`
   *   `symlink` / `outside_library` / `not_a_file`) when its path does not resolve to itself inside the library
   */
  async read(id: string): Promise<Buffer> {
    const path = this.pathOf(id);
    try {
      return await readInside(this.dataDir, path);
    } catch (err) {
      if (isRefusedPath(err)) throw err;
      throw missingFile(id, err);
    }
  }

  /**
   * The first `length` bytes of the blob's file (all of it when smaller), read through `openInside`.
   * @throws as {@link BlobStore.read}
   */
  async readHead(id: string, length: number): Promise<Buffer> {
    const path = this.pathOf(id);
    let fh: FileHandle;
    try {
      fh = await openInside(this.dataDir, path);
    } catch (err) {
      if (isRefusedPath(err)) throw err;
      throw missingFile(id, err);
    }
    try {
      const buf = Buffer.alloc(length);
      const { bytesRead } = await fh.read(buf, 0, length, 0);
      return buf.subarray(0, bytesRead);
    } finally {
      await fh.close();
    }
  }

  /**
   * {@link BlobStore.pathOf} after the containment check of `openInside` (synchronous): for readers that take a
   * path (the OS drag-out).
   * @throws as {@link BlobStore.read}
   */
  checkedPathOf(id: string): string {
    const path = this.pathOf(id);
    try {
      checkInsideSync(this.dataDir, path);
    } catch (err) {
      if (isRefusedPath(err)) throw err;
      throw missingFile(id, err);
    }
    return path;
  }

  /**
   * The file behind a media URL (the original or its thumbnail) for the `media:` protocol and the web host:
   * its MIME type and an `open()` that opens it through `openInside`.
   * @returns null for an unknown id, a missing file or a path refused by `openInside`
   */
  async mediaFile(id: string, variant: 'original' | 'thumb'): Promise<{ path: string; mime: string; open(): Promise<FileHandle> } | null> {
    const info = this.get(id);
    if (!info) return null;
    try {
      const path = variant === 'thumb' ? await this.thumbnailPath(id) : this.pathOf(id);
      await checkInside(this.dataDir, path);
      return { path, mime: variant === 'thumb' ? 'image/webp' : info.mime, open: () => openInside(this.dataDir, path) };
    } catch (err) {
      if (isRefusedPath(err) || (err as NodeJS.ErrnoException).code === 'ENOENT' || (err instanceof AppError && err.code === 'not_found')) return null;
      throw err;
    }
  }

  /**
   * Path of the blob's thumbnail: WebP, upright (EXIF orientation applied), long edge at most
   * {@link THUMBNAIL_SIZE} px. Made on first request and after it was deleted; concurrent requests share one
   * rendering.
   * @throws AppError `not_found` for an unknown id or when the original's file has gone missing
   */
  async thumbnailPath(id: string): Promise<string> {
    const row = this.requireRow(id);
    const path = join(this.dataDir, 'thumbs', row.id.slice(0, 2), `${row.id}.webp`);
    // A zero-length file is what a crash can leave of an unsynced write; thumbnails are not fsynced (a cache).
    // lstat: a symbolic link planted here is refused when read (openInside), never replaced or followed.
    const st = await lstat(path).catch(() => null);
    if (st && (st.isSymbolicLink() || st.size > 0)) return path;

    let pending = this.thumbnailing.get(row.id);
    if (!pending) {
      pending = this.renderThumbnail(row, path).finally(() => this.thumbnailing.delete(row.id));
      this.thumbnailing.set(row.id, pending);
    }
    return pending;
  }

  // -------------------------------------------------------------------------------------------------------------

  private row(id: string): BlobRow | null {
    if (typeof id !== 'string' || !BLOB_ID.test(id)) return null;
    return this.blobs.get(id) ?? null;
  }

  private requireRow(id: string): BlobRow {
    const row = this.row(id);
    if (!row) throw new AppError('not_found', `no image with id ${String(id)}`, { params: { id: String(id) } });
    return row;
  }

  private objectPath(id: string, ext: string): string {
    return join(this.dataDir, 'objects', id.slice(0, 2), `${id}.${ext}`);
  }

  /** Writes the object unless a complete one is already there: temp file, fsync, rename, fsync of the folder. */
  private async writeObject(id: string, ext: string, bytes: Uint8Array): Promise<void> {
    const target = this.objectPath(id, ext);
    if (await hasSize(target, bytes.length)) return;

    await mkdir(dirname(target), { recursive: true, mode: PRIVATE_DIR_MODE });
    await mkdir(this.tmpDir, { recursive: true, mode: PRIVATE_DIR_MODE });
    const tmp = join(this.tmpDir, tempName(id));
    try {
      const fh = await open(tmp, fsConstants.O_CREAT | fsConstants.O_EXCL | fsConstants.O_WRONLY, PRIVATE_FILE_MODE);
      try {
        await fh.writeFile(bytes);
        await fh.sync();
      } finally {
        await fh.close();
      }
      try {
        await rename(tmp, target);
      } catch (err) {
        // Another process may have put the same bytes (Windows refuses to replace a file that is open).
        if (!(await hasSize(target, bytes.length))) throw err;
      }
      await syncDir(dirname(target));
    } finally {
      await rm(tmp, { force: true });
    }
  }

  private async renderThumbnail(row: BlobRow, path: string): Promise<string> {
    const source = await this.read(row.id);
    await mkdir(dirname(path), { recursive: true, mode: PRIVATE_DIR_MODE });
    await mkdir(this.tmpDir, { recursive: true, mode: PRIVATE_DIR_MODE });
    const tmp = join(this.tmpDir, tempName(`thumb-${row.id}`));
    try {
      // The original passed inspection when stored, so its own size is the pixel limit. Encoded in the image pool.
      const webp = await this.images.thumbnail({ bytes: source, limitInputPixels: Math.max(1, row.width * row.height), size: THUMBNAIL_SIZE });
      await writeFile(tmp, webp, { mode: PRIVATE_FILE_MODE });
      await makePrivate(tmp);
      await rename(tmp, path);
      return path;
    } finally {
      await rm(tmp, { force: true });
    }
  }
}

function toInfo(row: BlobRow): BlobInfo {
  return { id: row.id, mime: row.mime, width: row.width, height: row.height, bytes: row.bytes };
}

function missingFile(id: string, cause?: unknown): AppError {
  return new AppError('not_found', `the file of image ${id} is missing from the library`, {
    params: { id },
    cause,
  });
}

/** A regular file (not a symbolic link: a link planted there is replaced by the rename) of `size` bytes. */
async function hasSize(path: string, size: number): Promise<boolean> {
  const st = await lstat(path).catch(() => null);
  return st !== null && st.isFile() && st.size === size;
}

/** Makes a rename durable (POSIX). Windows cannot open a folder this way; NTFS journals the rename itself. */
async function syncDir(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
