/**
 * The full-text search index: `search_fts` (FTS5; the text in `body`, the filter tokens in `meta`, migration 0017),
 * `search_docs` (each asset's row in it) and `search_dirty` (the queue the triggers of migrations 0003, 0009, 0014,
 * 0017 and 0019 fill). library/search.ts decides what is indexed, how a query becomes conditions and which plan reads a
 * page, and runs the transactions; this module holds and runs its SQL. Reads join `assets`, `blobs`, `jobs`, `tags`,
 * `asset_tags`, `folders`, `collections`, `collection_items`, `foreign_recipes`, `batch_rows` and
 * `blob_credentials`. The asset's own copy of its row id (`assets.doc_id`) is written through AssetsRepository and
 * `search.docOrder` through SettingsRepository. Times are epoch ms.
 *
 * The page, count and id queries are assembled from the conditions library/search.ts builds (`BuiltWhere`,
 * `FtsPlan`): each method takes those parts and returns rows, the SQL text put together exactly as the plan needs it.
 */
import type { AssetListItem } from '@shared/organise';
import type { Db } from '../library/db';
import { SUBTREE } from './folders';
import { Statements } from './statements';

/** The tables this repository owns: only it writes them. */
export const OWNS = ['search_docs', 'search_fts', 'search_dirty'] as const;

/** A row of a page (the columns of {@link COLUMNS}). */
export interface SearchRow {
  id: string;
  folder_id: string;
  kind: AssetListItem['kind'];
  created_at: number;
  blob_id: string;
  mime: AssetListItem['blob']['mime'];
  width: number;
  height: number;
  bytes: number;
  provider: string | null;
  model: string | null;
  prompt: string | null;
  title: string | null;
  rating: number;
  flag: -1 | 0 | 1;
  deleted_at: number | null;
  sort_name: string;
  cost_key: number;
  stack_id: string | null;
  original_name: string | null;
}

/** What an asset's search document is made of (its text sources and its filter values). */
export interface DocumentSourceRow {
  title: string | null;
  note: string | null;
  doc_id: number | null;
  prompt: string | null;
  original_name: string | null;
  f_prompt: string | null;
  f_negative: string | null;
  f_model: string | null;
  folder_id: string;
  rating: number;
  flag: number;
  kind: string;
  provider: string | null;
  model: string | null;
  has_refs: number;
  live: number;
  hidden: number;
}

/** An image's place in creation order: [created_at ms, id]. */
export type DocKey = readonly [number, string];

/**
 * Creation order (created_at, then id, compared as SQLite compares TEXT: by code unit, which is byte order for the
 * ASCII ids assets have): negative when `a` comes first, 0 for the same key, positive after.
 */
export function compareDocKeys(a: readonly [number, string, ...unknown[]], b: readonly [number, string, ...unknown[]]): number {
  return a[0] - b[0] || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0);
}

/**
 * Up to `?3` trashed images with an index row after the key (`?1` created_at ms, `?2` id) in creation order, read from
 * `assets_trash_by_created` (migration 0020) rather than by sorting the whole trash. Exported for its plan's test.
 */
export const TRASH_IN_CREATION_ORDER = `SELECT created_at, id, doc_id FROM assets INDEXED BY assets_trash_by_created
  WHERE deleted_at IS NOT NULL AND (created_at, id) > (?, ?) AND doc_id IS NOT NULL ORDER BY created_at, id LIMIT ?`;

/** The full-text index joined to live images by their row in it (the index the outer loop). */
export const FTS_FROM = 'search_fts CROSS JOIN assets a INDEXED BY assets_live_by_doc ON a.doc_id = search_fts.rowid';

/**
 * Over `assets a`: a stack member other than the cover whose cover is live, i.e. what a collapsed listing hides
 * (a member of a stack whose cover went to the trash stays visible).
 */
export const STACK_HIDDEN = `(a.stack_id IS NOT NULL AND a.stack_id <> a.id
  AND EXISTS (SELECT 1 FROM assets c WHERE c.id = a.stack_id AND c.deleted_at IS NULL))`;

