/**
 * Every organising action as an undoable step (issue 11): each reads what it is about to change, makes the change
 * through the contract, and records in the undo history ({@link undoStore}) how to put it back — computed from the
 * state before (previous ratings, folders, tags… per image) — and how to do it again. A redo performs the action
 * anew and reads the state afresh, so the next undo puts back what was there at that moment.
 *
 * Inverses, all through contract calls and none destructive:
 * - rate, flag, title, note: the previous values, per group of images that had the same;
 * - tags: per image, the tags it lost are added back and the ones it gained removed;
 * - move: each image back to its folder; copy: the copies go to the trash (a redo restores them);
 * - trash: the images that were live are restored; restore: they go back to the trash, and folders the restore
 *   brought back are deleted again;
 * - folders: create ↔ delete (soft: `folders.undelete` brings it back with its id), rename back, move back to the
 *   same parent and place, delete → `folders.undelete` (the folders and the images the delete trashed);
 * - stack and unstack: each image back in the stack it was in (`stacks.restore`).
 * Every function throws what the call throws (nothing is recorded then); callers report it.
 */
import type { FolderNode } from '@shared/domain';
import type { AssetUndoState, FolderUndoState } from '@shared/contracts/undo';
import { MAX_STACK_RESTORE } from '@shared/contracts/undo';
import type { AssetPatch } from '@shared/organise';
import { call } from '../transport';
import { undoStore, type UndoEntry, type UndoLabel } from './undo';

/** How to put one performed action back. */
type Inverse = () => Promise<void>;

/**
 * Records `perform` (which acts and returns its inverse, or null when it changed nothing) as one step; resolves with
 * that step, or null when nothing changed.
 */
function undoable(label: UndoLabel, perform: () => Promise<Inverse | null>): Promise<UndoEntry | null> {
  return undoStore.run(async () => {
    let inverse = await perform();
    if (!inverse) return null;
    const entry: UndoEntry = {
      label,
      undo: () => inverse!(),
      redo: async () => {
        inverse = (await perform()) ?? (async () => {});
      },
    };
    return entry;
  });
}

async function statesOf(ids: readonly string[]): Promise<{
  byId: Map<string, AssetUndoState>;
  stacks: { stackId: string; members: string[] }[];
  folders: Map<string, FolderUndoState>;
}> {
  const r = await call('assets.undoState', { ids: [...ids] });
  return { byId: new Map(r.assets.map((a) => [a.id, a])), stacks: r.stacks, folders: new Map(r.folders.map((f) => [f.id, f])) };
}

/** `ids` grouped by `key` (insertion order kept). */
function groupBy<T>(ids: readonly string[], key: (id: string) => T): Map<string, { value: T; ids: string[] }> {
  const groups = new Map<string, { value: T; ids: string[] }>();
  for (const id of ids) {
    const value = key(id);
    const k = JSON.stringify(value);
    const g = groups.get(k);
    if (g) g.ids.push(id);
    else groups.set(k, { value, ids: [id] });
  }
  return groups;
}

/** The label of an `assets.update` patch on `count` images. */
export function patchLabel(patch: AssetPatch, count: number): UndoLabel {
  const keys = Object.keys(patch).filter((k) => patch[k as keyof AssetPatch] !== undefined);
  if (keys.length === 1 && patch.rating !== undefined) {
    return patch.rating > 0 ? { key: 'undo.op.rate', values: { count, rating: patch.rating } } : { key: 'undo.op.unrate', values: { count } };
  }
  if (keys.length === 1 && patch.flag !== undefined) {
    return { key: patch.flag === 1 ? 'undo.op.pick' : patch.flag === -1 ? 'undo.op.reject' : 'undo.op.unflag', values: { count } };
  }
  if (keys.length === 1 && patch.title !== undefined) return { key: 'undo.op.title', values: { count } };
  if (keys.length === 1 && patch.note !== undefined) return { key: 'undo.op.note', values: { count } };
  return { key: 'undo.op.edit', values: { count } };
}

/** Sets rating / flag / title / note on `ids`; undo puts each image's previous values back. Resolves with the step. */
export function updateAssets(ids: readonly string[], patch: AssetPatch): Promise<UndoEntry | null> {
  const fields = (Object.keys(patch) as (keyof AssetPatch)[]).filter((k) => patch[k] !== undefined);
  return undoable(patchLabel(patch, ids.length), async () => {
    const before = (await statesOf(ids)).byId;
    await call('assets.update', { ids: [...ids], patch });
    return async () => {
      const groups = groupBy(ids, (id) => {
        const a = before.get(id)!;
        const prev: AssetPatch = {};
        for (const f of fields) (prev as Record<string, unknown>)[f] = a[f];
        return prev;
      });
      for (const g of groups.values()) await call('assets.update', { ids: g.ids, patch: g.value });
    };
  });
}

