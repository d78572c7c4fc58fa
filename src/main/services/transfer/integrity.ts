/**
 * Library care: the integrity check (database against files) and the thumbnail rebuild, as tasks.
 *
 * Repairs never delete an image file. What cannot be explained goes to `<dataDir>/lost+found/` (kept with its
 * name; a clash gets a suffix); a file in objects/ with no row whose bytes match its name is registered again
 * (it passes `inspectImage` like any new file); a missing file whose bytes wait in lost+found is put back;
 * missing thumbnails (a cache, made on first view, so counted rather than reported as problems) are rendered. Rows are never deleted: an asset whose bytes are gone stays
 * listed in the report for the user to decide.
 *
 * A symbolic link in objects/ or thumbs/ is named (`symlink`) and never followed: files are read through
 * `openInside` (library-fs.ts), and the repair moves the link itself to lost+found as `<name>.symlink`.
 */
import { createHash } from 'node:crypto';
import { lstat, mkdir, readdir, rename, stat, unlink } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { IntegrityReport, ThumbnailReport } from '@shared/contracts/transfer';
import { toAppError } from '@shared/errors';
import type { Db } from '../library/db';
import { DEFAULT_MAX_PIXELS } from '../library/inspect';
import { openInside, readInside } from '../library/library-fs';
import type { BlobStore } from '../library/store';
import { IMPORT_MAX_BYTES } from './import';
import type { TaskContext } from './tasks';
import { LibraryCareRepository } from '../repositories/library-care';

const OBJECT_NAME = /^([0-9a-f]{64})\.(png|jpg|webp)$/;

/** Construction options of {@link LibraryCare}. */
export interface LibraryCareOptions {
  db: Db;
  store: BlobStore;
  /** The library folder (objects/, thumbs/, lost+found/ inside). */
  dataDir: string;
}

type Problem = IntegrityReport['problems'][number];

/** Integrity check and thumbnail rebuild over one library. */
export class LibraryCare {
  private readonly repo: LibraryCareRepository;
  private readonly store: BlobStore;
  private readonly dataDir: string;

  constructor(opts: LibraryCareOptions) {
    this.repo = new LibraryCareRepository(opts.db);
    this.store = opts.store;
    this.dataDir = opts.dataDir;
  }

  /**
   * Checks every blob row against its file (present, size, and with `verifyHashes` the SHA-256), every file in
   * objects/ against the rows, every asset and job reference against the blob rows, and every thumbnail.
   * With `repair`, fixes what can be fixed without losing anything (see the module comment).
   * @returns the report; file-system errors other than a missing file end the task as failed
   */
  async check(ctx: TaskContext, opts: { repair: boolean; verifyHashes: boolean }): Promise<IntegrityReport> {
    const report: IntegrityReport = { kind: 'integrity', checkedBlobs: 0, checkedFiles: 0, repair: opts.repair, missingThumbnails: 0, thumbnailsRebuilt: 0, problems: [] };
    const rows = this.repo.blobs();
    const { files, links } = await this.libraryFiles();
    const total = rows.length + files.length;
    ctx.progress(0, total);
    const known = new Map(rows.map((r) => [`${r.id}.${r.ext}`, r]));
    const lostFound = new Map<string, string>(); // file name → path, for restores
    for (const f of await listFiles(join(this.dataDir, 'lost+found'))) lostFound.set(f.name, f.path);
    let done = 0;

    // 0. Symbolic links in objects/ and thumbs/: never followed; the repair sets the link (not its target) aside.
    const underLink = (path: string) => links.some((l) => path === l.path || path.startsWith(l.path + sep));
    for (const l of links) {
      const m = OBJECT_NAME.exec(l.name);
      const problem: Problem = { problem: 'symlink', blobId: m?.[1] ?? null, path: this.rel(l.path), action: null };
      if (opts.repair) {
        await this.toLostFound(l.path, `${l.name}.symlink`);
        problem.action = 'moved_to_lost_found';
      }
      report.problems.push(problem);
    }

    // 1. Files in objects/ that no row explains: register again (bytes match their name) or set aside.
    for (const f of files) {
      if (ctx.signal.aborted) return report;
      report.checkedFiles++;
      const m = OBJECT_NAME.exec(f.name);
      const inPlace = m && relative(join(this.dataDir, 'objects'), f.path) === join(m[1]!.slice(0, 2), f.name);
      if (m && inPlace && known.has(f.name)) {
        ctx.progress(++done, total, f.name);
        continue;
      }
      const problem: Problem = { problem: m ? 'orphan_file' : 'stray_file', blobId: m?.[1] ?? null, path: this.rel(f.path), action: null };
      if (opts.repair) {
        let reregistered = false;
        if (m && inPlace) {
          try {
            const bytes = await readInside(this.dataDir, f.path);
            if (sha256(bytes) === m[1]) {
              await this.store.put(bytes, f.name, { maxBytes: IMPORT_MAX_BYTES, maxPixels: DEFAULT_MAX_PIXELS });
              reregistered = true;
              problem.action = 'reregistered';
            }
          } catch {
            // not an image we take (or unreadable): set it aside below
          }
        }
        if (!reregistered) {
          await this.toLostFound(f.path, f.name);
          problem.action = 'moved_to_lost_found';
        }
      }
      report.problems.push(problem);
      ctx.progress(++done, total, f.name);
    }

    // 2. Every row against its file.
    for (const r of rows) {
      if (ctx.signal.aborted) return report;
      report.checkedBlobs++;
      const path = join(this.dataDir, 'objects', r.id.slice(0, 2), `${r.id}.${r.ext}`);
      if (underLink(path) && !opts.repair) {
        // Named above as a symlink; its target is not this blob's file and is not looked at.
        ctx.progress(++done, total, r.id);
        continue;
      }
      const st = await lstat(path).catch(() => null);
      let problem: Problem | null = null;
      if (!st) problem = { problem: 'missing_file', blobId: r.id, path: this.rel(path), action: null };
      else if (st.size !== r.bytes) problem = { problem: 'size_mismatch', blobId: r.id, path: this.rel(path), action: null };
      else if (opts.verifyHashes && (await sha256File(this.dataDir, path)) !== r.id) {
        problem = { problem: 'hash_mismatch', blobId: r.id, path: this.rel(path), action: null };
      }
      if (problem && opts.repair) {
        if (problem.problem !== 'missing_file') {
          await this.toLostFound(path, `${r.id}.${r.ext}`);
          problem.action = 'moved_to_lost_found';
        }
        // The right bytes may be waiting in lost+found (set aside by an earlier repair, or by the user).
        const candidate = lostFound.get(`${r.id}.${r.ext}`);
        if (candidate && (await sha256File(this.dataDir, candidate).catch(() => '')) === r.id) {
          await mkdir(join(this.dataDir, 'objects', r.id.slice(0, 2)), { recursive: true });
          await rename(candidate, path);
          problem.action = 'restored_from_lost_found';
        }
      }
      if (problem) report.problems.push(problem);
      // 3. Its thumbnail (a cache).
      const thumb = join(this.dataDir, 'thumbs', r.id.slice(0, 2), `${r.id}.webp`);
      const tst = await lstat(thumb).catch(() => null);
      if (!tst || tst.size === 0) {
        report.missingThumbnails++;
        if (opts.repair && (!problem || problem.action === 'restored_from_lost_found')) {
          try {
            await this.store.thumbnailPath(r.id);
            report.thumbnailsRebuilt++;
          } catch {
            // the original is missing: reported above
          }
        }
      }
      ctx.progress(++done, total, r.id);
    }

    // 4. Rows that point at blobs without a row (possible only if foreign keys were ever off).
    for (const blobId of this.repo.danglingBlobIds()) report.problems.push({ problem: 'missing_blob_row', blobId, path: null, action: null });
    return report;
  }

