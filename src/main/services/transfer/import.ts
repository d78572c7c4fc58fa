/**
 * Import of images from disk into a folder, as a task (see tasks.ts).
 *
 * Each file: read → SHA-256 → if those bytes are new to the library, `BlobStore.put` (which runs
 * `inspectImage`: a refused file is skipped with its reason and leaves nothing behind) → perceptual hash (dHash,
 * stored per blob) → one transaction that records the asset unless the folder already holds those bytes (an
 * exact duplicate: reported, no second asset) and flags it when it looks like an image already there (a
 * near-duplicate: Hamming distance ≤ {@link NEAR_DUPLICATE_BITS}), stacking the two when asked.
 *
 * Stopping: cancel stops before the next file (what was imported stays, each file whole); a full disk (ENOSPC,
 * SQLITE_FULL) stops the import with `stoppedBy: disk_full`; the store writes through a temp file, so nothing
 * half-written is left. Files whose names start with a dot (.DS_Store, ._x) are passed over silently when
 * walking folders; symbolic links to folders are not followed.
 *
 * Metadata: each new image's generation recipe (AUTOMATIC1111/Forge, ComfyUI, InvokeAI, NovelAI, Fooocus, SwarmUI,
 * an Atelier export) and XMP (title, caption, tags, rating, pick/reject) are read (foreign.ts) and stored with
 * it in the same transaction (foreign-store.ts); metadata that cannot be read is skipped with its reason in the
 * report's `metadata`, and the image is imported all the same. At the end, Atelier exports whose parent is now
 * in the library get their lineage back (`restoreLineage`).
 */
import { randomUUID } from 'node:crypto';
import { lstat, readdir, readFile, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join, relative } from 'node:path';
import type { ImportReport, TaskView } from '@shared/contracts/transfer';
import { AppError, toAppError } from '@shared/errors';
import type { Db } from '../library/db';
import { AssetsRepository } from '../repositories/assets';
import { BlobsRepository } from '../repositories/blobs';
import { FoldersRepository } from '../repositories/folders';
import { inlineImageWork } from '../library/image-pool';
import type { BlobStore } from '../library/store';
import { DEFAULT_MAX_PIXELS, inspectImage, readImageHeader, type InspectLimits } from '../library/inspect';
import type { TaskContext, TaskRegistry } from './tasks';
import { readForeignMetadata, type ForeignMetadata } from './foreign';
import { restoreWaitingLineage, storeForeignMetadata, type RestoreLineage } from './foreign-store';

/** Largest file an import takes, in bytes. */
export const IMPORT_MAX_BYTES = 256 * 1024 * 1024;
/** Two images whose dHashes differ in at most this many of 64 bits are near-duplicates. */
export const NEAR_DUPLICATE_BITS = 8;
/** Files processed at once (decode and hash run on libvips threads; more does not help on 2 cores). */
const CONCURRENCY = 4;
/** A push import whose page sends nothing for this long ends (the page was closed), ms. */
const PUSH_IDLE_MS = 5 * 60 * 1000;

/** Options of one import. */
export interface ImportOptions {
  /** Put each near-duplicate into a stack with the image it resembles. */
  stackNearDuplicates: boolean;
}

/**
 * The 64-bit difference hash of an image as 16 hex digits: upright (EXIF orientation applied), grey, shrunk to
 * 9×8, one bit per horizontally adjacent pair (left brighter than right). On the calling thread (the import itself
 * takes it from the image pool, from the decode that checks the file; library/image-work.ts).
 * @throws Error from sharp when the bytes cannot be decoded
 */
export async function dhash(bytes: Uint8Array, maxPixels = DEFAULT_MAX_PIXELS): Promise<string> {
  return inlineImageWork.dhash(bytes, maxPixels);
}

/** Bits that differ between two dHashes (0–64). */
export function hammingDistance(a: string, b: string): number {
  return wordDistance(hashWords(a), hashWords(b));
}

/** A 64-bit dHash (16 hex digits) as its high and low 32-bit words, parsed once so that comparing is two XORs. */
interface HashWords {
  hi: number;
  lo: number;
}

function hashWords(hex: string): HashWords {
  return { hi: parseInt(hex.slice(0, 8), 16), lo: parseInt(hex.slice(8), 16) };
}