const COLUMNS = `a.id, a.folder_id, a.kind, a.created_at, b.id AS blob_id, b.mime, b.width, b.height, b.bytes,
  a.provider, a.model, j.prompt, a.title, a.rating, a.flag, a.deleted_at, a.sort_name,
  ifnull(a.cost_usd, -1) AS cost_key, a.stack_id, a.original_name`;

/** Reads and writes the search index and runs the queries over it. Synchronous (better-sqlite3); no method opens a transaction. */
export class SearchRepository {
  private readonly st: Statements;
  /** Statements of the queries built per plan (one per distinct SQL text), bounded: at most 500 kept. */
  private readonly plans: Statements;

  /** @param db the library database (migrated) */
  constructor(private readonly db: Db) {
    this.st = new Statements(db);
    this.plans = new Statements(db, 500);
  }

  // ── the planner ─────────────────────────────────────────────────────────────────────────────────────────────

  /**
   * SQLite's recommended `PRAGMA optimize` (statistics where missing or stale), bounded by `analysis_limit` so it
   * costs milliseconds, not seconds, at 250k images.
   */
  optimizePlanner(): void {
    this.db.pragma('analysis_limit = 1000');
    this.db.pragma('optimize = 0x10002');
  }

  /** Gathers every statistic again (`ANALYZE`; after a rebuild). */
  analyze(): void {
    this.db.exec('ANALYZE');
  }

  // ── the queue ───────────────────────────────────────────────────────────────────────────────────────────────

  /** True when an asset waits to be indexed. */
  anyDirty(): boolean {
    return !!this.st.get('SELECT 1 FROM search_dirty LIMIT 1').get();
  }

  /**
   * Up to `n` queued asset ids, in creation order (created_at, id; ids whose image is gone first), so the new images
   * of one batch get their index rows in the order of their dates ({@link SearchRepository.slotFor}).
   */
  dirtyBatch(n: number): string[] {
    return this.st
      .get('SELECT d.asset_id FROM search_dirty d LEFT JOIN assets a ON a.id = d.asset_id ORDER BY a.created_at, a.id LIMIT ?')
      .pluck()
      .all(n) as string[];
  }

  /** Takes asset `id` off the queue. */
  markClean(id: string): void {
    this.st.get('DELETE FROM search_dirty WHERE asset_id = ?').run(id);
  }

  /** Queues every imported image (one with an original file name), once each. */
  queueImported(): void {
    this.st.get('INSERT OR IGNORE INTO search_dirty (asset_id) SELECT id FROM assets WHERE original_name IS NOT NULL').run();
  }

  // ── documents ───────────────────────────────────────────────────────────────────────────────────────────────

  /**
   * What asset `id`'s document is made of: the prompt, title, note, the imported file's name (migration 0004) and
   * another tool's recipe (0014) for `body`; the columns filtered on by equality for `meta` (0017). Undefined for no
   * such asset.
   */
  documentSource(id: string): DocumentSourceRow | undefined {
    return this.st
      .get(
        `SELECT a.title, a.note, a.doc_id, j.prompt, a.original_name, fr.prompt AS f_prompt, fr.negative_prompt AS f_negative,
            fr.model AS f_model, a.folder_id, a.rating, a.flag, a.kind, a.provider, a.model, a.has_refs, a.deleted_at IS NULL AS live,
            (a.stack_id IS NOT NULL AND a.stack_id <> a.id AND EXISTS (SELECT 1 FROM assets c WHERE c.id = a.stack_id AND c.deleted_at IS NULL)) AS hidden
           FROM assets a LEFT JOIN jobs j ON j.id = a.job_id LEFT JOIN foreign_recipes fr ON fr.asset_id = a.id WHERE a.id = ?`,
      )
      .get(id) as DocumentSourceRow | undefined;
  }

  /** The tags of asset `id` (id and display name). */
  tagsOf(id: string): { id: number; name: string }[] {
    return this.st.get('SELECT t.id, t.name FROM asset_tags at JOIN tags t ON t.id = at.tag_id WHERE at.asset_id = ?').all(id) as { id: number; name: string }[];
  }

  /** Whether the library has the batch rows table (migration 0016). */
  hasBatchRowsTable(): boolean {
    return !!this.st.get("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'batch_rows'").get();
  }

