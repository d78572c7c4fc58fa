/**
 * `VACUUM INTO` off the calling thread. The copy of a large library is one synchronous SQLite statement (seconds
 * for a big file); run on the service host's thread it would stall every call the window makes meanwhile. Here
 * it runs on a second connection to the same file, in a short-lived `worker_threads` Worker: the library is in WAL
 * mode, so the snapshot is a read transaction that neither blocks nor is blocked by the writers.
 *
 * The worker is given as source (`eval`), so it needs no bundled entry of its own: it loads better-sqlite3 from
 * the path this module resolves (the same package the library opened).
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** A blob row of the snapshot: id (SHA-256 hex), file extension, size in bytes. */
export interface SnapshotBlob {
  id: string;
  ext: string;
  bytes: number;
}

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.module);
try {
  const db = new Database(workerData.dbPath, { fileMustExist: true });
  db.pragma('busy_timeout = 5000');
  try { db.prepare('VACUUM INTO ?').run(workerData.target); } finally { db.close(); }
  const snap = new Database(workerData.target, { fileMustExist: true });
  let rows;
  try { rows = snap.prepare('SELECT id, ext, bytes FROM blobs ORDER BY id').all(); } finally { snap.close(); }
  parentPort.postMessage({ ok: true, rows });
} catch (err) {
  parentPort.postMessage({ ok: false, message: String((err && err.message) || err), code: err && err.code });
}
`;

/**
 * Writes a consistent, compacted copy of the database at `dbPath` to `target` (`VACUUM INTO`) on a worker thread,
 * and lists the blobs of that copy (so the list and the snapshot agree, whatever was written meanwhile).
 * @param dbPath the library's SQLite file
 * @param target the new file (must not exist)
 * @returns the snapshot's blobs, ordered by id
 * @throws Error with SQLite's message and `code` (e.g. `SQLITE_FULL` for a full disk)
 */
export function vacuumIntoOffThread(dbPath: string, target: string): Promise<SnapshotBlob[]> {
  const module = createRequire(import.meta.url).resolve('better-sqlite3');
  return new Promise<SnapshotBlob[]>((resolve, reject) => {
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { module, dbPath, target } });
    let settled = false;
    worker.once('message', (m: { ok: true; rows: SnapshotBlob[] } | { ok: false; message: string; code?: string }) => {
      settled = true;
      if (m.ok) resolve(m.rows);
      else reject(Object.assign(new Error(m.message), m.code ? { code: m.code } : {}));
      void worker.terminate();
    });
    worker.once('error', (err) => {
      if (!settled) reject(err);
      settled = true;
    });
    worker.once('exit', (code) => {
      if (!settled) reject(new Error(`the snapshot worker exited with code ${code}`));
      settled = true;
    });
  });
}
