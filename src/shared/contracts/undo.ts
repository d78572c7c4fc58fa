/**
 * Contract calls and events for undo and redo of organising actions (issue 11). The renderer's undo history
 * (src/renderer/src/store/undo.ts) records, for every organising action, how to put the library back; what it
 * cannot compute from the other calls it reads or asks for here:
 * - `assets.undoState`: the organising state of some images before (or after) an action — folder, title, note,
 *   rating, flag, tags, trash, stack — and the full membership of the stacks they are in;
 * - `folders.undelete`: brings back folders deleted by `folders.delete` (same ids, names, places) and the images that
 *   delete moved to the trash;
 * - `stacks.restore`: puts images back in the stacks they were in. Nothing is ever destroyed by an undo: undoing a copy trashes the copies.
 * Spread into `contract` and `events` in src/shared/contract.ts.
 */
import { z } from 'zod';
import { Id } from '../domain';
import { Flag, MAX_BULK_IDS, Rating } from '../organise';

const Ids = z.array(Id).min(1).max(MAX_BULK_IDS);
/** Most images one `stacks.restore` sets (each entry carries two ids, so half the bulk limit). */
export const MAX_STACK_RESTORE = MAX_BULK_IDS / 2;

/** The organising state of one image, as undo needs it. */
export const AssetUndoState = z.object({
  id: Id,
  folderId: Id,
  title: z.string().nullable(),
  note: z.string().nullable(),
  rating: Rating,
  flag: Flag,
  /** Display names of its tags, sorted by their key. */
  tags: z.array(z.string()),
  /** When it went to the trash (epoch ms), null when it is not in the trash. */
  deletedAt: z.number().nullable(),
  /** Its stack (the cover's id), null when in none. */
  stackId: z.string().nullable(),
});
export type AssetUndoState = z.infer<typeof AssetUndoState>;

/** A folder on the path of an image, deleted ones included (undo of a restore puts them back where they were). */
export const FolderUndoState = z.object({
  id: Id,
  parentId: Id.nullable(),
  name: z.string(),
  position: z.number(),
  /** When it was deleted (epoch ms), null while live. */
  deletedAt: z.number().nullable(),
});
export type FolderUndoState = z.infer<typeof FolderUndoState>;

/** A stack and every member (cover first). */
export const StackMembership = z.object({ stackId: Id, members: z.array(Id) });
export type StackMembership = z.infer<typeof StackMembership>;

export const undoCalls = {
  /**
   * The organising state of every image given (in the order given), the stacks any of them is in, with all their
   * members (members outside `ids` included), and the folders they are in with every ancestor (deleted ones too).
   * @throws AppError `not_found` for an unknown id
   */
  'assets.undoState': {
    input: z.object({ ids: Ids }).strict(),
    output: z.object({ assets: z.array(AssetUndoState), stacks: z.array(StackMembership), folders: z.array(FolderUndoState) }),
  },
  /**
   * Undoes a `folders.delete`: the folders it deleted (`folderIds`, from its answer) come back with their ids, names,
   * parents and places, and the images it moved to the trash (`assetIds`) come out of it. A folder whose parent is
   * still deleted, or that is not deleted, is refused (nothing changes).
   * @throws AppError `not_found` for an unknown id; `conflict` (`params.reason`: `not_deleted`, `parent_deleted`)
   */
  'folders.undelete': {
    input: z.object({ folderIds: Ids, assetIds: z.array(Id).max(MAX_BULK_IDS).default([]) }).strict(),
    output: z.object({ restoredFolders: z.number().int(), restoredAssets: z.number().int() }),
  },
  /**
   * Puts images back in the stacks they were in (undo of stacking and unstacking): each image's stack (its cover's id,
   * or null for none) is set as given, in one transaction.
   * @throws AppError `not_found` for an unknown image (nothing changes)
   */
  'stacks.restore': {
    input: z.object({ members: z.array(z.object({ id: Id, stackId: Id.nullable() }).strict()).min(1).max(MAX_STACK_RESTORE) }).strict(),
    output: z.object({ updated: z.number().int() }),
  },
} as const;

/** A command of the desktop shell's application menu (Edit ▸ Undo / Redo), for the window to run. */
export const AppCommand = z.enum(['undo', 'redo']);
export type AppCommand = z.infer<typeof AppCommand>;

export const undoEvents = {
  /** The desktop shell's Edit menu asked for undo or redo (the window decides: a text field's own, or the library's). */
  'app.command': z.object({ command: AppCommand }),
} as const;
