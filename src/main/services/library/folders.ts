/**
 * Projects and folders: one tree in the `folders` table, where a project is a folder without a parent.
 * Invariants kept here: every name is valid (see {@link validateFolderName}), the tree has no cycle, and a new or
 * moved folder goes to the end of its siblings. Deleting removes the whole subtree in one transaction; its jobs
 * and assets go with it through the foreign keys (`ON DELETE CASCADE`).
 */
import { randomUUID } from 'node:crypto';
import type { FolderNode } from '../../../shared/domain';
import { AppError } from '../../../shared/errors';
import type { Db } from './db';

/** Longest folder name, in characters (Unicode code points, as SQLite's `length()` counts them). */
export const MAX_FOLDER_NAME_LENGTH = 200;

/** Why a folder name was refused (`params.reason` of the `validation` error). */
export type FolderNameProblem = 'empty' | 'too_long' | 'control_characters';

interface FolderRow {
  id: string;
  parent_id: string | null;
  name: string;
  position: number;
  created_at: number;
  asset_count: number;
}

/** Construction options of {@link FolderService}. */
export interface FolderServiceOptions {
  /** Clock for `created_at`, epoch ms. Defaults to `Date.now`. */
  now?: () => number;
}

/**
 * Normalises a folder name: trims surrounding white space and composes it (NFC).
 * @returns the name to store
 * @throws AppError `validation` with `params: { field: 'name', reason }`, reason a {@link FolderNameProblem}
 *   (`too_long` also carries `max`)
 */
export function validateFolderName(raw: string): string {
  const name = String(raw).normalize('NFC').trim();
  const fail = (reason: FolderNameProblem, detail: string, extra: Record<string, number> = {}): never => {
    throw new AppError('validation', `folder name ${detail}`, { params: { field: 'name', reason, ...extra } });
  };
  if (name.length === 0) fail('empty', 'is empty');
  if (/\p{Cc}/u.test(name)) fail('control_characters', 'contains control characters');
  const length = [...name].length;
  if (length > MAX_FOLDER_NAME_LENGTH) {
    fail('too_long', `is ${length} characters long, over ${MAX_FOLDER_NAME_LENGTH}`, { max: MAX_FOLDER_NAME_LENGTH });
  }
  return name;
}

/** The tree of projects and folders. All methods are synchronous (better-sqlite3). */
export class FolderService {
  private readonly db: Db;
  private readonly now: () => number;

  /** @param db the library database (already migrated) */
  constructor(db: Db, opts: FolderServiceOptions = {}) {
    this.db = db;
    this.now = opts.now ?? Date.now;
  }

  /**
   * Every project and folder as a flat list (build the tree from `parentId`): projects first, then folders grouped
   * by parent; siblings by ascending position. `assetCount` counts the images directly in each folder (not in the trash).
   */
  list(): FolderNode[] {
    const rows = this.db
      .prepare(
        `SELECT f.id, f.parent_id, f.name, f.position, f.created_at,
                (SELECT COUNT(*) FROM assets a WHERE a.folder_id = f.id AND a.deleted_at IS NULL) AS asset_count
           FROM folders f
          ORDER BY f.parent_id IS NOT NULL, f.parent_id, f.position, f.created_at, f.id`,
      )
      .all() as FolderRow[];
    return rows.map(toNode);
  }

  /** True when a folder (or project) with this id exists. */
  exists(id: string): boolean {
    return this.db.prepare('SELECT 1 FROM folders WHERE id = ?').get(id) !== undefined;
  }

  /**
   * One folder.
   * @throws AppError `not_found` for an unknown id
   */
  get(id: string): FolderNode {
    const row = this.db
      .prepare(
        `SELECT f.id, f.parent_id, f.name, f.position, f.created_at,
                (SELECT COUNT(*) FROM assets a WHERE a.folder_id = f.id AND a.deleted_at IS NULL) AS asset_count
           FROM folders f WHERE f.id = ?`,
      )
      .get(id) as FolderRow | undefined;
    if (!row) throw notFound(id);
    return toNode(row);
  }

