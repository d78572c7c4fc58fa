/**
 * 0019: a stack's members are re-indexed when the image they point at goes to or comes back from the trash, or is
 * deleted, whatever that image's own `stack_id` is.
 *
 * A member's "hidden under a live cover" token (search-text.ts `metaToken.hidden`, repositories/search.ts
 * `STACK_HIDDEN`) depends on the row its `stack_id` names being live, not on that row's own `stack_id`. 0017's
 * `assets_search_stack_cover` fired only while the cover still carried its own id as stack id, so after the cover
 * was put into another stack (stacks.ts `createStack` leaves the old members pointing at it) or taken out of its
 * own, trashing or restoring it left its members' tokens stale: a collapsed listing kept hiding them under a cover
 * in the trash, or showed them under a live one (found by search-plans-property.test.ts, seed 520514731).
 *
 * The members are found through `assets_by_stack` (0004). Deleting a live image its members point at shows them
 * again, so a delete queues them too. In a library already indexed by 17, the stack members whose token (`sh1`
 * among the space-separated `meta` tokens) disagrees with their stack as it is now are queued, and only those (a
 * library coming from 16 is indexed whole by the search service anyway).
 */
export const up = /* sql */ `
DROP TRIGGER assets_search_stack_cover;
CREATE TRIGGER assets_search_stack_cover AFTER UPDATE OF deleted_at ON assets
  WHEN (old.deleted_at IS NULL) <> (new.deleted_at IS NULL) BEGIN
  INSERT OR IGNORE INTO search_dirty (asset_id) SELECT id FROM assets WHERE stack_id = new.id AND id <> new.id;
END;
CREATE TRIGGER assets_search_stack_cover_delete AFTER DELETE ON assets WHEN old.deleted_at IS NULL BEGIN
  INSERT OR IGNORE INTO search_dirty (asset_id) SELECT id FROM assets WHERE stack_id = old.id;
END;
INSERT OR IGNORE INTO search_dirty (asset_id)
  SELECT a.id FROM assets a INDEXED BY assets_by_stack JOIN search_fts f ON f.rowid = a.doc_id
   WHERE a.stack_id IS NOT NULL
     AND (a.stack_id <> a.id AND EXISTS (SELECT 1 FROM assets c WHERE c.id = a.stack_id AND c.deleted_at IS NULL))
         <> (instr(' ' || f.meta || ' ', ' sh1 ') > 0);
`;
