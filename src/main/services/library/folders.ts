/**
 * Projects and folders: one tree in the `folders` table, where a project is a folder without a parent.
 * Invariants kept here: every name is valid (see {@link validateFolderName}), the tree has no cycle, and a new or
 * moved folder goes to the end of its siblings.
 *
 * Deleting a folder never deletes an image: the folder and its sub-folders are marked deleted (`deleted_at`,
 * hidden from the tree and refused as a target) and their images go to the trash, in one transaction. An image
 * restored from the trash goes back to its folder's path ({@link restoreFolderPath}): each deleted folder on the
 * way is brought back under its (restored) parent, unless a live folder of the same name is there already.
 * Only emptying the trash removes the rows (trash.ts), and with them the folders' jobs. A live folder is never
 * inside a deleted one.
 */
import { randomUUID } from 'node:crypto';
import type { FolderNode } from '@shared/domain';
import { AppError } from '@shared/errors';
import { AssetsRepository } from '../repositories/assets';
import { FoldersRepository, type FolderRow } from '../repositories/folders';
import type { Db } from './db';

/** Longest folder name, in characters (Unicode code points, as SQLite's `length()` counts them). */
export const MAX_FOLDER_NAME_LENGTH = 200;

/** Why a folder name was refused (`params.reason` of the `validation` error). */
export type FolderNameProblem = 'empty' | 'too_long' | 'control_characters';

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
  private readonly folders: FoldersRepository;
  private readonly assets: AssetsRepository;
  private readonly now: () => number;

  /** @param db the library database (already migrated) */
  constructor(db: Db, opts: FolderServiceOptions = {}) {
    this.db = db;
    this.folders = FoldersRepository.of(db);
    this.assets = AssetsRepository.of(db);
    this.now = opts.now ?? Date.now;
  }

  /**
   * Every project and folder (deleted ones left out) as a flat list (build the tree from `parentId`): projects
   * first, then folders grouped by parent; siblings by ascending position. `assetCount` counts the images directly
   * in each folder (not in the trash).
   */
  list(): FolderNode[] {
    return this.folders.listLive().map(toNode);
  }

  /** True when a folder (or project) with this id exists and is not deleted. */
  exists(id: string): boolean {
    return this.folders.isLive(id);
  }

  /**
   * One folder.
   * @throws AppError `not_found` for an unknown or deleted id
   */
  get(id: string): FolderNode {
    const row = this.folders.getLive(id);
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
      this.folders.insert({ id, parentId, name: clean, position: this.folders.nextPosition(parentId), createdAt: this.now() });
    })();
    return this.get(id);
  }

  /**
   * Renames a folder (position unchanged).
   * @throws AppError `validation` for a bad name; `not_found` for an unknown id
   */
  rename(id: string, name: string): FolderNode {
    const clean = validateFolderName(name);
    if (!this.folders.rename(id, clean)) throw notFound(id);
    return this.get(id);
  }

  /**
   * Moves a folder (with its subtree) to the end of `parentId`'s children; `parentId` null makes it a project.
   * Moving to its current parent changes nothing. With `position` (undo putting a folder back where it was), it
   * takes that position among its new siblings instead of the end (siblings keep theirs; ties sort by creation).
   * @throws AppError `not_found` for an unknown id or parent; `conflict` (`params.reason: 'cycle'`) when the new
   *   parent is the folder itself or one of its descendants
   */
  move(id: string, parentId: string | null, position?: number): FolderNode {
    this.db.transaction(() => {
      const current = this.folders.liveParentOf(id);
      if (current === undefined) throw notFound(id);
      if (parentId !== null) {
        this.requireExists(parentId);
        // Walk up from the new parent: meeting `id` on the way means the move would close a loop.
        if (this.folders.isSelfOrAncestor(id, parentId)) {
          throw new AppError('conflict', `cannot move folder ${id} into itself or one of its sub-folders`, {
            params: { id, parentId, reason: 'cycle' },
          });
        }
      }
      if (current === parentId && position === undefined) return;
      this.folders.setParent(id, parentId, position ?? this.folders.nextPosition(parentId));
    })();
    return this.get(id);
  }

  /**
   * Deletes a folder and its sub-folders, moving their images to the trash, in one transaction: nothing is
   * deleted from disk or from the database (see the module comment); restoring an image brings its folder back.
   * Images already in the trash keep their time.
   * @returns how many folders (including this one) were deleted and their ids (this one first), and the ids of the
   *   images moved to the trash
   * @throws AppError `not_found` for an unknown or already deleted id
   */
  delete(id: string): { deletedFolders: number; folderIds: string[]; trashedAssetIds: string[] } {
    return this.db.transaction(() => {
      this.requireExists(id);
      const now = this.now();
      const trashedAssetIds = this.assets.liveIdsInSubtree(id);
      const folderIds = this.folders.liveIdsInSubtree(id);
      this.assets.trashSubtree(id, now);
      const deletedFolders = this.folders.markSubtreeDeleted(id, now);
      return { deletedFolders, folderIds, trashedAssetIds };
    })();
  }

  /**
   * Brings back folders a {@link delete} deleted (undo): each keeps its id, name, parent and position. Each must be
   * deleted, and its parent live or among `ids`; the images are not touched (the caller restores those the delete
   * trashed, which then stay in these folders).
   * @returns how many folders came back
   * @throws AppError `not_found` for an unknown id; `conflict` (`params.reason`: `not_deleted`, `parent_deleted`) —
   *   nothing changes
   */
  undelete(ids: readonly string[]): number {
    return this.db.transaction(() => {
      const wanted = new Set(ids);
      for (const id of wanted) {
        const r = this.folders.placeOf(id);
        if (!r) throw notFound(id);
        if (r.deleted_at === null) {
          throw new AppError('conflict', `folder ${id} is not deleted`, { params: { id, reason: 'not_deleted' } });
        }
        if (r.parent_id !== null && !wanted.has(r.parent_id) && !this.exists(r.parent_id)) {
          throw new AppError('conflict', `the parent of folder ${id} is deleted`, { params: { id, reason: 'parent_deleted' } });
        }
      }
      for (const id of wanted) this.folders.undeleteInPlace(id);
      return wanted.size;
    })();
  }

  // -------------------------------------------------------------------------------------------------------------

  /** @throws AppError `not_found` unless `id` is a live (not deleted) folder */
  private requireExists(id: string): void {
    if (!this.exists(id)) throw notFound(id);
  }
}

