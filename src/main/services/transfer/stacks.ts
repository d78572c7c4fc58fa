/**
 * Stacks: near-duplicates grouped under one cover. An asset's `stack_id` is the id of its stack's cover (the
 * cover's own `stack_id` is its id); null means the asset is in no stack.
 */
import { AppError } from '@shared/errors';
import type { Db } from '../library/db';
import { AssetsRepository } from '../repositories/assets';

/**
 * Stacks `assetIds` under `coverId`, taking them out of any stack they were in (a stack left with one member
 * is dissolved).
 * @returns the stack id (= coverId)
 * @throws AppError `validation` (`field: 'coverId'`) when the cover is not among the assets; `not_found` for an
 *   unknown asset
 */
export function createStack(db: Db, assetIds: string[], coverId: string): string {
  const ids = [...new Set(assetIds)];
  if (!ids.includes(coverId)) {
    throw new AppError('validation', 'the cover must be one of the stacked images', { params: { field: 'coverId', reason: 'not_a_member' } });
  }
  const assets = AssetsRepository.of(db);
  db.transaction(() => {
    const old = new Set<string>();
    for (const id of ids) {
      const stackId = assets.stackOf(id);
      if (stackId === undefined) throw new AppError('not_found', `no asset with id ${id}`, { params: { id } });
      if (stackId) old.add(stackId);
    }
    for (const id of ids) assets.setStack(id, coverId);
    for (const s of old) dissolveIfSingle(assets, s);
  })();
  return coverId;
}

/** Takes every member out of a stack. @throws AppError `not_found` when no asset is in that stack */
export function dissolveStack(db: Db, stackId: string): void {
  if (AssetsRepository.of(db).dissolveStack(stackId) === 0) throw new AppError('not_found', `no stack with id ${stackId}`, { params: { id: stackId } });
}

/**
 * Sets each image's stack as given (undo of stacking and unstacking puts back what was there), in one transaction.
 * @returns how many images were given
 * @throws AppError `not_found` for an unknown image (nothing changes)
 */
export function restoreStacks(db: Db, members: readonly { id: string; stackId: string | null }[]): number {
  const assets = AssetsRepository.of(db);
  db.transaction(() => {
    for (const m of members) {
      if (!assets.setStack(m.id, m.stackId)) throw new AppError('not_found', `no asset with id ${m.id}`, { params: { id: m.id } });
    }
  })();
  return members.length;
}

/** Ids of a stack's members, cover first, then oldest first. @throws AppError `not_found` */
export function stackMembers(db: Db, stackId: string): string[] {
  const ids = AssetsRepository.of(db).stackMembers(stackId);
  if (ids.length === 0) throw new AppError('not_found', `no stack with id ${stackId}`, { params: { id: stackId } });
  return ids;
}

function dissolveIfSingle(assets: AssetsRepository, stackId: string): void {
  if (assets.stackSize(stackId) === 1) assets.dissolveStack(stackId);
}