  /** The variables (JSON text, name → value) of the batch row that made asset `id`, or undefined outside a batch. */
  batchVarsOf(id: string): string | undefined {
    const row = this.st.get('SELECT r.vars FROM assets a JOIN batch_rows r ON r.job_id = a.job_id WHERE a.id = ?').get(id) as { vars: string } | undefined;
    return row?.vars;
  }

  /** The index row of asset `id`, if it has one. */
  docOfAsset(id: string): number | undefined {
    return (this.st.get('SELECT doc_id FROM search_docs WHERE asset_id = ?').get(id) as { doc_id: number } | undefined)?.doc_id;
  }

  /** Removes index row `docId` (its text and its asset link). */
  deleteDocument(docId: number): void {
    this.st.get('DELETE FROM search_fts WHERE rowid = ?').run(docId);
    this.st.get('DELETE FROM search_docs WHERE doc_id = ?').run(docId);
  }

  /** Replaces the text (`body`) and filter tokens (`meta`) of index row `docId`. */
  updateDocument(docId: number, body: string, meta: string): void {
    this.st.get('UPDATE search_fts SET body = ?, meta = ? WHERE rowid = ?').run(body, meta, docId);
  }

  /** Gives asset `assetId` a new index row (the next row id) and returns it. */
  insertDoc(assetId: string, docId: number): number {
    this.st.get('INSERT INTO search_docs (doc_id, asset_id) VALUES (?, ?)').run(docId, assetId);
    return docId;
  }

  /** The row after the index's last, `gap` further on (`gap` for an empty index). */
  nextDocId(gap: number): number {
    return this.maxDocId() + gap;
  }

  /** The index's highest row id (0 for an empty index). */
  maxDocId(): number {
    return (this.st.get('SELECT max(doc_id) FROM search_docs').pluck().get() as number | null) ?? 0;
  }

  /**
   * Up to `n` images that have an index row, live or in the trash, after the key `after` ([created_at ms, id];
   * null: from the first) in creation order: `[created_at, id, doc_id]` each. The live ones come from the date
   * index, the trashed ones from the trash's own ({@link TRASH_IN_CREATION_ORDER}).
   */
  docsInCreationOrder(after: DocKey | null, n: number): [number, string, number][] {
    const [c, id] = after ?? [Number.MIN_SAFE_INTEGER, ''];
    const live = this.st
      .get(
        `SELECT created_at, id, doc_id FROM assets INDEXED BY assets_live_by_created
          WHERE deleted_at IS NULL AND (created_at, id) > (?, ?) AND doc_id IS NOT NULL ORDER BY created_at, id LIMIT ?`,
      )
      .raw()
      .all(c, id, n) as [number, string, number][];
    const trashed = this.st
      .get(TRASH_IN_CREATION_ORDER)
      .raw()
      .all(c, id, n) as [number, string, number][];
    if (trashed.length === 0) return live;
    return [...live, ...trashed].sort(compareDocKeys).slice(0, n);
  }

  /** Moves index row `from` (its text, filter tokens and asset link) to the free row id `to`. */
  /**
   * One step of FTS5's incremental merge of the index's b-trees, after a pass moved every row (each move leaves a
   * delete marker in a new segment until a merge drops it): `INSERT INTO search_fts(search_fts, rank) VALUES('merge',
   * -pages)` — negative, so every segment takes part, as 'optimize' would, but about `pages` leaf pages at a time
   * (https://www.sqlite.org/fts5.html#the_merge_command).
   * @returns true where the step did work (the change count moved by 2 or more, as the same page says); false once
   *   nothing is left to merge
   */
  mergeStep(pages: number): boolean {
    const changes = this.st.get('SELECT total_changes()').pluck();
    const before = changes.get() as number;
    this.st.get("INSERT INTO search_fts(search_fts, rank) VALUES('merge', ?)").run(-Math.max(1, Math.floor(pages)));
    return (changes.get() as number) - before >= 2;
  }

