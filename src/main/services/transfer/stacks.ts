/**
 * Stacks: near-duplicates grouped under one cover. An asset's `stack_id` is the id of its stack's cover (the
 * cover's own `stack_id` is its id); null means the asset is in no stack.
 */
import { AppError } from '@shared/errors';
import type { Db } from '../library/db';

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
  db.transaction(() => {
    const old = new Set<string>();
    for (const id of ids) {
      const row = db.prepare('SELECT stack_id FROM assets WHERE id = ?').get(id) as { stack_id: string | null } | undefined;
      if (!row) throw new AppError('not_found', `no asset with id ${id}`, { params: { id } });
      if (row.stack_id) old.add(row.stack_id);
    }
    const set = db.prepare('UPDATE assets SET stack_id = ? WHERE id = ?');
    for (const id of ids) set.run(coverId, id);
    for (const s of old) dissolveIfSingle(db, s);
  })();
  return coverId;
}

/** Takes every member out of a stack. @throws AppError `not_found` when no asset is in that stack */
export function dissolveStack(db: Db, stackId: string): void {
  const r = db.prepare('UPDATE assets SET stack_id = NULL WHERE stack_id = ?').run(stackId);
  if (r.changes === 0) throw new AppError('not_found', `no stack with id ${stackId}`, { params: { id: stackId } });
}

/** Ids of a stack's members, cover first, then oldest first. @throws AppError `not_found` */
export function stackMembers(db: Db, stackId: string): string[] {
  const rows = db
    .prepare('SELECT id FROM assets WHERE stack_id = ? ORDER BY id = stack_id DESC, created_at, id')
    .all(stackId) as { id: string }[];
  if (rows.length === 0) throw new AppError('not_found', `no stack with id ${stackId}`, { params: { id: stackId } });
  return rows.map((r) => r.id);
}

function dissolveIfSingle(db: Db, stackId: string): void {
  const n = (db.prepare('SELECT COUNT(*) AS n FROM assets WHERE stack_id = ?').get(stackId) as { n: number }).n;
  if (n === 1) db.prepare('UPDATE assets SET stack_id = NULL WHERE stack_id = ?').run(stackId);
}
