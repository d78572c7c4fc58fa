/**
 * Reads for undo (issue 11): the organising state of some images — folder, title, note, rating, flag, tags, trash,
 * stack — the members of the stacks they are in and the folders on their paths (src/shared/contracts/undo.ts `assets.undoState`). Only reads:
 * it owns no table (the writes undo makes go through the calls that own them).
 */
import { AppError } from '@shared/errors';
import type { AssetUndoState, FolderUndoState, StackMembership } from '@shared/contracts/undo';
import type { Db } from '../library/db';
import { AssetsRepository } from './assets';
import { Statements } from './statements';

/** The tables this repository owns: none, it only reads `assets`, `asset_tags`, `tags` and `folders`. */
export const OWNS = [] as const;

interface Row {
  id: string;
  folder_id: string;
  title: string | null;
  note: string | null;
  rating: number;
  flag: -1 | 0 | 1;
  deleted_at: number | null;
  stack_id: string | null;
}

/** The organising state of images, as undo needs it. */
export class UndoStateRepository {
  private readonly st: Statements;
  /** Tags and stack members, read as the organising calls read them. */
  private readonly assets: AssetsRepository;

  /** @param db the library database (migrated) */
  constructor(db: Db) {
    this.st = new Statements(db);
    this.assets = AssetsRepository.of(db);
  }

  /**
   * The state of each image in `ids` (in that order; a repeated id once), every stack one of them is in with all
   * its members, cover first, then oldest first, and the folders they are in with all their ancestors (deleted or not),
   * each once.
   * @throws AppError `not_found` for an unknown id
   */
  read(ids: readonly string[]): { assets: AssetUndoState[]; stacks: StackMembership[]; folders: FolderUndoState[] } {
    const row = this.st.get('SELECT id, folder_id, title, note, rating, flag, deleted_at, stack_id FROM assets WHERE id = ?');
    const folder = this.st.get('SELECT id, parent_id, name, position, deleted_at FROM folders WHERE id = ?');
    const assets: AssetUndoState[] = [];
    const folders = new Map<string, FolderUndoState>();
    const stackIds = new Set<string>();
    for (const id of new Set(ids)) {
      const r = row.get(id) as Row | undefined;
      if (!r) throw new AppError('not_found', `no asset with id ${id}`, { params: { id } });
      assets.push({
        id: r.id,
        folderId: r.folder_id,
        title: r.title,
        note: r.note,
        rating: r.rating,
        flag: r.flag,
        tags: this.assets.tagNamesOf(id),
        deletedAt: r.deleted_at,
        stackId: r.stack_id,
      });
      if (r.stack_id) stackIds.add(r.stack_id);
      for (let at: string | null = r.folder_id; at !== null && !folders.has(at); ) {
        const f = folder.get(at) as { id: string; parent_id: string | null; name: string; position: number; deleted_at: number | null } | undefined;
        if (!f) break;
        folders.set(f.id, { id: f.id, parentId: f.parent_id, name: f.name, position: f.position, deletedAt: f.deleted_at });
        at = f.parent_id;
      }
    }
    const stacks = [...stackIds].map((stackId) => ({ stackId, members: this.assets.stackMembers(stackId) }));
    return { assets, stacks, folders: [...folders.values()] };
  }
}
