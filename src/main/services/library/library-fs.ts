/**
 * The library folder's file rules, in one place (plain Node, no electron):
 *
 * 1. **Private modes** (POSIX): the data folder and every folder the app makes in it are 0700, every file it
 *    writes there (library.sqlite and its -wal/-shm, objects, thumbnails, logs, backups it makes) is 0600. Set at
 *    creation (mkdir/open modes), and an existing library's folder is tightened on open ({@link secureLibraryFolder}).
 *    Windows has no such bits: the user's profile folder already keeps other users out.
 * 2. **Temporary files that name their writer**: `<label>.<pid>-<start id>.<uuid>.tmp` ({@link tempName}), so a
 *    start can tell a leftover of a killed process from a write under way in another running Atelier on the same
 *    library (the desktop app and `npm run serve` can both open one) and sweep only the former ({@link sweepTemp}).
 * 3. **Reads stay inside the library** ({@link openInside}): a path is opened only when it resolves, through every
 *    symbolic link, to itself inside the library folder; a symlink anywhere below the library folder is refused,
 *    and the final component is opened with `O_NOFOLLOW`.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { chmodSync, closeSync, constants as fsConstants, lstatSync, mkdirSync, openSync, readFileSync, readdirSync, realpathSync } from 'node:fs';
import { chmod, lstat, mkdir, open, readdir, realpath, rm, type FileHandle } from 'node:fs/promises';
import { basename, isAbsolute, join, relative, resolve } from 'node:path';
import { AppError } from '@shared/errors';

/** Mode of every folder Atelier makes in the library (owner only). */
export const PRIVATE_DIR_MODE = 0o700;
/** Mode of every file Atelier writes in the library and in the backups it makes (owner read/write). */
export const PRIVATE_FILE_MODE = 0o600;

const POSIX = process.platform !== 'win32';

/**
 * Errors of a file system that keeps no POSIX modes (FAT/exFAT, some network shares, a read-only mount): there a
 * mode cannot be set, which must not stop the library from opening.
 */
const NO_MODES = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'EROFS', 'EINVAL', 'ENOSYS']);

function quietly(err: unknown): false {
  if (NO_MODES.has((err as NodeJS.ErrnoException).code ?? '')) return false;
  throw err;
}

/** chmod that returns false where the file system keeps no modes ({@link NO_MODES}); other errors throw. */
function chmodOrFalse(path: string, mode: number): boolean {
  try {
    chmodSync(path, mode);
    return true;
  } catch (err) {
    return quietly(err);
  }
}

/**
 * Creates `dir` (and missing parents) as 0700 and tightens it to 0700 when it already existed (where the file
 * system keeps modes).
 */
export async function mkdirPrivate(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  if (POSIX) await chmod(dir, PRIVATE_DIR_MODE).catch(quietly);
}

/** Synchronous {@link mkdirPrivate}. @returns false when the folder's mode could not be set */
export function mkdirPrivateSync(dir: string): boolean {
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  return POSIX ? chmodOrFalse(dir, PRIVATE_DIR_MODE) : true;
}

/**
 * Sets a file Atelier wrote to 0600 (POSIX, where the file system keeps modes; no-op elsewhere).
 * @throws file system errors (ENOENT)
 */
export async function makePrivate(file: string): Promise<void> {
  if (POSIX) await chmod(file, PRIVATE_FILE_MODE).catch(quietly);
}

/**
 * Makes the library folder private before anything is opened in it: creates it (0700) or tightens it to 0700;
 * tightens the folders Atelier keeps at its top (objects/, thumbs/, tmp/, logs/, lost+found/, and the two-hex
 * shard folders under objects/ and thumbs/) to 0700 and the files at its top and in logs/ (library.sqlite,
 * -wal, -shm, atelier.log) to 0600; and creates `library.sqlite` as 0600 when it is missing, so SQLite's -wal and
 * -shm, which take the database file's mode, are born 0600 too. Files deeper down are not touched one by one:
 * their 0700 folder already keeps everyone else out. On a file system that keeps no modes (FAT, exFAT, some
 * shares) nothing can be tightened: the library still opens, and the caller is told.
 * @param dataDir the library folder
 * @returns `private: false` when the data folder's own mode could not be set (the caller warns)
 * @throws file system errors other than "this file system keeps no modes" (a file where the folder should be)
 */
