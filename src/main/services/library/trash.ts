/**
 * Emptying the trash, releasing the blobs of any other owner that goes (a reference kit), and the one question "does anything still refer to this blob?" that decides whether a
 * stored file may be deleted.
 *
 * {@link blobReferenceChecks} answers it from two sources, so that a feature that keeps blob ids never loses its
 * bytes to an emptied trash:
 *   1. every foreign key to `blobs(id)` in the schema (`PRAGMA foreign_key_list`), found at run time: assets,
 *      job_references, and any table a later migration adds with `REFERENCES blobs(id)`;
 *   2. checks registered with {@link registerBlobReference} for references SQLite cannot see (blob ids inside
 *      JSON, e.g. `versions.inputs`), each a SQL expression true when `?` (the blob id) is referred to.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { AssetsRepository } from '../repositories/assets';
import { BlobsRepository } from '../repositories/blobs';
import { FoldersRepository } from '../repositories/folders';
import type { Db } from './db';

/** A reference to blobs that is not a foreign key: `sql` selects a row when the blob id bound to `?` is used. */
export interface BlobReference {
  /** For error messages and tests, e.g. `versions.inputs`. */
  name: string;
  /** E.g. `SELECT 1 FROM versions, json_each(versions.inputs) j WHERE j.value = ? LIMIT 1`; skipped while it
   *  cannot be prepared (its table is not in this library yet). Run by the blobs repository. */
  sql: string;
}

/**
 * Edit chains keep the blob ids of a step's inputs in JSON (`versions.inputs`, `chain_steps.inputs`: arrays of
 * `{ blobId, name, assetId }`, contracts/chains.ts StepInput); a replay sends them again, so they hold their blobs
 * after the edit job that used them is gone.
 */
const extraReferences: BlobReference[] = [
  { name: 'versions.inputs', sql: "SELECT 1 FROM versions v, json_each(v.inputs) j WHERE json_extract(j.value, '$.blobId') = ? LIMIT 1" },
  { name: 'chain_steps.inputs', sql: "SELECT 1 FROM chain_steps s, json_each(s.inputs) j WHERE json_extract(j.value, '$.blobId') = ? LIMIT 1" },
];

/**
 * Registers a reference to blobs that is not a foreign key (call at module load of the feature that keeps it).
 * Registering the same `name` twice keeps one.
 */
export function registerBlobReference(ref: BlobReference): void {
  if (!extraReferences.some((r) => r.name === ref.name)) extraReferences.push(ref);
}

/**
 * The SQL checks (each with one `?` for the blob id) that together say whether a blob is referred to: one per
 * foreign key to `blobs(id)` in `db`, plus the registered ones whose tables exist.
 */
export function blobReferenceChecks(db: Db): BlobReference[] {
  const blobs = BlobsRepository.of(db);
  // A registered check whose table is not in this library (yet) is left out: nothing there can refer to the blob.
  return [...blobs.foreignKeyChecks(), ...extraReferences.filter((r) => blobs.compiles(r))];
}

/**
 * True when anything in the library refers to `blobId` (see {@link blobReferenceChecks}).
 * @param checks precomputed checks, to avoid recomputing them per blob
 */
export function isBlobReferenced(db: Db, blobId: string, checks: BlobReference[] = blobReferenceChecks(db)): boolean {
  return BlobsRepository.of(db).isReferenced(blobId, checks);
}

/** What {@link emptyTrash} did. */
export interface EmptyTrashResult {
  deletedAssets: number;
  /** Deleted folders (folders.ts) removed for good: those left with no image and no unfinished job. */
  deletedFolders: number;
  /** Stored originals deleted (their thumbnails too). */
  deletedFiles: number;
  /** Bytes of the originals deleted. */
  freedBytes: number;
}

/**
 * Deletes every asset in the trash (rows first, in one transaction, with their tags and collection memberships
 * through the foreign keys), then the deleted folders (folders.ts) left empty — with their jobs and those jobs'
 * references, through the foreign keys; a folder with a job still under way stays until a later emptying — then the
 * blobs of those assets and jobs that nothing refers to any more: their rows in the same transaction, their files
 * (original and thumbnail) after it commits. A crash between the two leaves files without rows, which a later `put`
 * of the same bytes adopts (store.ts). Blobs the trash never held (a staged reference in the composer) are never
 * touched.
 * @param dataDir the library folder (`objects/`, `thumbs/`)
 * @throws file system errors other than a missing file
 */