/**
 * The live folder at the path of `folderId`, bringing deleted folders back as needed: walking from the project
 * down, a live folder is kept; a deleted one is replaced by a live sibling of the same name under the (restored)
 * parent when there is one, else it is brought back itself (same id and name) at the end of that parent's
 * children. Call inside the transaction that restores the images.
 * @param cache deleted folder id → live folder id, shared across one restore so that siblings agree
 * @returns the id of the live folder (`folderId` itself when it was never deleted)
 * @throws AppError `not_found` when `folderId` has no row
 */
export function restoreFolderPath(db: Db, folderId: string, cache: Map<string, string> = new Map()): string {
  const folders = FoldersRepository.of(db);
  const chain = folders.pathTo(folderId);
  if (chain.length === 0) throw notFound(folderId);
  let parent: string | null = null;
  for (const node of chain) {
    if (node.deleted_at === null) {
      parent = node.id;
      continue;
    }
    const known = cache.get(node.id);
    if (known) {
      parent = known;
      continue;
    }
    const live = folders.liveChildNamed(parent, node.name);
    if (live) {
      parent = live;
    } else {
      folders.undelete(node.id, parent, folders.nextPosition(parent));
      parent = node.id;
    }
    cache.set(node.id, parent);
  }
  return parent!;
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
