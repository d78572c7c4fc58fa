/**
 * 0009: text search joins its matches back to images by integer (issue 6).
 *
 * `assets.doc_id`: the image's row in the full-text index (`search_fts` rowid = `search_docs.doc_id`), kept by the
 * search service as it indexes (search.ts `indexOne`); null until the image is first indexed. A text condition over
 * live images is then `a.doc_id IN (SELECT rowid FROM search_fts WHERE search_fts MATCH ?)`: the matches come out
 * of FTS5 in rowid order and each is probed in `assets_live_by_doc`, which covers the scope and every filter
 * column, in the same order and by integer comparison, instead of going through `search_docs` to a text id and
 * probing the id index at random (at 100k images, a one-letter prefix over a project: 29 ms → 14–18).
 *
 * Existing rows are backfilled from `search_docs`.
 */
export const up = /* sql */ `
ALTER TABLE assets ADD COLUMN doc_id INTEGER;
UPDATE assets SET doc_id = (SELECT d.doc_id FROM search_docs d WHERE d.asset_id = assets.id);
CREATE INDEX assets_live_by_doc ON assets(doc_id, folder_id, flag, rating, kind, provider, model, has_refs, cost_usd, created_at)
  WHERE deleted_at IS NULL;
`;