export async function emptyTrash(db: Db, dataDir: string): Promise<EmptyTrashResult> {
  const assets = AssetsRepository.of(db);
  let deletedAssets = 0;
  let deletedFolders = 0;
  const freed = await releaseBlobs(db, dataDir, (candidates) => {
    for (const id of assets.trashedBlobIds()) candidates.add(id);
    deletedAssets = assets.deleteTrashed();
    deletedFolders = purgeDeletedFolders(db, candidates);
  });
  return { deletedAssets, deletedFolders, ...freed };
}

/** What {@link releaseBlobs} removed. */
export interface ReleasedBlobs {
  /** Stored originals deleted (their thumbnails too). */
  deletedFiles: number;
  /** Bytes of the originals deleted. */
  freedBytes: number;
}

/**
 * Runs `drop` — which deletes owners of blobs (trashed assets, a kit…) and adds the blob ids they held to the set it
 * is given — and then, in the same transaction, deletes the rows of those blobs that nothing refers to any more
 * ({@link isBlobReferenced}); their files (original and thumbnail) go after it commits. Only the blobs `drop` names
 * are looked at: one no owner ever held (a reference staged in the composer) is never touched. A crash between the
 * commit and the files leaves files without rows, which a later `put` of the same bytes adopts (store.ts).
 * @param dataDir the library folder (`objects/`, `thumbs/`)
 * @throws what `drop` throws (nothing is deleted then); file system errors other than a missing file
 */
export async function releaseBlobs(db: Db, dataDir: string, drop: (candidates: Set<string>) => void): Promise<ReleasedBlobs> {
  const blobs = BlobsRepository.of(db);
  const gone = db.transaction(() => {
    const candidates = new Set<string>();
    drop(candidates);
    if (candidates.size === 0) return [];
    const checks = blobReferenceChecks(db);
    const rows: { id: string; ext: string; bytes: number }[] = [];
    for (const id of candidates) {
      if (isBlobReferenced(db, id, checks)) continue;
      const row = blobs.get(id);
      if (!row) continue;
      blobs.delete(id);
      rows.push({ id: row.id, ext: row.ext, bytes: row.bytes });
    }
    return rows;
  })();
  for (const b of gone) {
    await rm(join(dataDir, 'objects', b.id.slice(0, 2), `${b.id}.${b.ext}`), { force: true });
    await rm(join(dataDir, 'thumbs', b.id.slice(0, 2), `${b.id}.webp`), { force: true });
  }
  return { deletedFiles: gone.length, freedBytes: gone.reduce((n, b) => n + b.bytes, 0) };
}

/**
 * Removes the deleted folders that hold no image, no folder and no unfinished job, deepest first, adding the blobs
 * their jobs referred to (references, masks) to `candidates`. Runs inside {@link emptyTrash}'s transaction.
 * @returns how many folders were removed
 */
function purgeDeletedFolders(db: Db, candidates: Set<string>): number {
  const folders = FoldersRepository.of(db);
  let total = 0;
  for (;;) {
    const ids = folders.removableDeleted();
    if (ids.length === 0) return total;
    for (const id of ids) {
      for (const b of folders.jobBlobIds(id)) candidates.add(b);
      if (folders.delete(id)) total++;
    }
  }
}

/** The trash of one library: {@link emptyTrash} bound to its database and folder. */
export class TrashService {
  constructor(
    private readonly db: Db,
    private readonly dataDir: string,
  ) {}

  /** Images in the trash now. */
  count(): number {
    return AssetsRepository.of(this.db).countTrashed();
  }

  /** See {@link emptyTrash}. */
  empty(): Promise<EmptyTrashResult> {
    return emptyTrash(this.db, this.dataDir);
  }

  /** See {@link releaseBlobs}: `drop` deletes an owner of blobs (a kit) and names the blobs it held. */
  release(drop: (candidates: Set<string>) => void): Promise<ReleasedBlobs> {
    return releaseBlobs(this.db, this.dataDir, drop);
  }
}