  /**
   * Creates a folder at the end of `parentId`'s children (a project when `parentId` is null).
   * @throws AppError `validation` for a bad name ({@link validateFolderName}); `not_found` for an unknown parent
   */
  create(name: string, parentId: string | null): FolderNode {
    const clean = validateFolderName(name);
    const id = randomUUID();
    this.db.transaction(() => {
      if (parentId !== null) this.requireExists(parentId);
      this.db
        .prepare('INSERT INTO folders (id, parent_id, name, position, created_at) VALUES (?, ?, ?, ?, ?)')
        .run(id, parentId, clean, this.nextPosition(parentId), this.now());
    })();
    return this.get(id);
  }

  /**
   * Renames a folder (position unchanged).
   * @throws AppError `validation` for a bad name; `not_found` for an unknown id
   */
  rename(id: string, name: string): FolderNode {
    const clean = validateFolderName(name);
    const info = this.db.prepare('UPDATE folders SET name = ? WHERE id = ?').run(clean, id);
    if (info.changes === 0) throw notFound(id);
    return this.get(id);
  }

  /**
   * Moves a folder (with its subtree) to the end of `parentId`'s children; `parentId` null makes it a project.
   * Moving to its current parent changes nothing.
   * @throws AppError `not_found` for an unknown id or parent; `conflict` (`params.reason: 'cycle'`) when the new
   *   parent is the folder itself or one of its descendants
   */
  move(id: string, parentId: string | null): FolderNode {
    this.db.transaction(() => {
      const current = this.db.prepare('SELECT parent_id FROM folders WHERE id = ?').get(id) as
        | { parent_id: string | null }
        | undefined;
      if (!current) throw notFound(id);
      if (parentId !== null) {
        this.requireExists(parentId);
        // Walk up from the new parent: meeting `id` on the way means the move would close a loop.
        const loop = this.db
          .prepare(
            `WITH RECURSIVE up(id, parent_id) AS (
               SELECT id, parent_id FROM folders WHERE id = ?
               UNION
               SELECT f.id, f.parent_id FROM folders f JOIN up ON f.id = up.parent_id
             )
             SELECT 1 FROM up WHERE id = ? LIMIT 1`,
          )
          .get(parentId, id);
        if (loop) {
          throw new AppError('conflict', `cannot move folder ${id} into itself or one of its sub-folders`, {
            params: { id, parentId, reason: 'cycle' },
          });
        }
      }
      if (current.parent_id === parentId) return;
      this.db
        .prepare('UPDATE folders SET parent_id = ?, position = ? WHERE id = ?')
        .run(parentId, this.nextPosition(parentId), id);
    })();
    return this.get(id);
  }

  /**
   * Deletes a folder, its sub-folders, and (through the foreign keys) their assets, jobs and job references, in
   * one transaction. Blobs stay in the store (other assets may share them).
   * @returns how many folders (including this one) and assets were deleted
   * @throws AppError `not_found` for an unknown id
   */
  delete(id: string): { deletedFolders: number; deletedAssets: number } {
    return this.db.transaction(() => {
      this.requireExists(id);
      const counts = this.db
        .prepare(
          `WITH RECURSIVE sub(id) AS (
             SELECT ?
             UNION
             SELECT f.id FROM folders f JOIN sub ON f.parent_id = sub.id
           )
           SELECT (SELECT COUNT(*) FROM sub) AS folders,
                  (SELECT COUNT(*) FROM assets WHERE folder_id IN (SELECT id FROM sub)) AS assets`,
        )
        .get(id) as { folders: number; assets: number };
      this.db.prepare('DELETE FROM folders WHERE id = ?').run(id);
      return { deletedFolders: counts.folders, deletedAssets: counts.assets };
    })();
  }

  // -------------------------------------------------------------------------------------------------------------

  private requireExists(id: string): void {
    if (!this.exists(id)) throw notFound(id);
  }

  /** One past the last sibling's position (0 for the first child). */
  private nextPosition(parentId: string | null): number {
    const row = this.db
      .prepare('SELECT MAX(position) AS max FROM folders WHERE parent_id IS ?')
      .get(parentId) as { max: number | null };
    return row.max === null ? 0 : Math.floor(row.max) + 1;
  }
}

function toNode(row: FolderRow): FolderNode {
  return {
    id: row.id,
    parentId: row.parent_id,
    name: row.name,
    position: row.position,
    createdAt: row.created_at,
    assetCount: row.asset_count,
  };
}

function notFound(id: string): AppError {
  return new AppError('not_found', `no folder with id ${id}`, { params: { id } });
}