  moveDocument(from: number, to: number): void {
    const row = this.st.get('SELECT body, meta FROM search_fts WHERE rowid = ?').raw().get(from) as [string, string] | undefined;
    if (!row) return;
    this.st.get('DELETE FROM search_fts WHERE rowid = ?').run(from);
    this.st.get('INSERT INTO search_fts (rowid, body, meta) VALUES (?, ?, ?)').run(to, row[0], row[1]);
    this.st.get('UPDATE search_docs SET doc_id = ? WHERE doc_id = ?').run(to, from);
  }

  /**
   * The index row a new document of the asset keyed `key` ([created_at ms, id]) should take so that the rows keep
   * following creation order: after the newest row, `gap` further on; otherwise halfway between the rows of its
   * neighbours in creation order, found through the live date index (its predecessor) and then row by row over at
   * most `walk` trashed rows after it. Null when there is no room between the two (or the walk ran out): the caller
   * gives up the order.
   */
  slotFor(key: DocKey, gap: number, walk = 64): number | null {
    const newer = (k: DocKey): boolean => compareDocKeys(k, key) > 0;
    const last = this.st
      .get('SELECT d.doc_id, a.created_at, a.id FROM search_docs d JOIN assets a ON a.id = d.asset_id ORDER BY d.doc_id DESC LIMIT 1')
      .raw()
      .get() as [number, number, string] | undefined;
    if (!last) return gap;
    if (!newer([last[1], last[2]])) return last[0] + gap;
    let before =
      (this.st
        .get(
          `SELECT doc_id FROM assets INDEXED BY assets_live_by_created
            WHERE deleted_at IS NULL AND (created_at, id) < (?, ?) AND doc_id IS NOT NULL ORDER BY created_at DESC, id DESC LIMIT 1`,
        )
        .pluck()
        .get(key[0], key[1]) as number | undefined) ?? 0;
    const next = this.st.get('SELECT d.doc_id, a.created_at, a.id FROM search_docs d JOIN assets a ON a.id = d.asset_id WHERE d.doc_id > ? ORDER BY d.doc_id LIMIT 1').raw();
    for (let steps = 0; ; steps++) {
      const after = next.get(before) as [number, number, string] | undefined;
      if (!after) return before + gap;
      if (newer([after[1], after[2]])) return after[0] - before >= 2 ? before + Math.floor((after[0] - before) / 2) : null;
      if (steps >= walk) return null;
      before = after[0];
    }
  }

  /** Writes the text and filter tokens of index row `docId` (made by {@link SearchRepository.insertDoc}). */
  insertText(docId: number, body: string, meta: string): void {
    this.st.get('INSERT INTO search_fts (rowid, body, meta) VALUES (?, ?, ?)').run(docId, body, meta);
  }

  /** The (created_at, id) of asset `id` (which exists). */
  keyOf(id: string): [number, string] {
    return this.st.get('SELECT created_at, id FROM assets WHERE id = ?').raw().get(id) as [number, string];
  }

  /** True when the index has a row. */
  hasDocuments(): boolean {
    return !!this.st.get('SELECT 1 FROM search_docs LIMIT 1').get();
  }

  /** True when the library holds an asset (in the trash or not). */
  hasAssets(): boolean {
    return !!this.st.get('SELECT 1 FROM assets LIMIT 1').get();
  }

  /** How many assets the library holds (in the trash or not). */
  assetCount(): number {
    return this.st.get('SELECT COUNT(*) FROM assets').pluck().get() as number;
  }

  /**
   * Up to `n` assets (in the trash or not) after the key `after` ([created_at ms, id]; null: from the first), in
   * creation order: `[rowid, id, created_at]` each. A rebuild in steps walks the library with it.
   */
  assetsInCreationOrderAfter(after: DocKey | null, n: number): [number, string, number][] {
    const [c, id] = after ?? [Number.MIN_SAFE_INTEGER, ''];
    // Live and trashed from their own date indexes (one index over both would cost every write of the table).
    const live = this.st
      .get(
        `SELECT created_at, id, rowid FROM assets INDEXED BY assets_live_by_created
          WHERE deleted_at IS NULL AND (created_at, id) > (?, ?) ORDER BY created_at, id LIMIT ?`,
      )
      .raw()
      .all(c, id, n) as [number, string, number][];
    const trashed = this.st
      .get(
        `SELECT created_at, id, rowid FROM assets INDEXED BY assets_trash_by_created
          WHERE deleted_at IS NOT NULL AND (created_at, id) > (?, ?) ORDER BY created_at, id LIMIT ?`,
      )
      .raw()
      .all(c, id, n) as [number, string, number][];
    const rows = trashed.length === 0 ? live : [...live, ...trashed].sort(compareDocKeys).slice(0, n);
    return rows.map(([createdAt, assetId, rowid]) => [rowid, assetId, createdAt]);
  }