export function secureLibraryFolder(dataDir: string): { private: boolean } {
  const ok = mkdirPrivateSync(dataDir);
  closeSync(openSync(join(dataDir, 'library.sqlite'), fsConstants.O_CREAT | fsConstants.O_RDWR, PRIVATE_FILE_MODE));
  if (!POSIX || !ok) return { private: ok };
  for (const name of listNames(dataDir)) {
    const path = join(dataDir, name);
    const st = lstatOrNull(path);
    if (st?.isFile() && /^library\.sqlite(-wal|-shm|-journal)?$/.test(name)) chmodOrFalse(path, PRIVATE_FILE_MODE);
    if (!st?.isDirectory() || !LIBRARY_DIRS.has(name)) continue;
    chmodOrFalse(path, PRIVATE_DIR_MODE);
    for (const child of listNames(path)) {
      const cst = lstatOrNull(join(path, child));
      if (cst?.isDirectory() && (name === 'objects' || name === 'thumbs') && /^[0-9a-f]{2}$/.test(child)) {
        chmodOrFalse(join(path, child), PRIVATE_DIR_MODE);
      } else if (cst?.isFile() && name === 'logs') {
        chmodOrFalse(join(path, child), PRIVATE_FILE_MODE);
      }
    }
  }
  return { private: true };
}

const LIBRARY_DIRS = new Set(['objects', 'thumbs', 'tmp', 'logs', 'lost+found']);

