/**
 * 0007: search speed at 100k+ images (issue 6).
 *
 * `assets_live_by_id`: live assets by id, covering every filter column (the columns of `assets_live_filter`,
 * migration 0003). A text, tag or collection condition is an `a.id IN (…)` set; probing it through this index
 * checks the scope and the filters without reading the table row, which at 100k images was most of the cost of a
 * text query's total (a one-letter prefix matching half the library: 100 ms → under 30).
 */
export const up = /* sql */ `
CREATE INDEX assets_live_by_id ON assets(id, folder_id, flag, rating, kind, provider, model, has_refs, cost_usd, created_at)
  WHERE deleted_at IS NULL;
`;