function wordDistance(a: HashWords, b: HashWords): number {
  return popcount(a.hi ^ b.hi) + popcount(a.lo ^ b.lo);
}

function popcount(v: number): number {
  let x = v >>> 0;
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

/** True for errors that mean the disk (or the database) is out of space. */
export function isDiskFull(err: unknown): boolean {
  const e = err as { code?: string; cause?: unknown } | null;
  if (!e || typeof e !== 'object') return false;
  if (e.code === 'ENOSPC' || e.code === 'EDQUOT' || e.code === 'SQLITE_FULL') return true;
  return e.cause !== undefined && e.cause !== err ? isDiskFull(e.cause) : false;
}

/** The AppError a full disk is reported as. */
export function diskFull(err: unknown, path: string): AppError {
  return new AppError('disk_full', `no space left on the disk while writing ${path}`, { params: { path }, cause: err });
}

/** Construction options of {@link ImportService}. */
export interface ImportServiceOptions {
  db: Db;
  store: BlobStore;
  tasks: TaskRegistry;
  /** The library folder (objects/ inside): a full disk's half-registered object is taken out again. */
  dataDir: string;
  /** Called once an import has ended with at least one new asset (the app tells the renderer). */
  onImported?(folderId: string): void;
  now?: () => number;
  limits?: InspectLimits;
  /** Rebuilds edit chains (ChainService.restoreLineage); without it imported lineages are kept waiting. */
  restoreLineage?: RestoreLineage;
}

type Batch = { files: Array<{ name: string; bytes: Buffer }>; total: number | null; last: boolean; done: () => void };

interface PushSession {
  folderId: string;
  queue: Batch[];
  wake: (() => void) | null;
}

/** Imports files and folders into the library's folders. */
export class ImportService {
  private readonly db: Db;
  private readonly store: BlobStore;
  private readonly tasks: TaskRegistry;
  private readonly now: () => number;
  private readonly limits: InspectLimits;
  private readonly onImported: (folderId: string) => void;
  private readonly dataDir: string;
  private readonly restoreLineage: RestoreLineage | null;
  private readonly sessions = new Map<string, PushSession>();

  constructor(opts: ImportServiceOptions) {
    this.db = opts.db;
    this.store = opts.store;
    this.tasks = opts.tasks;
    this.now = opts.now ?? Date.now;
    this.limits = opts.limits ?? { maxBytes: IMPORT_MAX_BYTES, maxPixels: DEFAULT_MAX_PIXELS };
    this.onImported = opts.onImported ?? (() => {});
    this.dataDir = opts.dataDir;
    this.restoreLineage = opts.restoreLineage ?? null;
  }

  /**
   * Starts importing files and folders (walked recursively) from the local disk into `folderId`.
   * @throws AppError `not_found` for an unknown folder
   */
  startPaths(folderId: string, paths: string[], opts: ImportOptions): TaskView {
    const label = this.folderName(folderId);
    return this.tasks.start('import', label, async (ctx) => {
      const run = new ImportRun(this, ctx, folderId, opts);
      const files: WalkedFile[] = [];
      for (const p of paths) {
        if (ctx.signal.aborted) break;
        await walk(p, dirname(p), files, run, ctx.signal);
      }
      run.total = files.length + run.report.seen;
      ctx.progress(run.report.seen, run.total);
      const images = await run.takeSidecarFiles(files);
      await pool(images, CONCURRENCY, ctx.signal, run, async (f) => {
        let bytes: Buffer;
        try {
          const st = await stat(f.path);
          if (st.size > this.limits.maxBytes) {
            run.skip(f.name, 'too_large', `${st.size} bytes is over the limit of ${this.limits.maxBytes} bytes`);
            return;
          }
          bytes = await readFile(f.path);
        } catch (err) {
          run.skip(f.name, 'unreadable', `cannot be read (${(err as Error).message})`);
          return;
        }
        // A walked folder's sidecars were all listed with its files; only a file picked alone looks beside itself.
        const xmp = run.sidecarFor(f.name) ?? (f.alone ? await run.sidecarBeside(f.path) : null);
        await run.importOne(f.name, bytes, xmp);
      });
      return run.finish();
    });
  }

  /**
   * Starts an import whose files the page sends with {@link addFiles} (web host).
   * @throws AppError `not_found` for an unknown folder
   */
  startPush(folderId: string, opts: ImportOptions): TaskView {
    const label = this.folderName(folderId);
    const session: PushSession = { folderId, queue: [], wake: null };
    const view = this.tasks.start('import', label, async (ctx) => {
      const run = new ImportRun(this, ctx, folderId, opts);
      try {
        for (;;) {
          const batch = await nextBatch(session, ctx.signal);
          if (!batch) break;
          try {
            if (batch.total !== null) run.total = batch.total;
            // XMP sidecars in the batch are kept for their images (the page sends them first), not imported.
            const images = batch.files.filter((f) => !run.keepSidecar(f.name, f.bytes));
            await pool(images, CONCURRENCY, ctx.signal, run, (f) => run.importOne(f.name, f.bytes, run.sidecarFor(f.name)));
          } finally {
            batch.done();
          }
          if (batch.last || run.stopped) break;
        }
      } finally {
        this.sessions.delete(ctx.id);
        for (const b of session.queue.splice(0)) b.done();
      }
      return run.finish();
    });
    this.sessions.set(view.id, session);
    return view;
  }

  /**
   * Hands one batch to a push import and resolves with the task's view once the batch is processed.
   * @throws AppError `not_found` for an unknown task; `conflict` (`reason: 'ended'`) when the import has ended
   *   (canceled, stopped, or after the last batch)
   */
  async addFiles(taskId: string, files: Array<{ name: string; dataBase64: string }>, total: number | null, last: boolean): Promise<TaskView> {
    const session = this.sessions.get(taskId);
    if (!session) {
      const view = this.tasks.get(taskId);
      throw new AppError('conflict', `import ${taskId} has ended (${view.state})`, { params: { id: taskId, reason: 'ended' } });
    }
    const decoded = files.map((f) => ({ name: f.name, bytes: Buffer.from(f.dataBase64, 'base64') }));
    await new Promise<void>((resolve) => {
      session.queue.push({ files: decoded, total, last, done: resolve });
      session.wake?.();
    });
    return this.tasks.get(taskId);
  }

  // Used by ImportRun -------------------------------------------------------------------------------------------

  /** @internal */
  get internals(): {
    db: Db;
    store: BlobStore;
    now: () => number;
    limits: InspectLimits;
    onImported: (id: string) => void;
    dataDir: string;
    restoreLineage: RestoreLineage | null;
  } {
    return {
      db: this.db,
      store: this.store,
      now: this.now,
      limits: this.limits,
      onImported: this.onImported,
      dataDir: this.dataDir,
      restoreLineage: this.restoreLineage,
    };
  }

  private folderName(folderId: string): string {
    const name = FoldersRepository.of(this.db).liveName(folderId);
    if (name === undefined) throw new AppError('not_found', `no folder with id ${folderId}`, { params: { id: folderId } });
    return name;
  }
}

/** An image's dHash words, its id and its stack, as one import compares them. */
interface HashEntry extends HashWords {
  assetId: string;
  stackId: string | null;
}

/** The state of one import while it runs: its report and the folder's perceptual hashes. */
class ImportRun {
  readonly report: ImportReport;
  total: number | null = null;
  stopped = false;
  /** The folder's live images with a dHash, and those this run imported; compared with each new image. */
  private readonly hashes: HashEntry[];
  private readonly byBlob = new Map<string, string>();
  private readonly assets: AssetsRepository;
  private readonly blobs: BlobsRepository;

  constructor(
    private readonly service: ImportService,
    private readonly ctx: TaskContext,
    private readonly folderId: string,
    private readonly opts: ImportOptions,
  ) {
    const { db } = service.internals;
    this.report = { kind: 'import', folderId, seen: 0, imported: [], duplicates: [], nearDuplicates: [], skipped: [], metadata: [], stoppedBy: null };
    this.assets = AssetsRepository.of(db);
    this.blobs = BlobsRepository.of(db);
    // Images in the trash do not count: importing their bytes again gives a live image.
    const rows = this.assets.liveInFolderWithHashes(folderId);
    this.hashes = rows.filter((r) => r.dhash).map((r) => ({ ...hashWords(r.dhash!), assetId: r.id, stackId: r.stack_id }));
    for (const r of rows) if (!this.byBlob.has(r.blob_id)) this.byBlob.set(r.blob_id, r.id);
  }

  skip(name: string, reason: string, message: string): void {
    this.report.seen++;
    this.report.skipped.push({ name, reason, message });
    this.tick(name);
  }

  /**
   * Sidecars (see {@link isXmpSidecar}) by their name folded to lower case, until their image comes; then null
   * (used). Text, at most {@link MAX_SIDECAR_BYTES}. One read beside a file picked alone ({@link sidecarBeside}) is
   * kept, used, by its path folded to lower case (another image of that name elsewhere has its own).
   */
  private readonly sidecars = new Map<string, { name: string; text: string | null }>();

  /**
   * Takes the XMP sidecars out of a walked file list (reading each, at most {@link MAX_SIDECAR_BYTES}) and returns
   * the rest. A sidecar counts as seen; one that cannot be read is skipped with its reason.
   */
  async takeSidecarFiles(files: WalkedFile[]): Promise<WalkedFile[]> {
    const rest: WalkedFile[] = [];
    for (const f of files) {
      if (!isXmpSidecar(f.name)) {
        rest.push(f);
        continue;
      }
      try {
        const st = await stat(f.path);
        if (st.size > MAX_SIDECAR_BYTES) {
          this.skip(f.name, 'too_large', `the XMP sidecar is ${st.size} bytes, over the limit of ${MAX_SIDECAR_BYTES} bytes`);
          continue;
        }
        this.keepSidecar(f.name, await readFile(f.path));
      } catch (err) {
        this.skip(f.name, 'unreadable', `cannot be read (${(err as Error).message})`);
      }
    }
    return rest;
  }

  /** Keeps `bytes` as the XMP sidecar `name` when it is one (counted as seen); false for any other file. */
  keepSidecar(name: string, bytes: Buffer): boolean {
    if (!isXmpSidecar(name)) return false;
    if (bytes.length > MAX_SIDECAR_BYTES) {
      this.skip(name, 'too_large', `the XMP sidecar is ${bytes.length} bytes, over the limit of ${MAX_SIDECAR_BYTES} bytes`);
      return true;
    }
    this.sidecars.set(name.toLowerCase(), { name, text: bytes.toString('utf8') });
    this.report.seen++;
    this.tick(name);
    return true;
  }

  /**
   * The text of the XMP sidecar of image `name` (`photo.jpg.xmp`, else `photo.xmp`, letter case aside), marked
   * used; null when there is none.
   */
  sidecarFor(name: string): string | null {
    const lower = name.toLowerCase();
    for (const key of [`${lower}.xmp`, `${lower.replace(/\.[^./\\]*$/, '')}.xmp`]) {
      const s = this.sidecars.get(key);
      if (s && s.text !== null) {
        const text = s.text;
        s.text = null;
        return text;
      }
    }
    return null;
  }

  /**
   * For a file picked on its own (its folder not walked), the XMP sidecar beside it on disk (`photo.jpg.xmp`,
   * `photo.xmp`, `photo.XMP`), read as {@link takeSidecarFiles} does and counted as seen; null when there is none
   * or it was among the walked files already.
   */
  async sidecarBeside(path: string): Promise<string | null> {
    const stem = path.replace(/\.[^./\\]*$/, '');
    for (const candidate of [`${path}.xmp`, `${stem}.xmp`, `${stem}.XMP`]) {
      // A sidecar of that name was given itself (sidecarFor pairs it by name), or this file was read for another image.
      const key = candidate.toLowerCase();
      if (this.sidecars.has(key) || this.sidecars.has(basename(candidate).toLowerCase())) return null;
      const st = await stat(candidate).catch(() => null);
      if (!st?.isFile()) continue;
      if (st.size > MAX_SIDECAR_BYTES) return null;
      const bytes = await readFile(candidate).catch(() => null);
      if (!bytes) return null;
      this.sidecars.set(key, { name: candidate, text: null });
      return bytes.toString('utf8');
    }
    return null;
  }

  /** Imports one file's bytes (and its XMP sidecar's text); records the outcome in the report. Stops the run on a full disk. */
  async importOne(name: string, bytes: Buffer, sidecarXmp: string | null = null): Promise<void> {
    if (this.stopped || this.ctx.signal.aborted) return;
    const { db, store, now, limits } = this.service.internals;
    // Hashing, the decode check and the dHash run in the image pool (store.images); this thread orchestrates.
    const id = await store.images.sha256(bytes);
    let known = true;
    try {
      // Bytes already in the library passed inspection when they entered. New bytes are decoded once, for the
      // check and the dHash together.
      let hash: string | null = null;
      let fresh: string | undefined;
      known = store.exists(id);
      if (!known) {
        const image = await inspectImage(bytes, name, limits, { work: store.images, dhash: true });
        await store.put(bytes, name, limits, image);
        fresh = image.dhash;
      }
      const stored = this.blobs.dhashOf(id);
      if (stored === undefined) throw new AppError('internal', `blob ${id} has no row after it was stored`);
      hash = stored;
      if (hash === null) {
        hash = fresh ?? (await store.images.dhash(bytes, limits.maxPixels));
        this.blobs.setDhashIfMissing(id, hash);
      }
      if (this.stopped || this.ctx.signal.aborted) return;
      const h = hashWords(hash);
      // Read before the transaction (pure CPU, bounded by foreign.ts's limits); never throws.
      const meta: ForeignMetadata | null = this.byBlob.has(id) ? null : readForeignMetadata(bytes, sidecarXmp);
      let notes: ForeignMetadata['skipped'] = [];
      // The report and the in-memory hashes change only once the transaction has committed (a full disk can
      // fail the COMMIT itself).
      const outcome = db.transaction(() => {
        const existing = this.byBlob.get(id);
        if (existing) return { duplicateOf: existing };
        const assetId = randomUUID();
        this.assets.insert({
          id: assetId,
          folderId: this.folderId,
          blobId: id,
          kind: 'imported',
          jobId: null,
          outputIndex: null,
          createdAt: now(),
          originalName: basename(name).replace(/\.[^.]*$/, '') || basename(name),
        });
        if (meta) notes = storeForeignMetadata(db, assetId, meta, now());
        // The nearest image within NEAR_DUPLICATE_BITS (the first of equals).
        let best: { entry: HashEntry; distance: number } | null = null;
        for (const o of this.hashes) {
          const d = wordDistance(h, o);
          if (d <= NEAR_DUPLICATE_BITS && (!best || d < best.distance)) best = { entry: o, distance: d };
        }
        let stackId: string | null = null;
        if (best && this.opts.stackNearDuplicates) {
          stackId = best.entry.stackId ?? best.entry.assetId;
          this.assets.setStack(best.entry.assetId, stackId);
          this.assets.setStack(assetId, stackId);
        }
        return { assetId, best, stackId };
      })() as { duplicateOf: string } | { assetId: string; best: { entry: HashEntry; distance: number } | null; stackId: string | null };
      if ('duplicateOf' in outcome) {
        this.report.duplicates.push({ name, existingAssetId: outcome.duplicateOf });
      } else {
        const { assetId, best, stackId } = outcome;
        this.byBlob.set(id, assetId);
        this.report.imported.push({ name, assetId, blobId: id });
        if (meta && (meta.read.length > 0 || meta.skipped.length > 0 || notes.length > 0)) {
          this.report.metadata.push({ name, assetId, tool: meta.recipe?.tool ?? null, read: meta.read, skipped: [...meta.skipped, ...notes] });
        }
        if (best) {
          if (stackId) best.entry.stackId = stackId;
          this.report.nearDuplicates.push({ name, assetId, similarTo: best.entry.assetId, distance: best.distance, stacked: stackId !== null });
        }
        this.hashes.push({ ...h, assetId, stackId });
      }
      this.report.seen++;
      this.tick(name);
    } catch (err) {
      if (isDiskFull(err)) {
        // The object may be in place while its row never committed: take it out again, so the library holds
        // nothing this import did not finish (a blob row, when it did commit, keeps its file).
        const header = readImageHeader(bytes);
        if (!known && header.ok && !store.get(id)) {
          await unlink(join(this.service.internals.dataDir, 'objects', id.slice(0, 2), `${id}.${header.ext}`)).catch(() => {});
        }
        this.stop(diskFull(err, name));
        return;
      }
      const e = toAppError(err);
      if (e.code === 'bad_file') {
        this.skip(name, String(e.params?.['reason'] ?? 'corrupt'), e.message);
        return;
      }
      this.skip(name, e.code, e.message);
    }
  }

  stop(err: AppError): void {
    if (this.stopped) return;
    this.stopped = true;
    this.report.stoppedBy = err.toShape();
  }

  finish(): ImportReport {
    const { db, now, restoreLineage } = this.service.internals;
    for (const s of this.sidecars.values()) {
      if (s.text !== null) this.report.skipped.push({ name: s.name, reason: 'sidecar_without_image', message: 'an XMP sidecar with no image of the same name in this import' });
    }
    if (restoreLineage && this.report.imported.length > 0) {
      try {
        restoreWaitingLineage(db, restoreLineage, now());
      } catch (err) {
        // The images are in; a lineage that cannot be rebuilt stays waiting for a later import.
        this.report.metadata.push({ name: '', assetId: this.report.imported[0]!.assetId, tool: 'atelier', read: [], skipped: [{ source: 'lineage', reason: 'not_restored', message: (err as Error).message }] });
      }
    }
    if (this.report.imported.length > 0) this.service.internals.onImported(this.folderId);
    return this.report;
  }

  private tick(name: string): void {
    this.ctx.progress(this.report.seen, this.total === null ? null : Math.max(this.total, this.report.seen), name);
  }
}

/** Largest XMP sidecar read at import, bytes (as large as the biggest packet foreign.ts reads). */
export const MAX_SIDECAR_BYTES = 4 * 1024 * 1024;

/** Whether `name` is an XMP sidecar file (`.xmp`, any letter case). */
export function isXmpSidecar(name: string): boolean {
  return /\.xmp$/i.test(name);
}

/** Collects the files under `path` (or `path` itself), named relative to `base`. */
async function walk(path: string, base: string, out: WalkedFile[], run: ImportRun, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return;
  const name = relative(base, path) || basename(path);
  const alone = dirname(path) === base;
  let st;
  try {
    st = await lstat(path);
  } catch (err) {
    run.skip(name, 'unreadable', `cannot be read (${(err as Error).message})`);
    return;
  }
  if (st.isSymbolicLink()) {
    const target = await stat(path).catch(() => null);
    if (target?.isFile()) out.push({ path, name, alone });
    return; // links to folders are not followed (they can loop)
  }
  if (st.isFile()) {
    out.push({ path, name, alone });
    return;
  }
  if (!st.isDirectory()) return;
  let entries: string[];
  try {
    entries = (await readdir(path)).sort((a, b) => a.localeCompare(b));
  } catch (err) {
    run.skip(name, 'unreadable', `the folder cannot be read (${(err as Error).message})`);
    return;
  }
  for (const e of entries) {
    if (e.startsWith('.')) continue;
    await walk(join(path, e), base, out, run, signal);
  }
}

/** A file found by {@link walk}: its path on disk, its name relative to the picked path's folder, and whether it was picked itself (not found in a walked folder). */
interface WalkedFile {
  path: string;
  name: string;
  alone: boolean;
}

/** Runs `fn` over `items` with at most `n` at once; stops taking new items on abort or when the run stopped. */
async function pool<T>(items: T[], n: number, signal: AbortSignal, run: ImportRun, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length && !signal.aborted && !run.stopped) {
      const item = items[next++]!;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, worker));
}

/** The next batch of a push session, or null when canceled or idle too long. */
async function nextBatch(session: PushSession, signal: AbortSignal): Promise<Batch | null> {
  const deadline = Date.now() + PUSH_IDLE_MS;
  while (session.queue.length === 0) {
    if (signal.aborted || Date.now() > deadline) return null;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, Math.min(1000, Math.max(0, deadline - Date.now())));
      const onAbort = (): void => done();
      signal.addEventListener('abort', onAbort, { once: true });
      session.wake = done;
      function done(): void {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        session.wake = null;
        resolve();
      }
    });
  }
  if (signal.aborted) return null;
  return session.queue.shift() ?? null;
}
