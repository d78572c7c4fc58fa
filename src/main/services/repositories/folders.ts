/**
 * The `folders` table (migration 0001; `deleted_at` from 0012): one tree of projects (no parent) and folders.
 * The rules (valid names, no cycle, new and moved folders last among their siblings, deleting into the trash,
 * restoring a path) are library/folders.ts's and trash.ts's; this module holds the SQL. Reads join `assets`, `jobs`
 * and `job_references`. Times are epoch ms.
 */
import type { Db } from '../library/db';
import { Statements } from './statements';

/** The tables this repository owns: only it writes them. */
export const OWNS = ['folders'] as const;

/** A live folder with the number of images directly in it (outside the trash). */
export interface FolderRow {
  id: string;
  parent_id: string | null;
  name: string;
  position: number;
  created_at: number;
  asset_count: number;
}

/** One folder on the way from a project down to a folder, deleted or not. */
export interface FolderPathRow {
  id: string;
  name: string;
  deleted_at: number | null;
}

/** Job states that are not finished (a deleted folder with such a job is kept by the trash). */
const UNFINISHED = "('queued', 'submitting', 'running', 'downloading')";

const FOLDER_COLUMNS = `f.id, f.parent_id, f.name, f.position, f.created_at,
  (SELECT COUNT(*) FROM assets a WHERE a.folder_id = f.id AND a.deleted_at IS NULL) AS asset_count`;

/**
 * A common table expression `sub(id)`: the folder bound to its `?` and every folder below it, deleted or not. Put
 * in front of a statement that reads `sub` (the assets and search repositories use it too).
 */
export const SUBTREE = `WITH RECURSIVE sub(id) AS (
                   SELECT ?
                   UNION
                   SELECT f.id FROM folders f JOIN sub ON f.parent_id = sub.id
                 )`;

const repos = new WeakMap<Db, FoldersRepository>();

/** Reads and writes the folder tree. Synchronous (better-sqlite3); no method opens a transaction. */
export class FoldersRepository {
  private readonly st: Statements;

  /** @param db the library database (migrated) */
  constructor(db: Db) {
    this.st = new Statements(db);
  }

  /** The repository of `db`, made on first use (its statements are prepared once per connection). */
  static of(db: Db): FoldersRepository {
    let r = repos.get(db);
    if (!r) repos.set(db, (r = new FoldersRepository(db)));
    return r;
  }

  /** Every live folder: projects first, then folders grouped by parent; siblings by position, creation, id. */
  listLive(): FolderRow[] {
    return this.st
      .get(
        `SELECT ${FOLDER_COLUMNS} FROM folders f
          WHERE f.deleted_at IS NULL
          ORDER BY f.parent_id IS NOT NULL, f.parent_id, f.position, f.created_at, f.id`,
      )
      .all() as FolderRow[];
  }

  /** One live folder, or undefined for an unknown or deleted id. */
  getLive(id: string): FolderRow | undefined {
    return this.st.get(`SELECT ${FOLDER_COLUMNS} FROM folders f WHERE f.id = ? AND f.deleted_at IS NULL`).get(id) as FolderRow | undefined;
  }

  /** True when the folder exists and is not deleted. */
  isLive(id: string): boolean {
    return this.st.get('SELECT 1 FROM folders WHERE id = ? AND deleted_at IS NULL').get(id) !== undefined;
  }

  /** True when the folder has a row, deleted or not. */
  hasRow(id: string): boolean {
    return this.st.get('SELECT 1 FROM folders WHERE id = ?').get(id) !== undefined;
  }

  /** The live folder's name, or undefined for an unknown or deleted id. */
  liveName(id: string): string | undefined {
    return this.st.get('SELECT name FROM folders WHERE id = ? AND deleted_at IS NULL').pluck().get(id) as string | undefined;
  }

  /** The live folder's parent: undefined for an unknown or deleted folder, null for a project. */
  liveParentOf(id: string): string | null | undefined {
    const row = this.st.get('SELECT parent_id FROM folders WHERE id = ? AND deleted_at IS NULL').get(id) as { parent_id: string | null } | undefined;
    return row ? row.parent_id : undefined;
  }

  /** One past the last live sibling's position under `parentId` (null: among the projects); 0 for the first. */
  nextPosition(parentId: string | null): number {
    const max = this.st.get('SELECT MAX(position) FROM folders WHERE parent_id IS ? AND deleted_at IS NULL').pluck().get(parentId) as number | null;
    return max === null ? 0 : Math.floor(max) + 1;
  }

  /** Records a new folder. */
  insert(f: { id: string; parentId: string | null; name: string; position: number; createdAt: number }): void {
    this.st.get('INSERT INTO folders (id, parent_id, name, position, created_at) VALUES (?, ?, ?, ?, ?)').run(f.id, f.parentId, f.name, f.position, f.createdAt);
  }