function listNames(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function lstatOrNull(path: string): ReturnType<typeof lstatSync> | null {
  try {
    return lstatSync(path, { throwIfNoEntry: false }) ?? null;
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Temporary files

/**
 * This process's start id: on Linux its start time in clock ticks since boot (`/proc/self/stat` field 22), which
 * tells a pid reused by another process from the one that wrote; elsewhere 12 random hex digits.
 */
export const START_ID: string = linuxStartTime(process.pid) ?? randomBytes(6).toString('hex');

const TEMP_NAME = /\.(\d{1,10})-([0-9a-z]{1,24})\.[0-9a-f-]{36}\.tmp$/;

/** Temporary files that do not name their writer (an older Atelier) and are older than this (ms) are swept. */
export const STALE_TEMP_MS = 60 * 60 * 1000;

/**
 * A temporary file name that names its writer: `<label>.<pid>-<START_ID>.<uuid>.tmp`.
 * @param label what is being written (a blob id, `thumb-<id>`, `.atelier` for exports); no path separator
 */
export function tempName(label: string): string {
  return `${label}.${process.pid}-${START_ID}.${randomUUID()}.tmp`;
}

/** Whose temporary file a name is, or null for a name without a writer. */
export function tempWriter(name: string): { pid: number; startId: string } | null {
  const m = TEMP_NAME.exec(name);
  return m ? { pid: Number(m[1]), startId: m[2]! } : null;
}

/** Options of {@link sweepTemp}. */
export interface SweepOptions {
  /** Only names ending so are considered (default `.tmp`). */
  suffix?: string;
  /** Only names starting so are considered (default: every name). */
  prefix?: string;
  /** Only names matching this are considered (default: every name); for folders that are not Atelier's own. */
  match?: RegExp;
  /** Clock, epoch ms (default `Date.now`). */
  now?: () => number;
}

/** What {@link sweepTemp} did: file names removed and kept (a live writer's). */
export interface SweepResult {
  removed: string[];
  kept: string[];
}

/**
 * Deletes the temporary files in `dir` that no live write can own, never one another running process is writing:
 * - a name with a writer ({@link tempName}) is removed when that pid is not running, when the pid is running but
 *   is another process than the writer (this process under a new start id, or on Linux a process started at
 *   another time), or when it has not been written to for {@link STALE_TEMP_MS} (no write of Atelier's lasts an
 *   hour: the pid was reused); it is kept while its writer runs;
 * - a name without a writer (left by an older Atelier) is removed once older than {@link STALE_TEMP_MS};
 * - symbolic links are removed (the link, never its target); folders are left alone.
 * A missing `dir` is not an error.
 * @throws file system errors other than a missing file
 */
export async function sweepTemp(dir: string, opts: SweepOptions = {}): Promise<SweepResult> {
  const suffix = opts.suffix ?? '.tmp';
  const now = (opts.now ?? Date.now)();
  const result: SweepResult = { removed: [], kept: [] };
  const entries = await readdir(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT' || err.code === 'ENOTDIR') return [] as string[];
    throw err;
  });
  for (const name of entries) {
    if (!name.endsWith(suffix) || (opts.prefix !== undefined && !name.startsWith(opts.prefix))) continue;
    if (opts.match && !opts.match.test(name)) continue;
    const path = join(dir, name);
    const st = await lstat(path).catch(() => null);
    if (!st || st.isDirectory()) continue;
    const stale = now - st.mtimeMs > STALE_TEMP_MS;
    const writer = tempWriter(name);
    const owned = !st.isSymbolicLink() && (writer ? !stale && writerIsAlive(writer) : !stale);
    if (owned) {
      result.kept.push(name);
    } else {
      await rm(path, { force: true });
      result.removed.push(name);
    }
  }
  return result;
}

/** True when the process that wrote a temporary file is still running. */
export function writerIsAlive(writer: { pid: number; startId: string }): boolean {
  if (writer.pid === process.pid) return writer.startId === START_ID;
  if (!pidIsRunning(writer.pid)) return false;
  // On Linux a running pid is the writer only if it started when the writer did (pids are reused).
  const started = linuxStartTime(writer.pid);
  if (started !== null && /^\d+$/.test(writer.startId)) return started === writer.startId;
  return true;
}

function pidIsRunning(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it runs, under another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function linuxStartTime(pid: number): string | null {
  if (process.platform !== 'linux') return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 2 (the command) is in parentheses and may hold spaces; fields after it are plain.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const start = fields[19]; // field 22 overall
    return start && /^\d+$/.test(start) ? start : null;
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Reads inside the library

/** Why {@link openInside} refused a path (`params.reason` of its `not_found` error). */
export type OutsideReason = 'outside_library' | 'symlink' | 'not_a_file';

/**
 * Opens a file of the library for reading, only if it is what it says: `path` must be inside `root` as written,
 * must resolve (through every symbolic link, `realpath`) to the same place inside the library folder's real path
 * (so a symlink anywhere below `root`, to a file outside or inside, is refused), is opened with `O_NOFOLLOW`
 * (POSIX), and must be a regular file. `root` itself may be a link (a library folder the user moved and linked).
 * @param root the library folder
 * @param path the file to open (absolute, or relative to the working directory)
 * @returns an open read-only handle; the caller closes it
 * @throws AppError `not_found` with `params.reason` an {@link OutsideReason} for a refused path; the file system's
 *   own error (ENOENT) for a missing file
 */
export async function openInside(root: string, path: string): Promise<FileHandle> {
  const rel = await checkInside(root, path);
  const real = join(await realpath(root), rel);
  const fh = await open(real, fsConstants.O_RDONLY | (POSIX ? fsConstants.O_NOFOLLOW : 0)).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ELOOP') throw refused(path, 'symlink');
    throw err;
  });
  try {
    if (!(await fh.stat()).isFile()) throw refused(path, 'not_a_file');
    return fh;
  } catch (err) {
    await fh.close();
    throw err;
  }
}

/**
 * Reads a whole library file through {@link openInside}.
 * @throws as {@link openInside}
 */
export async function readInside(root: string, path: string): Promise<Buffer> {
  const fh = await openInside(root, path);
  try {
    // One read of the known size (FileHandle.readFile reads in small chunks: about 3× slower for a 0.5 MB image).
    const { size } = await fh.stat();
    const buf = Buffer.allocUnsafe(size);
    let off = 0;
    while (off < size) {
      const { bytesRead } = await fh.read(buf, off, size - off, off);
      if (bytesRead === 0) break;
      off += bytesRead;
    }
    if (off === size) {
      // Read on to be sure the file did not grow meanwhile (a store file never changes; anything else is not ours).
      const extra = await fh.read(Buffer.allocUnsafe(1), 0, 1, size);
      if (extra.bytesRead === 0) return buf;
    }
    return await readAllFrom(fh);
  } finally {
    await fh.close();
  }
}

async function readAllFrom(fh: FileHandle): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for (let pos = 0; ; ) {
    const chunk = Buffer.allocUnsafe(1 << 20);
    const { bytesRead } = await fh.read(chunk, 0, chunk.length, pos);
    if (bytesRead === 0) return Buffer.concat(chunks);
    chunks.push(chunk.subarray(0, bytesRead));
    pos += bytesRead;
  }
}

/**
 * The containment check of {@link openInside} without opening: `path` is inside `root` and no symbolic link lies
 * between them.
 * @returns the path relative to `root`
 * @throws as {@link openInside} (ENOENT for a missing file)
 */
export async function checkInside(root: string, path: string): Promise<string> {
  const rel = lexicallyInside(root, path);
  return compareReal(path, rel, await realpath(resolve(root)), await realpath(resolve(path)));
}

/** Synchronous {@link checkInside}, for callers that must answer within an event (the OS drag-out). */
export function checkInsideSync(root: string, path: string): string {
  const rel = lexicallyInside(root, path);
  return compareReal(path, rel, realpathSync(resolve(root)), realpathSync(resolve(path)));
}

function lexicallyInside(root: string, path: string): string {
  const rel = relative(resolve(root), resolve(path));
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) throw refused(path, 'outside_library');
  return rel;
}

function compareReal(path: string, rel: string, realRoot: string, real: string): string {
  const realRel = relative(realRoot, real);
  if (realRel === '' || realRel.startsWith('..') || isAbsolute(realRel)) throw refused(path, 'outside_library');
  if (realRel !== rel) throw refused(path, 'symlink');
  return rel;
}

/** True for the error {@link openInside} throws for a refused path. */
export function isRefusedPath(err: unknown): boolean {
  return err instanceof AppError && err.code === 'not_found' && typeof err.params?.['reason'] === 'string' && err.params['refused'] === true;
}

function refused(path: string, reason: OutsideReason): AppError {
  const what = reason === 'symlink' ? 'is a symbolic link' : reason === 'not_a_file' ? 'is not a file' : 'is outside the library';
  // Only the file's name: errors reach the window, which needs no library path.
  return new AppError('not_found', `refused to read a library file (${basename(path)}): it ${what}`, { params: { reason, refused: true } });
}
