/**
 * Backup of the library into a new folder that Atelier can open as a library: the database copied with
 * `VACUUM INTO` (a consistent snapshot, compacted) and every image of the store (objects/). Thumbnails are a
 * cache and are not copied. The backup is built in `<name>.partial` and renamed when complete, so a canceled or
 * failed backup (a full disk) leaves nothing behind. The `VACUUM INTO` runs on a worker thread (library/snapshot.ts).
 */
import { constants as fsConstants } from 'node:fs';
import { chmod, copyFile, mkdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { BackupReport } from '@shared/contracts/transfer';
import { AppError } from '@shared/errors';
import type { Db } from '../library/db';
import { checkInside, isRefusedPath, makePrivate, PRIVATE_DIR_MODE } from '../library/library-fs';
import { vacuumIntoOffThread } from '../library/snapshot';
import { checkTargetDir } from './export';
import { diskFull, isDiskFull } from './import';
import type { TaskContext } from './tasks';

/** Name of a backup folder: `Atelier backup YYYY-MM-DD HH-MM-SS` (local time). */
export function backupFolderName(now: number): string {
  const d = new Date(now);
  const p = (n: number) => String(n).padStart(2, '0');
  return `Atelier backup ${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}-${p(d.getMinutes())}-${p(d.getSeconds())}`;
}

/**
 * Backs the library up into a new folder inside `targetDir`.
 * @param dataDir the library folder
 * @returns the report (the backup's absolute path, blob count, bytes copied)
 * @throws AppError `validation` for a bad target (see checkTargetDir) or a target inside the library;
 *   `disk_full`; `canceled`
 */
export async function backupLibrary(ctx: TaskContext, db: Db, dataDir: string, targetDir: string, now: number): Promise<BackupReport> {
  const target = await checkTargetDir(targetDir);
  if ((target + '/').startsWith(dataDir.replace(/\/?$/, '/'))) {
    throw new AppError('validation', 'a backup cannot go inside the library it backs up', { params: { field: 'targetDir', reason: 'inside_library' } });
  }
  let name = backupFolderName(now);
  for (let n = 2; await exists(join(target, name)); n++) name = `${backupFolderName(now)} (${n})`;
  const final = join(target, name);
  const partial = `${final}.partial`;
  try {
    // Private like the library it copies (library-fs.ts): folders 0700, files 0600.
    await mkdir(join(partial, 'objects'), { recursive: true, mode: PRIVATE_DIR_MODE });
    await chmod(partial, PRIVATE_DIR_MODE);
    // On a worker thread (a large library takes seconds): the calls of the window go on meanwhile. The blobs are
    // listed from the snapshot itself, so the snapshot and the list agree.
    const blobs = await vacuumIntoOffThread(db.name, join(partial, 'library.sqlite'));
    await makePrivate(join(partial, 'library.sqlite'));
    const report: BackupReport = { kind: 'backup', path: final, blobs: 0, bytes: 0, missing: [] };
    ctx.progress(0, blobs.length);
    const made = new Set<string>();
    for (const b of blobs) {
      if (ctx.signal.aborted) throw new AppError('canceled', 'the backup was canceled');
      const sub = b.id.slice(0, 2);
      if (!made.has(sub)) {
        await mkdir(join(partial, 'objects', sub), { recursive: true, mode: PRIVATE_DIR_MODE });
        made.add(sub);
      }
      const file = `${b.id}.${b.ext}`;
      // Copy-on-write clone where the file system can (btrfs, APFS, XFS), a plain copy elsewhere.
      try {
        // Never through a symbolic link planted in objects/ (copyFile would follow it out of the library).
        await checkInside(dataDir, join(dataDir, 'objects', sub, file));
        await copyFile(join(dataDir, 'objects', sub, file), join(partial, 'objects', sub, file), fsConstants.COPYFILE_FICLONE);
        await makePrivate(join(partial, 'objects', sub, file));
      } catch (err) {
        // A file missing from the library (or refused) is reported (the integrity check says more), not fatal.
        if ((err as { code?: string }).code !== 'ENOENT' && !isRefusedPath(err)) throw err;
        report.missing.push(b.id);
        continue;
      }
      report.blobs++;
      report.bytes += b.bytes;
      ctx.progress(report.blobs, blobs.length, file);
    }
    await rename(partial, final);
    return report;
  } catch (err) {
    await rm(partial, { recursive: true, force: true });
    if (isDiskFull(err)) throw diskFull(err, partial);
    throw err;
  }
}

async function exists(path: string): Promise<boolean> {
  return (await stat(path).catch(() => null)) !== null;
}