  /** Renames a live folder. @returns false when there is no live folder with this id */
  rename(id: string, name: string): boolean {
    return this.st.get('UPDATE folders SET name = ? WHERE id = ? AND deleted_at IS NULL').run(name, id).changes > 0;
  }

  /** True when `ancestorId` is `folderId` itself or a folder above it. */
  isSelfOrAncestor(ancestorId: string, folderId: string): boolean {
    return (
      this.st
        .get(
          `WITH RECURSIVE up(id, parent_id) AS (
             SELECT id, parent_id FROM folders WHERE id = ?
             UNION
             SELECT f.id, f.parent_id FROM folders f JOIN up ON f.id = up.parent_id
           )
           SELECT 1 FROM up WHERE id = ? LIMIT 1`,
        )
        .get(folderId, ancestorId) !== undefined
    );
  }

  /** Puts the folder under `parentId` (null: a project) at `position`. */
  setParent(id: string, parentId: string | null, position: number): void {
    this.st.get('UPDATE folders SET parent_id = ?, position = ? WHERE id = ?').run(parentId, position, id);
  }

  /** Marks folder `rootId` and every live folder below it deleted at `now`. @returns how many were marked */
  markSubtreeDeleted(rootId: string, now: number): number {
    return this.st.get(`${SUBTREE} UPDATE folders SET deleted_at = ? WHERE id IN (SELECT id FROM sub) AND deleted_at IS NULL`).run(rootId, now).changes;
  }

  /** Ids of folder `rootId` and the live folders below it, `rootId` first, then by creation and id. */
  liveIdsInSubtree(rootId: string): string[] {
    return this.st
      .get(`${SUBTREE} SELECT id FROM folders WHERE id IN (SELECT id FROM sub) AND deleted_at IS NULL ORDER BY id = ? DESC, created_at, id`)
      .pluck()
      .all(rootId, rootId) as string[];
  }

  /** The folder's parent and deletion time, deleted or not; undefined for an unknown id. */
  placeOf(id: string): { parent_id: string | null; deleted_at: number | null } | undefined {
    return this.st.get('SELECT parent_id, deleted_at FROM folders WHERE id = ?').get(id) as { parent_id: string | null; deleted_at: number | null } | undefined;
  }

  /** Brings a deleted folder back where it was (same parent and position). */
  undeleteInPlace(id: string): void {
    this.st.get('UPDATE folders SET deleted_at = NULL WHERE id = ?').run(id);
  }

  /** The folders from the project down to `folderId` (project first), deleted or not; empty for an unknown id. */
  pathTo(folderId: string): FolderPathRow[] {
    return this.st
      .get(
        `WITH RECURSIVE up(id, parent_id, name, deleted_at, depth) AS (
           SELECT id, parent_id, name, deleted_at, 0 FROM folders WHERE id = ?
           UNION ALL
           SELECT f.id, f.parent_id, f.name, f.deleted_at, up.depth + 1 FROM folders f JOIN up ON f.id = up.parent_id
         )
         SELECT id, name, deleted_at FROM up ORDER BY depth DESC`,
      )
      .all(folderId) as FolderPathRow[];
  }

  /** The first live folder named `name` under `parentId` (null: among the projects), if there is one. */
  liveChildNamed(parentId: string | null, name: string): string | undefined {
    return this.st.get('SELECT id FROM folders WHERE parent_id IS ? AND name = ? AND deleted_at IS NULL ORDER BY position LIMIT 1').pluck().get(parentId, name) as
      | string
      | undefined;
  }

  /** Brings a deleted folder back under `parentId` at `position`. */
  undelete(id: string, parentId: string | null, position: number): void {
    this.st.get('UPDATE folders SET deleted_at = NULL, parent_id = ?, position = ? WHERE id = ?').run(parentId, position, id);
  }

  /** Deleted folders that hold no folder, no asset and no unfinished job: those the trash may remove for good. */
  removableDeleted(): string[] {
    return this.st
      .get(
        `SELECT id FROM folders f WHERE f.deleted_at IS NOT NULL
            AND NOT EXISTS (SELECT 1 FROM folders c WHERE c.parent_id = f.id)
            AND NOT EXISTS (SELECT 1 FROM assets a WHERE a.folder_id = f.id)
            AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.folder_id = f.id AND j.state IN ${UNFINISHED})`,
      )
      .pluck()
      .all() as string[];
  }

  /** The blobs the folder's jobs refer to (reference images and masks). */
  jobBlobIds(id: string): string[] {
    return this.st
      .get(
        `SELECT r.blob_id FROM job_references r JOIN jobs j ON j.id = r.job_id WHERE j.folder_id = ?
         UNION SELECT mask_blob_id FROM jobs WHERE folder_id = ? AND mask_blob_id IS NOT NULL`,
      )
      .pluck()
      .all(id, id) as string[];
  }

  /** Deletes the folder's row (its jobs and their references go with it, through the foreign keys). @returns whether it had one */
  delete(id: string): boolean {
    return this.st.get('DELETE FROM folders WHERE id = ?').run(id).changes > 0;
  }
}
