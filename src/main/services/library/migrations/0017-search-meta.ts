/**
 * 0017: filters inside the full-text index (issue 12, search at a million images).
 *
 * `search_fts` gains a second column, `meta`: tokens for what an image is filtered on by equality — live or in the
 * trash, its folder, rating, flag, kind, provider, model, whether its job had references, each tag, and whether a
 * collapsed listing hides it (a stack member under a live cover). They are written by the search service
 * (search-text.ts `metaDocument`). A text query with filters, or a tag or rating filter alone, is then one FTS5
 * expression (`body : (…) AND meta : …`): FTS5 intersects compressed, sorted row-id lists, where joining every
 * text match to the images' index cost a B-tree probe each (at 1,000,000 images, 65,000 matches of "portrait"
 * read in 3 ms by the index alone, 60–110 ms probed one by one). User text is matched in `body` only.
 *
 * The old table is dropped and made again (an FTS5 table cannot gain a column); `search_docs` is emptied, and the
 * search service rebuilds the whole index the first time it opens this library (search.ts `SearchService`
 * constructor, one pass in creation order).
 *
 * Triggers queue an image for re-indexing when a column its `meta` carries changes, and a stack's members when
 * their cover goes to or comes back from the trash; a tag moved to another image (UPDATE of asset_tags) queues
 * both.
 *
 * `assets_live_by_cost_usd`: live images by their USD cost (null last by the filter), so a cost range is counted
 * from the range alone (a range matching nothing: at 1M images 60 ms scanning the filter index, now 0).
 */
export const up = /* sql */ `
DROP TABLE search_fts;
CREATE VIRTUAL TABLE search_fts USING fts5(body, meta, tokenize = 'unicode61 remove_diacritics 2', prefix = '1 2 3');
DELETE FROM search_docs;
DELETE FROM search_dirty;

CREATE TRIGGER assets_search_meta AFTER UPDATE OF folder_id, rating, flag, kind, provider, model, has_refs, deleted_at, stack_id ON assets BEGIN
  INSERT OR IGNORE INTO search_dirty (asset_id) VALUES (new.id);
END;
CREATE TRIGGER assets_search_stack_cover AFTER UPDATE OF deleted_at ON assets
  WHEN new.stack_id = new.id AND (old.deleted_at IS NULL) <> (new.deleted_at IS NULL) BEGIN
  INSERT OR IGNORE INTO search_dirty (asset_id) SELECT id FROM assets WHERE stack_id = new.id AND id <> new.id;
END;
CREATE TRIGGER asset_tags_search_update AFTER UPDATE ON asset_tags BEGIN
  INSERT OR IGNORE INTO search_dirty (asset_id) VALUES (old.asset_id);
  INSERT OR IGNORE INTO search_dirty (asset_id) VALUES (new.asset_id);
END;

CREATE INDEX assets_live_by_cost_usd ON assets(cost_usd, folder_id) WHERE deleted_at IS NULL;
`;