  /** The highest index row id any asset still names (rows of an index since dropped included; 0 for none). */
  maxAssetDocId(): number {
    return (this.st.get('SELECT max(doc_id) FROM assets').pluck().get() as number | null) ?? 0;
  }

  /** Every asset's (rowid, id), in creation order (created_at, id). */
  assetsInCreationOrder(): [number, string][] {
    return this.st.get('SELECT rowid, id FROM assets ORDER BY created_at, id').raw().all() as [number, string][];
  }

  /** Empties the index and its queue. */
  clear(): void {
    this.db.exec('DELETE FROM search_fts; DELETE FROM search_docs; DELETE FROM search_dirty');
  }

  /** Merges the index into one segment per level (FTS5 'optimize'). */
  optimizeIndex(): void {
    this.st.get("INSERT INTO search_fts (search_fts) VALUES ('optimize')").run();
  }

  // ── what a query's conditions look up ──────────────────────────────────────────────────────────────────────

  /** True when folder `id` exists and is not in the trash. */
  liveFolderExists(id: string): boolean {
    return !!this.st.get('SELECT 1 FROM folders WHERE id = ? AND deleted_at IS NULL').get(id);
  }

  /** Collection `id`'s saved search (JSON text; null for a plain collection), or undefined for no such collection. */
  collectionQuery(id: string): { query: string | null } | undefined {
    return this.st.get('SELECT query FROM collections WHERE id = ?').get(id) as { query: string | null } | undefined;
  }

  /** Folder `folderId` and every folder under it. */
  descendants(folderId: string): string[] {
    return this.st.get(`${SUBTREE} SELECT id FROM sub`).pluck().all(folderId) as string[];
  }

  /** How many index rows match the FTS5 expression `expr`. */
  ftsCount(expr: string): number {
    return this.st.get('SELECT COUNT(*) FROM search_fts WHERE search_fts MATCH ?').pluck().get(expr) as number;
  }

  /** The id of the tag with this key, if there is one. */
  tagIdByKey(key: string): number | undefined {
    return this.st.get('SELECT id FROM tags WHERE key = ?').pluck().get(key) as number | undefined;
  }

  /** The ids of the tags whose folded key is one of `folds` (non-empty). */
  tagIdsByFold(folds: readonly string[]): number[] {
    return this.plans.get(`SELECT id FROM tags WHERE fold IN (${folds.map(() => '?').join(', ')})`).pluck().all(...folds) as number[];
  }

  /**
   * The folders of live images outside the folders `sorted` (sorted, non-empty, no repeats), one per image, read
   * from the live folder index in the ranges before, between and after them: at most 1,001 (the caller gives up
   * above 1,000).
   */
  liveFoldersOutside(sorted: readonly string[]): string[] {
    // One range at a time: an OR of ranges makes SQLite scan the whole index.
    const from = 'SELECT folder_id FROM assets INDEXED BY assets_live_by_folder_created WHERE deleted_at IS NULL AND';
    const rows: string[] = [];
    const take = (sql: string, ...p: unknown[]): void => {
      if (rows.length <= 1000) rows.push(...(this.plans.get(`${from} ${sql} LIMIT ?`).pluck().all(...p, 1001 - rows.length) as string[]));
    };
    take('folder_id < ?', sorted[0]);
    for (let i = 0; i + 1 < sorted.length; i++) take('folder_id > ? AND folder_id < ?', sorted[i], sorted[i + 1]);
    take('folder_id > ?', sorted.at(-1));
    return rows;
  }