/** The label of a tag change on `count` images. */
export function tagLabel(add: readonly string[], remove: readonly string[], count: number): UndoLabel {
  if (remove.length === 0) return { key: 'undo.op.tag', values: { count, tags: add.join(', ') } };
  if (add.length === 0) return { key: 'undo.op.untag', values: { count, tags: remove.join(', ') } };
  return { key: 'undo.op.retag', values: { count } };
}

/** Adds and removes tags on `ids`; undo gives each image back exactly the tags it had. Resolves with the step, or null when no tag changed. */
export function tagAssets(ids: readonly string[], add: readonly string[], remove: readonly string[]): Promise<UndoEntry | null> {
  return undoable(tagLabel(add, remove, ids.length), async () => {
    const before = (await statesOf(ids)).byId;
    await call('assets.tag', { ids: [...ids], add: [...add], remove: [...remove] });
    const after = (await statesOf(ids)).byId;
    // A tag keeps its display name while any image carries it, so names compare as tags here.
    const diff = (from: Map<string, AssetUndoState>, to: Map<string, AssetUndoState>) =>
      groupBy(ids, (id) => {
        const was = new Set(to.get(id)!.tags);
        const now = new Set(from.get(id)!.tags);
        return { add: [...was].filter((t) => !now.has(t)), remove: [...now].filter((t) => !was.has(t)) };
      });
    const back = [...diff(after, before).values()].filter((g) => g.value.add.length > 0 || g.value.remove.length > 0);
    if (back.length === 0) return null;
    return async () => {
      for (const g of back) await call('assets.tag', { ids: g.ids, add: g.value.add, remove: g.value.remove });
    };
  });
}

/** Moves `ids` to `folderId`; undo moves each image back to its folder. Resolves with the step, or null when none moved. */
export function moveAssets(ids: readonly string[], folderId: string): Promise<UndoEntry | null> {
  return undoable({ key: 'undo.op.move', values: { count: ids.length } }, async () => {
    const before = (await statesOf(ids)).byId;
    await call('assets.move', { ids: [...ids], folderId });
    const moved = ids.filter((id) => before.get(id)!.folderId !== folderId);
    if (moved.length === 0) return null;
    return async () => {
      for (const g of groupBy(moved, (id) => before.get(id)!.folderId).values()) {
        await call('assets.move', { ids: g.ids, folderId: g.value });
      }
    };
  });
}

/**
 * Copies `ids` to `folderId`; undo moves the copies to the trash (restorable, never deleted), redo restores them.
 * @returns the copies' ids
 */
export async function copyAssets(ids: readonly string[], folderId: string): Promise<string[]> {
  let copies: string[] = [];
  await undoStore.run(async () => {
    copies = (await call('assets.copy', { ids: [...ids], folderId })).assetIds;
    const made = copies;
    if (made.length === 0) return null;
    return {
      label: { key: 'undo.op.copy', values: { count: ids.length } },
      undo: async () => void (await call('assets.trash', { ids: made })),
      redo: async () => void (await call('assets.restore', { ids: made })),
    };
  });
  return copies;
}

/** Moves `ids` to the trash; undo restores the ones this moved there. Resolves with the step, or null when none of them was live. */
export function trashAssets(ids: readonly string[]): Promise<UndoEntry | null> {
  return undoable({ key: 'undo.op.trash', values: { count: ids.length } }, async () => {
    const before = (await statesOf(ids)).byId;
    await call('assets.trash', { ids: [...ids] });
    const live = ids.filter((id) => before.get(id)!.deletedAt === null);
    if (live.length === 0) return null;
    return async () => void (await call('assets.restore', { ids: live }));
  });
}

/**
 * Takes `ids` out of the trash; undo puts the ones this restored back in it, and deletes again the folders the
 * restore brought back (their path had been deleted with them), first putting each back in its place among its
 * siblings (a folder brought back goes to the end). Resolves with the step, or null when none of them was in the trash.
 */
export function restoreAssets(ids: readonly string[]): Promise<UndoEntry | null> {
  return undoable({ key: 'undo.op.restore', values: { count: ids.length } }, async () => {
    const { byId: before, folders } = await statesOf(ids);
    const foldersBefore = new Set((await call('folders.list', {})).map((f) => f.id));
    await call('assets.restore', { ids: [...ids] });
    const trashed = ids.filter((id) => before.get(id)!.deletedAt !== null);
    if (trashed.length === 0) return null;
    const back = (await call('folders.list', {})).filter((f) => !foldersBefore.has(f.id));
    const backIds = new Set(back.map((f) => f.id));
    const tops = back.filter((f) => f.parentId === null || !backIds.has(f.parentId));
    return async () => {
      await call('assets.trash', { ids: trashed });
      for (const f of back) {
        const was = folders.get(f.id);
        if (was && was.parentId === f.parentId && was.position !== f.position) {
          await call('folders.move', { id: f.id, parentId: f.parentId, position: was.position });
        }
      }
      for (const f of tops) await call('folders.delete', { id: f.id });
    };
  });
}