  /**
   * Renders thumbnails again: all of them, or (`missingOnly`) those that are not there.
   * @returns how many were rendered and which failed (their original is missing or unreadable)
   */
  async rebuildThumbnails(ctx: TaskContext, opts: { missingOnly: boolean }): Promise<ThumbnailReport> {
    const report: ThumbnailReport = { kind: 'thumbnails', rebuilt: 0, failed: [] };
    const ids = this.repo.blobIds();
    ctx.progress(0, ids.length);
    for (let i = 0; i < ids.length; i++) {
      if (ctx.signal.aborted) break;
      const id = ids[i]!;
      const thumb = join(this.dataDir, 'thumbs', id.slice(0, 2), `${id}.webp`);
      const st = await stat(thumb).catch(() => null);
      if (!(opts.missingOnly && st && st.size > 0)) {
        if (st) await unlink(thumb).catch(() => {});
        try {
          await this.store.thumbnailPath(id);
          report.rebuilt++;
        } catch (err) {
          report.failed.push({ blobId: id, message: toAppError(err).message });
        }
      }
      ctx.progress(i + 1, ids.length, id);
    }
    return report;
  }

  private rel(path: string): string {
    return relative(this.dataDir, path).split('\\').join('/');
  }

  /** The files under objects/ and the symbolic links under objects/ and thumbs/ (folders are walked, links never). */
  private async libraryFiles(): Promise<{ files: Array<{ name: string; path: string }>; links: Array<{ name: string; path: string }> }> {
    const files: Array<{ name: string; path: string }> = [];
    const links: Array<{ name: string; path: string }> = [];
    const walk = async (dir: string, collectFiles: boolean): Promise<void> => {
      const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
      for (const e of entries) {
        const p = join(dir, e.name);
        if (e.isSymbolicLink()) links.push({ name: e.name, path: p });
        else if (e.isDirectory()) await walk(p, collectFiles);
        else if (collectFiles) files.push({ name: e.name, path: p });
      }
    };
    for (const [sub, collectFiles] of [['objects', true], ['thumbs', false]] as const) {
      const root = join(this.dataDir, sub);
      if ((await lstat(root).catch(() => null))?.isSymbolicLink()) links.push({ name: sub, path: root });
      else await walk(root, collectFiles);
    }
    const byPath = (a: { path: string }, b: { path: string }) => a.path.localeCompare(b.path);
    return { files: files.sort(byPath), links: links.sort(byPath) };
  }

  /** Moves a file into lost+found, never over another file there. */
  private async toLostFound(path: string, name: string): Promise<string> {
    const dir = join(this.dataDir, 'lost+found');
    await mkdir(dir, { recursive: true });
    for (let n = 1; ; n++) {
      const target = join(dir, n === 1 ? name : `${name}.${n}`);
      if (await stat(target).catch(() => null)) continue;
      await rename(path, target);
      return target;
    }
  }
}

async function listFiles(dir: string): Promise<Array<{ name: string; path: string }>> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => ({ name: e.name, path: join(dir, e.name) }));
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** SHA-256 (hex) of a library file, read through `openInside` (never through a symbolic link). */
async function sha256File(root: string, path: string): Promise<string> {
  const fh = await openInside(root, path);
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    fh.createReadStream()
      .on('data', (c) => h.update(c))
      .on('error', reject)
      .on('end', () => resolve(h.digest('hex')));
  });
}