  /**
   * The index row of the first live image created at or after `from` in creation order, whose row bounds a date
   * range's rows: undefined for none, null for one not indexed yet.
   */
  docFrom(from: number): number | null | undefined {
    return this.st
      .get('SELECT doc_id FROM assets INDEXED BY assets_live_by_created WHERE deleted_at IS NULL AND created_at >= ? ORDER BY created_at, id LIMIT 1')
      .pluck()
      .get(from) as number | null | undefined;
  }

  /** As {@link SearchRepository.docFrom}: the last live image created at or before `to`. */
  docTo(to: number): number | null | undefined {
    return this.st
      .get(
        'SELECT doc_id FROM assets INDEXED BY assets_live_by_created WHERE deleted_at IS NULL AND created_at <= ? ORDER BY created_at DESC, id DESC LIMIT 1',
      )
      .pluck()
      .get(to) as number | null | undefined;
  }

  /** Asset `id`'s own copy of its index row (`assets.doc_id`): null when not indexed, undefined for no such asset. */
  docIdOf(id: unknown): number | null | undefined {
    return this.st.get('SELECT doc_id FROM assets WHERE id = ?').pluck().get(id) as number | null | undefined;
  }

  // ── counts, pages and ids of a plan ────────────────────────────────────────────────────────────────────────

  /** Matches of condition `where` (over `assets a`) that a collapsed listing hides, through the index over stacked assets. */
  hiddenCount(where: string, params: readonly unknown[]): number {
    return (
      this.plans.get(`SELECT COUNT(*) AS n FROM assets a INDEXED BY assets_by_stack WHERE a.stack_id IS NOT NULL AND ${STACK_HIDDEN} AND ${where}`).get(
        ...params,
      ) as { n: number }
    ).n;
  }

  /** Live members (cover included) of the stacks whose covers are `covers` (non-empty), by cover id. */
  liveStackCounts(covers: readonly string[]): { id: string; n: number }[] {
    return this.plans.get(
      `SELECT stack_id AS id, COUNT(*) AS n FROM assets INDEXED BY assets_by_stack
            WHERE stack_id IN (${covers.map(() => '?').join(', ')}) AND deleted_at IS NULL GROUP BY stack_id`,
    ).all(...covers) as { id: string; n: number }[];
  }

  /** Matches of `countWhere` over `countFrom`, counted up to `limit`. */
  cappedCount(countFrom: string, countWhere: string, limit: number, params: readonly unknown[]): number {
    return (this.plans.get(`SELECT COUNT(*) AS n FROM (SELECT 1 FROM ${countFrom} WHERE ${countWhere} LIMIT ${limit})`).get(...params) as { n: number }).n;
  }

  /** Every match of `countWhere` over `countFrom`, counted. */
  count(countFrom: string, countWhere: string, params: readonly unknown[]): number {
    return (this.plans.get(`SELECT COUNT(*) AS n FROM ${countFrom} WHERE ${countWhere}`).get(...params) as { n: number }).n;
  }

  /** Ids of the matches of `where` over `from`, in `order`, at most `limit`. */
  ids(from: string, where: string, order: string, limit: number, params: readonly unknown[]): string[] {
    return this.plans.get(`SELECT a.id FROM ${from} WHERE ${where} ORDER BY ${order} LIMIT ${limit}`)
      .pluck()
      .all(...params) as string[];
  }

  /**
   * Up to `n` rows of a page found through the matches' id set: their row ids read over `narrowFrom` with
   * `where` + `extra` and sorted by `order`, then the rows, blobs and jobs of those alone. CROSS JOIN keeps the
   * order of the loops.
   */
  narrowPage(narrowFrom: string, where: string, extra: string, order: string, params: readonly unknown[], n: number): SearchRow[] {
    const sql = `SELECT ${COLUMNS} FROM (SELECT a.rowid AS r FROM ${narrowFrom} WHERE ${where}${extra} ORDER BY ${order} LIMIT ?) m
          CROSS JOIN assets a ON a.rowid = m.r CROSS JOIN blobs b ON b.id = a.blob_id LEFT JOIN jobs j ON j.id = a.job_id ORDER BY ${order}`;
    return this.plans.get(sql).all(...params, n) as SearchRow[];
  }