/** Stacks `ids` under `coverId`; undo puts every image touched back in the stack it was in (or none). Resolves with the step. */
export function stackAssets(ids: readonly string[], coverId: string): Promise<UndoEntry | null> {
  return undoable({ key: 'undo.op.stack', values: { count: new Set(ids).size } }, async () => {
    const { byId, stacks } = await statesOf(ids);
    await call('stacks.create', { assetIds: [...ids], coverId });
    const was = new Map<string, string | null>();
    for (const s of stacks) for (const m of s.members) was.set(m, s.stackId);
    for (const [id, a] of byId) was.set(id, a.stackId);
    return () => restoreStacks([...was].map(([id, stackId]) => ({ id, stackId })));
  });
}

/** Takes every image out of stack `stackId`; undo stacks them again as they were. Resolves with the step. */
export async function unstack(stackId: string): Promise<UndoEntry | null> {
  const count = (await call('stacks.members', { stackId })).length;
  return undoable({ key: 'undo.op.unstack', values: { count } }, async () => {
    const members = await call('stacks.members', { stackId });
    await call('stacks.dissolve', { stackId });
    return () => restoreStacks(members.map((id) => ({ id, stackId })));
  });
}

async function restoreStacks(members: { id: string; stackId: string | null }[]): Promise<void> {
  for (let i = 0; i < members.length; i += MAX_STACK_RESTORE) {
    await call('stacks.restore', { members: members.slice(i, i + MAX_STACK_RESTORE) });
  }
}

/**
 * Creates a folder (a project when `parentId` is null); undo deletes it (softly: images that arrived in it since go
 * to the trash), redo brings it back with the same id.
 */
export async function createFolder(name: string, parentId: string | null): Promise<FolderNode> {
  let node: FolderNode | null = null;
  await undoStore.run(async () => {
    const made = await call('folders.create', { name, parentId });
    node = made;
    let deleted: { folderIds: string[]; trashedAssetIds: string[] } | null = null;
    return {
      label: { key: parentId === null ? 'undo.op.createProject' : 'undo.op.createFolder', values: { name: made.name } },
      undo: async () => {
        deleted = await call('folders.delete', { id: made.id });
      },
      redo: async () => {
        if (!deleted) return;
        await call('folders.undelete', { folderIds: deleted.folderIds, assetIds: deleted.trashedAssetIds });
      },
    };
  });
  return node!;
}

/** Renames folder `prev`; undo gives it its old name back. */
export async function renameFolder(prev: Pick<FolderNode, 'id' | 'name'>, name: string): Promise<FolderNode> {
  let node: FolderNode | null = null;
  await undoable({ key: 'undo.op.renameFolder', values: { from: prev.name, name } }, async () => {
    node = await call('folders.rename', { id: prev.id, name });
    if (node.name === prev.name) return null;
    return async () => void (await call('folders.rename', { id: prev.id, name: prev.name }));
  });
  return node!;
}

/** Moves folder `prev` under `parentId` (null: makes it a project); undo puts it back under its parent, in its place. */
export async function moveFolder(prev: Pick<FolderNode, 'id' | 'name' | 'parentId' | 'position'>, parentId: string | null): Promise<FolderNode> {
  let node: FolderNode | null = null;
  await undoable({ key: 'undo.op.moveFolder', values: { name: prev.name } }, async () => {
    node = await call('folders.move', { id: prev.id, parentId });
    if (prev.parentId === parentId) return null;
    return async () => void (await call('folders.move', { id: prev.id, parentId: prev.parentId, position: prev.position }));
  });
  return node!;
}

/** Deletes folder `prev` (its images go to the trash); undo brings the folders back and restores those images. */
export async function deleteFolder(prev: Pick<FolderNode, 'id' | 'name'>): Promise<{ deletedFolders: number; trashedAssets: number }> {
  let result = { deletedFolders: 0, trashedAssets: 0 };
  await undoable({ key: 'undo.op.deleteFolder', values: { name: prev.name } }, async () => {
    const r = await call('folders.delete', { id: prev.id });
    result = { deletedFolders: r.deletedFolders, trashedAssets: r.trashedAssets };
    return async () => void (await call('folders.undelete', { folderIds: r.folderIds, assetIds: r.trashedAssetIds }));
  });
  return result;
}