  /** Up to `n` rows of a page walking the sort index (`assets` the outer loop), with `where` + `extra`, in `order`. */
  walkPage(where: string, extra: string, order: string, params: readonly unknown[], n: number): SearchRow[] {
    const sql = `SELECT ${COLUMNS} FROM assets a CROSS JOIN blobs b ON b.id = a.blob_id LEFT JOIN jobs j ON j.id = a.job_id
          WHERE ${where}${extra} ORDER BY ${order} LIMIT ?`;
    return this.plans.get(sql).all(...params, n) as SearchRow[];
  }

  /** Up to `n` index rows matching `ftsWhere`, in the index's row order (descending when `desc`). */
  ftsRowIds(ftsWhere: string, desc: boolean, params: readonly unknown[], n: number): number[] {
    return this.plans.get(`SELECT rowid FROM search_fts WHERE ${ftsWhere} ORDER BY rowid ${desc ? 'DESC' : 'ASC'} LIMIT ?`)
      .pluck()
      .all(...params, n) as number[];
  }

  /** The rows of the live images of index rows `docs`, in row order (descending when `desc`). */
  rowsOfDocs(docs: readonly number[], desc: boolean): SearchRow[] {
    return this.plans.get(
      `SELECT ${COLUMNS} FROM assets a INDEXED BY assets_live_by_doc CROSS JOIN blobs b ON b.id = a.blob_id LEFT JOIN jobs j ON j.id = a.job_id
          WHERE a.doc_id IN (SELECT value FROM json_each(?)) AND a.deleted_at IS NULL ORDER BY a.doc_id ${desc ? 'DESC' : 'ASC'}`,
    ).all(JSON.stringify(docs)) as SearchRow[];
  }

  /**
   * Matches of `ftsWhere` counted up to `limit`: with a residual condition (`residWhere`, ` AND …` over `a`) each
   * checked in `assets_live_by_doc`, else by FTS5 alone.
   */
  ftsCappedCount(ftsWhere: string, residWhere: string, limit: number, params: readonly unknown[]): number {
    return (
      residWhere
        ? this.plans.get(`SELECT COUNT(*) FROM (SELECT 1 FROM ${FTS_FROM} WHERE ${ftsWhere} AND a.deleted_at IS NULL${residWhere} LIMIT ${limit})`)
        : this.plans.get(`SELECT COUNT(*) FROM (SELECT 1 FROM search_fts WHERE ${ftsWhere} LIMIT ${limit})`)
    )
      .pluck()
      .get(...params) as number;
  }

  /**
   * Up to `n` live matches of `ftsWhere` + `after` (a row bound) + `residWhere` + `keyset`, in the index's row order
   * `dir` ('ASC'/'DESC').
   */
  ftsRowsInOrder(ftsWhere: string, after: string, residWhere: string, keyset: string, dir: string, params: readonly unknown[], n: number): SearchRow[] {
    return this.plans.get(
      `SELECT ${COLUMNS} FROM ${FTS_FROM} CROSS JOIN blobs b ON b.id = a.blob_id LEFT JOIN jobs j ON j.id = a.job_id
          WHERE ${ftsWhere}${after} AND a.deleted_at IS NULL${residWhere}${keyset} ORDER BY search_fts.rowid ${dir} LIMIT ?`,
    ).all(...params, n) as SearchRow[];
  }

  /**
   * Up to `n` live matches of `ftsWhere` + `residWhere` + `keyset`: their row ids sorted by `innerOrder` (keys from
   * the covering index), then their rows read, in `order`.
   */
  ftsSortedPage(ftsWhere: string, residWhere: string, keyset: string, innerOrder: string, order: string, params: readonly unknown[], n: number): SearchRow[] {
    return this.plans.get(
      `SELECT ${COLUMNS} FROM (SELECT a.rowid AS r FROM ${FTS_FROM} WHERE ${ftsWhere} AND a.deleted_at IS NULL${residWhere}${keyset}
          ORDER BY ${innerOrder} LIMIT ?) m
        CROSS JOIN assets a ON a.rowid = m.r CROSS JOIN blobs b ON b.id = a.blob_id LEFT JOIN jobs j ON j.id = a.job_id ORDER BY ${order}`,
    ).all(...params, n) as SearchRow[];
  }
}
