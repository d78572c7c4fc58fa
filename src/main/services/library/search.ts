/**
 * Search, filter and sort over the library: one query builder behind the gallery (`assets.query`), select-all
 * (`assets.ids`) and smart-collection counts.
 *
 * Text goes through the FTS5 index `search_fts` (see search-text.ts for why unigram+bigram CJK over unicode61);
 * the index is brought up to date from the `search_dirty` queue (filled by triggers) before every query, so it
 * never lags behind a write. Filters and sorts use columns denormalised onto `assets` (migration 0003) and the
 * partial indexes over live assets, and pages are keyset-paginated on (sort key, created_at, id), so page 500 costs
 * what page 1 does.
 *
 * Over live images, a query with text, tags or equality filters is one FTS5 expression (migration 0017): the
 * typed text in the `body` column, the scope, tags and filters as `meta` tokens ({@link FtsPlan}), so the index
 * itself intersects them; see {@link SearchService.ftsPage} for how its count and pages are read.
 *
 * This module decides (conditions, plan, cursor, cap); the SQL it runs lives in repositories/search.ts
 * (SearchRepository, owner of the index's tables); `assets.doc_id` is written through AssetsRepository and the
 * `search.*` settings through SettingsRepository.
 */
import type { AssetFilters, AssetListItem, AssetQuery, SavedQuery, SortDir, SortKey } from '@shared/organise';
import { MAX_BULK_IDS, SavedQuery as SavedQuerySchema } from '@shared/organise';
import { MODEL_IDS, PROVIDER_IDS, type ModelId, type ProviderId } from '@shared/capabilities';
import { AppError } from '@shared/errors';
import type { Db } from './db';
import { AssetsRepository } from '../repositories/assets';
import { compareDocKeys, FTS_FROM, SearchRepository, STACK_HIDDEN, type SearchRow } from '../repositories/search';
import { SettingsRepository } from '../repositories/settings';
import { foldLatin, matchExpression, metaAny, metaDocument, metaToken, searchDocument, tagKey } from './search-text';

/**
 * What the search document holds, by version: 1 prompt, title, note and tags; 2 also the original file name of an
 * imported image. A library indexed at an older version is re-indexed where it matters, once.
 */
export const DOCUMENT_VERSION = 2;

/** The searchable part of an imported file's name: without its folders and extension ("shoot/Café-01.png" → "Café-01"). */
function fileStem(name: string | null): string | null {
  if (!name) return null;
  const base = name.slice(Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\')) + 1);
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(0, dot) : base;
}

/** A page of {@link SearchService.query}. */
export interface QueryPage {
  items: AssetListItem[];
  /** Opaque; valid only for the same query. Null on the last page. */
  nextCursor: string | null;
  /**
   * Every match of the query (all pages), exactly, up to {@link TOTAL_CAP}; when `totalCapped`, at least this many
   * (counting further would cost the time of reading every match: at a million images, seconds).
   */
  total: number;
  /** True when there are more than {@link TOTAL_CAP} matches and `total` is that cap (shown as "10,000+"). */
  totalCapped: boolean;
  /**
   * Present while the full-text index is being built again in the background ({@link SearchService.rebuildStep})
   * and the query reads it: images indexed so far of those to index. Matches among the others are not in the page
   * or the total yet.
   */
  indexing?: { done: number; total: number };
}

/**
 * A query's total is counted exactly up to this many matches; above it the page says "more than" (`totalCapped`).
 * Counting stops at the cap + 1th match (a LIMIT inside the count), so the count costs at most that many index
 * probes whatever the library's size.
 */
export const TOTAL_CAP = 10_000;

/**
 * Space between consecutive index rows written in creation order (a rebuild, or images indexed after the newest):
 * an image indexed late whose date falls between two rows (created in the same millisecond as one already indexed,
 * or under a clock set back) takes the row halfway between them, so the order holds for up to six such images in
 * one place. 64 keeps the row deltas of a term's list in FTS5 one-byte varints.
 */
export const DOC_GAP = 64;

/**
 * How far above a re-ordering pass's own rows the images indexed during it are placed ({@link SearchService.reorderStep}),
 * so the two never meet.
 */
const REORDER_ASIDE = 2 ** 40;

/**
 * Leaf pages merged per step after a re-ordering pass ({@link SearchRepository.mergeStep}). At 100,000 images under
 * load 4–5: 500 pages a step took about 105 ms at the median; 50, 16.7 ms (p99 165); 16, 4.8 ms (p99 40, 205
 * steps), shorter than the pass's own steps (p50 10.6, p99 99.5 ms in the same run).
 */
const MERGE_PAGES = 16;

/**
 * Libraries up to this many images whose index must be built again (its layout changed, migration 0017) are indexed
 * in one pass before their first query (about 0.2 ms an image: under a second); larger ones in the background, in
 * steps of {@link REBUILD_STEP}, while queries are answered from what is indexed so far (QueryPage `indexing`).
 */
const SYNC_REBUILD_MAX = 5_000;
/**
 * Images indexed per background rebuild step. At 100,000 images (load 1.4): 100 a step, p50 12.2 / p99 78.3 ms over
 * 1,002 steps, 16.5 s of steps in all, then 205 merge steps of p50 2.8 ms; 200 a step, p50 24.8 / p99 106.5 ms. The
 * first call after opening waited 12 ms, where the one-pass rebuild held it for about 18 s.
 */
const REBUILD_STEP = 100;

/** A rebuild in steps, kept in settings `search.rebuild` (resumed after a restart). */
interface RebuildState {
  /** The key ([created_at ms, id]) of the last image indexed; null before the first. */
  after: [number, string] | null;
  /** The next row id to write (above every row id an image still names from the dropped index). */
  next: number;
  /** Images indexed so far, and the library's images when the rebuild began (for progress). */
  done: number;
  total: number;
}

/** A pass putting the index's rows back in creation order, kept in settings `search.reorder` (resumed after a restart). */
interface ReorderState {
  /** The pass's first row id, and the next it writes. */
  base: number;
  next: number;
  /** The key ([created_at ms, id]) of the last image moved; null before the first. */
  after: [number, string] | null;
  /** An image older than `after` was indexed during the pass: the pass ends unordered and another starts. */
  broken: boolean;
  /** Passes begun (the order is given up for good after 3 broken ones). */
  pass: number;
}

/** A query after defaults: what {@link SearchService} takes (the contract's parsed `AssetQuery`). */
export type ParsedQuery = AssetQuery;

type Row = SearchRow;

/** The SQL of a query's condition (over `assets a`), with its parameters. Exported for the bench's raw-SQL side. */
export interface BuiltWhere {
  /** The condition for a page found through the matches' id set ({@link BuiltWhere.narrowFrom}). */
  where: string;
  params: unknown[];
  /**
   * The condition for a page: the same rows; for a text that matches many images (over {@link BROAD_MATCHES}) the
   * full-text set is only probed (`+a.id IN …`) while the sort's index is walked, so a page stops after its rows
   * instead of sorting every match.
   */
  pageWhere: string;
  /**
   * The condition for a page of a query known to match more than {@link TOTAL_CAP} images: {@link BuiltWhere.pageWhere}
   * with every filter kept out of index choice (`+a.col`), so the page walks the sort's own index (scope and live
   * first) and stops after its rows, whatever filter index the planner would have liked for the whole set.
   */
  walkWhere: string;
  /** {@link BuiltWhere.walkWhere} for the date sort: its date bounds left to the date index, which seeks to them. */
  walkDateWhere: string;
  /**
   * The condition for counting, over {@link BuiltWhere.countFrom}: for text over live images the full-text match
   * itself (`search_fts MATCH ?`), the index joined row by row so a capped count stops early instead of first
   * building the whole match set.
   */
  countWhere: string;
  /**
   * For text over live images: `countFrom` (the full-text index joined to the images), which with `countWhere` reads
   * matches in the index's row order; null otherwise.
   */
  ftsFrom: string | null;
  /**
   * FROM clause for the count: for text over live images, the full-text index joined to `assets_live_by_doc` on
   * the image's doc_id (the index first); over live images with no text, collection or tag condition, the covering filter
   * index (`assets_live_filter`, migration 0003) answers any mix of filters without reading the table, and SQLite's
   * planner, seeing the folder column first in several indexes, does not always pick it by itself.
   */
  countFrom: string;
  /**
   * FROM clause for a page of a query known (from its total) to match at most {@link NARROW_MATCHES} images, with
   * `where` as its condition: the matches are found through their id set (text, tags) and their scope and filters
   * checked in a covering index (`assets_live_by_doc` for text, migration 0009; else `assets_live_by_id`, 0007)
   * before any table row is read. Null
   * when the query has no id set to drive from (the page then walks the sort index).
   */
  narrowFrom: string | null;
  /** The full-text plan over live images ({@link FtsPlan}), or null when the index carries none of the query's conditions. */
  fts: FtsPlan | null;
}

/**
 * A query over live images as one FTS5 expression and what it cannot carry (migration 0017).
 */
export interface FtsPlan {
  /** The MATCH expression: the typed text in `body`; live, folder, tags and the equality filters as `meta` tokens. */
  match: string;
  /** Conditions over `a` (through `assets_live_by_doc`) for the cost and content-credentials filters. */
  residual: string[];
  residualParams: unknown[];
  /** The date filter (epoch ms, inclusive): row-id bounds of the index while its rows follow creation order, else conditions. */
  from: number | null;
  to: number | null;
}

/** Above this many full-text matches a page walks the sort index rather than sorting the matches. */
export const BROAD_MATCHES = 3000;

/**
 * A page is found through its id set ({@link BuiltWhere.narrowFrom}) whenever the whole query (text and filters)
 * is counted exactly, i.e. matches at most {@link TOTAL_CAP} images: only the matches' row ids are sorted, on keys
 * read from the covering index (about a microsecond a match), where walking the sort index reads a table row per
 * image passed (at 1M images and 3,000 matches, 60,000 of them). Above the cap the page walks the sort index.
 */
export const NARROW_MATCHES = TOTAL_CAP;

const SORT_EXPR: Record<SortKey, string> = {
  date: '',
  rating: 'a.rating',
  cost: 'ifnull(a.cost_usd, -1)',
  name: 'a.sort_name',
};

/** Builds and runs queries over the library. Synchronous (better-sqlite3). */
export class SearchService {
  private readonly db: Db;
  /** The index's SQL (repositories/search.ts). */
  private readonly repo: SearchRepository;
  /** `assets.doc_id`, the image's own copy of its row in the index. */
  private readonly assets: AssetsRepository;
  /** `search.docOrder` and `search.documentVersion`. */
  private readonly settings: SettingsRepository;
  /**
   * Whether the full-text index's row ids (`assets.doc_id`) follow the images' creation order (created_at, id) —
   * kept in settings `search.docOrder`, set by {@link SearchService.rebuild}. A new image's row is placed between
   * its neighbours in creation order ({@link DOC_GAP}, SearchRepository.slotFor); the order is given up for good
   * only when there is no room left there (a rebuild restores it). While it
   * holds, a date-sorted text page is read from the full-text index in its own row order, stopping after the page,
   * instead of first building the set of every match (at a million images, 10–70 ms for a common word).
   */
  private docOrdered: boolean;
  /** Whether {@link SearchService.needsRebuild} was asked since this service opened the library. */
  private rebuildChecked = false;
  /**
   * {@link SearchService.rebuildState}'s copy of settings `search.rebuild` (undefined until first read): a query and
   * every image indexed ask for it, and only this service writes it.
   */
  private rebuild$: RebuildState | null | undefined;

  /** Totals are counted exactly up to this many matches ({@link TOTAL_CAP}; smaller in tests, to reach the capped plans). */
  private readonly cap: number;
  /** {@link DOC_GAP} (smaller in tests, to run out of room). */
  private readonly gap: number;

  /**
   * @param db the library database (migrated to the newest version)
   * @param opts.totalCap the cap on exact totals (default {@link TOTAL_CAP})
   * @param opts.docGap the space between index rows written in order (default {@link DOC_GAP}, at least 2)
   */
  constructor(db: Db, opts: { totalCap?: number; docGap?: number } = {}) {
    this.db = db;
    this.cap = opts.totalCap ?? TOTAL_CAP;
    this.gap = Math.max(2, opts.docGap ?? DOC_GAP);
    this.repo = new SearchRepository(db);
    this.assets = AssetsRepository.of(db);
    this.settings = new SettingsRepository(db);
    const order = this.settings.get('search.docOrder');
    this.docOrdered = order === 'created';
    // An empty index is in creation order: a new library keeps its rows in order from its first image on (it
    // stayed unordered until a rebuild, which nothing but a layout change runs).
    if (order === null && !this.repo.hasDocuments()) this.setDocOrdered(true);
    this.requeueOlderDocuments();
    this.optimize();
  }

  /**
   * Documents gained the original file name (issue 11; {@link DOCUMENT_VERSION} 2): a library indexed before has
   * its imported images queued once, so they are found by their file name too. Kept in `settings`
   * (`search.documentVersion`), not a migration: nothing in the schema changes.
   */
  private requeueOlderDocuments(): void {
    const key = 'search.documentVersion';
    if (Number(this.settings.get(key) ?? 0) >= DOCUMENT_VERSION) return;
    this.db.transaction(() => {
      this.repo.queueImported();
      this.settings.set(key, String(DOCUMENT_VERSION));
    })();
  }

  /**
   * Gathers the query planner's statistics where they are missing or stale (SQLite's recommended `PRAGMA optimize`
   * at connection open, bounded by `analysis_limit` so it costs milliseconds, not seconds, at 250k images). Without
   * them the planner cannot tell a selective filter index from a broad one. Run at construction and after a large
   * batch is indexed.
   */
  optimize(): void {
    this.repo.optimizePlanner();
  }

  /**
   * Indexes up to `max` queued assets (all when omitted), in one transaction per 2,000; runs
   * {@link SearchService.optimize} after 5,000 or more.
   * @returns true when the queue is now empty
   */
  refresh(max = Number.POSITIVE_INFINITY): boolean {
    this.checkRebuild();
    let left = max;
    let done = 0;
    while (left > 0 && this.repo.anyDirty()) {
      const n = Math.min(2000, left);
      this.db.transaction(() => {
        const ids = this.repo.dirtyBatch(n);
        for (const id of ids) this.indexOne(id);
        done += ids.length;
      })();
      left -= n;
    }
    if (done >= 5000) this.optimize();
    return !this.repo.anyDirty();
  }

  /**
   * Once per opening: a library whose index was dropped for a new layout (migration 0017) is indexed again, in one
   * pass when small ({@link SYNC_REBUILD_MAX}), else in the background ({@link SearchService.rebuildStep}).
   */
  private checkRebuild(): void {
    if (this.rebuildChecked) return;
    this.rebuildChecked = true;
    if (this.rebuildState() || !this.needsRebuild()) return;
    if (this.repo.assetCount() <= SYNC_REBUILD_MAX) {
      this.rebuild();
      return;
    }
    // Rows from above every row id an image still names, so none of those stale ids meets a new row.
    this.db.transaction(() => {
      this.saveRebuild({ after: null, next: this.repo.maxAssetDocId() + this.gap, done: 0, total: this.repo.assetCount() });
      this.saveReorder(null);
      this.setDocOrdered(true);
    })();
  }

  /** The background rebuild under way (a copy), read from settings once and then kept with every save. */
  private rebuildState(): RebuildState | null {
    if (this.rebuild$ === undefined) {
      const raw = this.settings.get('search.rebuild');
      this.rebuild$ = raw ? (JSON.parse(raw) as RebuildState) : null;
    }
    return this.rebuild$ && { ...this.rebuild$ };
  }

  private saveRebuild(state: RebuildState | null): void {
    this.settings.set('search.rebuild', state === null ? null : JSON.stringify(state));
    this.rebuild$ = state && { ...state };
  }

  /** Progress of a background rebuild (images indexed of those to index), or null when none is under way. */
  indexing(): { done: number; total: number } | null {
    const st = this.rebuildState();
    return st ? { done: Math.min(st.done, st.total), total: st.total } : null;
  }

  /**
   * One step of building the full-text index again in the background: the next `n` images in creation order (live
   * or trashed) get their rows, in order, in one transaction with the rebuild's place (settings `search.rebuild`),
   * so a restart resumes it. Images added meanwhile are reached by the walk (they are newer than its place); one
   * already indexed (an image dated before the place, found by the queue) is passed over. At the end the index is
   * merged a little at a time, as after a re-ordering pass.
   * @returns true while there is more to do
   */
  rebuildStep(n = REBUILD_STEP): boolean {
    let more = true;
    const step = this.db.transaction(() => {
      const st = this.rebuildState();
      if (!st) {
        more = false;
        return;
      }
      const rows = this.repo.assetsInCreationOrderAfter(st.after, n);
      if (rows.length === 0) {
        this.saveRebuild(null);
        this.settings.set('search.merge', 'pending');
        return;
      }
      for (const [rowid, id, createdAt] of rows) {
        st.after = [createdAt, id];
        st.done++;
        if (this.repo.docOfAsset(id) !== undefined) continue;
        const docId = this.repo.insertDoc(id, st.next);
        const doc = this.documentOf(id) ?? { body: '', meta: '' };
        this.repo.insertText(docId, doc.body, doc.meta);
        this.assets.setDocIdAtRowid(rowid, docId);
        this.repo.markClean(id);
        st.next += this.gap;
      }
      this.saveRebuild(st);
    });
    try {
      step();
    } catch (err) {
      // Rolled back: the copy may be ahead of what was committed; the next read takes the settings again.
      this.rebuild$ = undefined;
      throw err;
    }
    if (!more) return false;
    if (!this.rebuildState()) this.optimize();
    return true;
  }

  /**
   * Whether the full-text index is empty while the library holds images (its layout changed, migration 0017), so
   * that {@link SearchService.rebuild} is due; the first {@link SearchService.refresh} (before any query) runs it.
   */
  needsRebuild(): boolean {
    return !this.repo.hasDocuments() && this.repo.hasAssets();
  }

  /**
   * Builds the whole full-text index again in one pass (a new library loaded in bulk, or an index whose layout
   * changed): every asset's document is written in creation order (created_at, id), so the index's row ids follow
   * the images' dates ({@link SearchService.docOrdered}), and the queue is emptied. One transaction; at 1,000,000 images about a minute.
   * @param onProgress called every 50,000 images with (done, total)
   */
  rebuild(onProgress?: (done: number, total: number) => void): void {
    const db = this.db;
    const repo = this.repo;
    const total = repo.assetCount();
    db.transaction(() => {
      repo.clear();
      let done = 0;
      // Read first (a statement cannot write while another is being iterated), in creation order.
      const rows = repo.assetsInCreationOrder();
      for (const [rowid, id] of rows) {
        const docId = repo.insertDoc(id, (done + 1) * this.gap);
        const doc = this.documentOf(id) ?? { body: '', meta: '' };
        repo.insertText(docId, doc.body, doc.meta);
        this.assets.setDocIdAtRowid(rowid, docId);
        if (++done % 50_000 === 0) onProgress?.(done, total);
      }
      if (done % 50_000 !== 0) onProgress?.(done, total);
      this.setDocOrdered(true);
      this.saveReorder(null);
      this.saveRebuild(null);
    })();
    this.rebuildChecked = true;
    // One segment per index level: a query reads each term's row ids as one run instead of merging many segments.
    repo.optimizeIndex();
    repo.analyze();
  }

  /**
   * One page of the assets matching `q`, in its sort order.
   * @param limit page size, 1–1000
   * @param cursor `nextCursor` of the previous page of the same query, or null
   * @throws AppError `validation` (`cursor`: made for another sort, or not ours; `text`/`filters.*` as
   *   {@link SearchService.where}); `not_found` for an unknown folder or collection. While a background rebuild
   *   is under way, a query that reads the full-text index is answered from what is indexed so far and says so
   *   (`indexing`).
   */
  query(q: ParsedQuery, limit: number, cursor: string | null): QueryPage {
    this.refresh();
    const built = this.where(q);
    const page = this.queryPage(q, built, limit, cursor);
    const indexing = this.indexing();
    if (indexing && readsIndex(built)) page.indexing = indexing;
    return page;
  }

  private queryPage(q: ParsedQuery, built: BuiltWhere, limit: number, cursor: string | null): QueryPage {
    const { order, keyCols } = orderOf(q.sort, q.dir);
    const collapse = collapsesStacks(q);
    let extra = collapse ? ` AND NOT ${STACK_HIDDEN}` : '';
    const params = [...built.params];
    // The total is counted first for the first page (exactly up to TOTAL_CAP, then "more than") and carried in the
    // cursor (later pages skip the count); knowing it picks the page's plan: no page at all for no match; for few
    // matches the matches are found through their set and sorted rather than the sort index walked past every
    // non-match; for more than the cap the sort index is walked (a page of 200 then reads a few thousand rows).
    let total: number | null = null;
    if (cursor) {
      const { values, total: carried } = decodeCursor(cursor, q.sort, q.dir);
      total = carried;
      const op = q.dir === 'desc' ? '<' : '>';
      extra += ` AND (${keyCols.join(', ')}) ${op} (${values.map(() => '?').join(', ')})`;
      params.push(...values);
    }
    if (built.fts) {
      const r = this.ftsPage(q, built.fts, limit, cursor, total);
      if ('page' in r) return r.page;
      total = r.total;
    }
    if (total === null) {
      // Hidden stack members are counted exactly (few, through their own index) and the count runs that much further.
      const hidden = collapse ? this.hiddenCount(built) : 0;
      total = this.cappedCount(built, hidden) - hidden;
    }
    const capped = total > this.cap;
    const narrow = !capped && total <= this.cap && built.narrowFrom !== null;
    // CROSS JOIN keeps `assets` the outer loop: at a million images the planner otherwise starts from the few
    // hundred blobs and sorts every image (5 s for a page sorted by rating) instead of walking the sort index.
    // Through the id set, only the page's row ids are sorted (keys from the covering index), and the page's own
    // rows, blobs and jobs are read after: sorting a few thousand full rows cost 5–10× more.
    const rows =
      total === 0
        ? []
        : narrow
          ? this.repo.narrowPage(built.narrowFrom!, built.where, extra, order, params, limit + 1)
          : this.repo.walkPage(capped ? (q.sort === 'date' ? built.walkDateWhere : built.walkWhere) : built.pageWhere, extra, order, params, limit + 1);
    return this.pageOf(q, rows, limit, total);
  }

  /**
   * A page of a query with a full-text plan (migration 0017). The total (first page; later pages carry it in the
   * cursor) is the expression's matches counted up to the cap + 1, by FTS5 alone when nothing is left over, else
   * with each match checked in `assets_live_by_doc`. While the index's rows follow creation order
   * ({@link SearchService.docOrdered}), a date-sorted page reads the matches in row order from the cursor's row
   * and a rating-sorted one does so rating by rating (rating then date is the sort), each stopping after the page;
   * otherwise a query of at most the cap sorts its matches' row ids (keys from the covering index). What is left
   * (more than the cap, sorted by cost or name, or rows out of order) walks the sort index: `{ total }` says so.
   */
  private ftsPage(q: ParsedQuery, plan: FtsPlan, limit: number, cursor: string | null, carried: number | null): { page: QueryPage } | { total: number } {
    const empty = { page: { items: [], nextCursor: null, total: 0, totalCapped: false } };
    const match = collapsesStacks(q) ? `(${plan.match}) NOT meta : ${metaToken.hidden}` : plan.match;
    const ftsConds = ['search_fts MATCH ?'];
    const ftsParams: unknown[] = [match];
    const resid = [...plan.residual];
    const residParams = [...plan.residualParams];
    const bound = (value: number | null, docAt: (ms: number) => number | null | undefined, op: string): boolean => {
      if (value === null) return true;
      if (this.docOrdered) {
        const doc = docAt(value);
        if (doc === undefined) return false;
        if (doc !== null) {
          ftsConds.push(`search_fts.rowid ${op} ?`);
          ftsParams.push(doc);
          return true;
        }
      }
      resid.push(`a.created_at ${op} ?`);
      residParams.push(value);
      return true;
    };
    if (!bound(plan.from, (ms) => this.repo.docFrom(ms), '>=') || !bound(plan.to, (ms) => this.repo.docTo(ms), '<=')) return empty;
    const ftsWhere = ftsConds.join(' AND ');
    const residWhere = resid.map((c) => ` AND ${c}`).join('');
    let total = carried;
    if (total === null && !resid.length && this.docOrdered && q.sort === 'date') {
      // The first page by date, nothing left over: one pass over the index in row order gives the count (up to the
      // cap + 1) and the page's rows (the first of them), so the expression is evaluated once.
      const docs = this.repo.ftsRowIds(ftsWhere, q.dir === 'desc', ftsParams, Math.max(this.cap, limit) + 1);
      if (docs.length === 0) return empty;
      const rows = this.repo.rowsOfDocs(docs.slice(0, limit + 1), q.dir === 'desc');
      return { page: this.pageOf(q, rows, limit, Math.min(docs.length, this.cap + 1)) };
    }
    if (total === null) {
      total = this.repo.ftsCappedCount(ftsWhere, residWhere, this.cap + 1, [...ftsParams, ...residParams]);
    }
    if (total === 0) return empty;
    const capped = total > this.cap;
    const values = cursor ? decodeCursor(cursor, q.sort, q.dir).values : null;
    const cursorDoc = values ? (this.repo.docIdOf(values.at(-1)) ?? null) : null;
    const desc = q.dir === 'desc';
    const op = desc ? '<' : '>';
    const dir = desc ? 'DESC' : 'ASC';
    const { order, keyCols } = orderOf(q.sort, q.dir);
    const read = (expression: string, from: boolean, n: number): Row[] => {
      // The page's matches in index row order, from the cursor's row (or, if its image is gone, after its keys).
      const after = from && values ? (cursorDoc !== null ? ` AND search_fts.rowid ${op} ?` : '') : '';
      const keyset = from && values && cursorDoc === null ? ` AND (${keyCols.join(', ')}) ${op} (${values.map(() => '?').join(', ')})` : '';
      return this.repo.ftsRowsInOrder(
        ftsWhere,
        after,
        residWhere,
        keyset,
        dir,
        [expression, ...ftsParams.slice(1), ...(after ? [cursorDoc] : []), ...residParams, ...(keyset ? values! : [])],
        n,
      );
    };
    if (this.docOrdered && q.sort === 'date') return { page: this.pageOf(q, read(match, true, limit + 1), limit, total) };
    if (this.docOrdered && q.sort === 'rating' && capped) {
      // Rating, then date: each rating's matches in row order, from the cursor's rating on (more than the cap; up to
      // it, sorting the matches on covered keys evaluates the expression once instead of once per rating).
      const lo = q.filters.minRating ?? 0;
      const hi = q.filters.maxRating ?? 5;
      const ratings = Array.from({ length: Math.max(0, hi - lo + 1) }, (_, i) => lo + i);
      if (desc) ratings.reverse();
      const start = values ? (values[0] as number) : null;
      const rows: Row[] = [];
      for (const r of ratings) {
        if (start !== null && (desc ? r > start : r < start)) continue;
        rows.push(...read(`(${match}) AND meta : ${metaToken.rating(r)}`, r === start, limit + 1 - rows.length));
        if (rows.length > limit) break;
      }
      return { page: this.pageOf(q, rows, limit, total) };
    }
    if (capped) return { total };
    // At most the cap: sort the matches' row ids, on keys the covering index holds (the index row standing for the
    // id while rows follow creation order), then read the page's rows.
    const inner = this.docOrdered ? keyCols.map((c) => (c === 'a.id' ? 'a.doc_id' : c)) : keyCols;
    const innerOrder = inner.map((c) => `${c} ${dir}`).join(', ');
    const keysetVals = values ? (this.docOrdered ? [...values.slice(0, -1), cursorDoc] : values) : [];
    const useDoc = !values || !this.docOrdered || cursorDoc !== null;
    const cols = useDoc ? inner : keyCols;
    const keyset = values ? ` AND (${cols.join(', ')}) ${op} (${values.map(() => '?').join(', ')})` : '';
    const rows = this.repo.ftsSortedPage(
      ftsWhere,
      residWhere,
      keyset,
      useDoc ? innerOrder : order,
      order,
      [...ftsParams, ...residParams, ...(values ? (useDoc ? keysetVals : values) : [])],
      limit + 1,
    );
    return { page: this.pageOf(q, rows, limit, total) };
  }

  /** The page of `rows` (up to `limit` + 1 read, the extra one telling there is more) for a query of `total` (raw, capped) matches. */
  private pageOf(q: ParsedQuery, rows: Row[], limit: number, total: number): QueryPage {
    const capped = total > this.cap;
    const more = rows.length > limit;
    const page = more ? rows.slice(0, limit) : rows;
    const last = page.at(-1);
    return {
      items: this.withStackCounts(page.map(toItem)),
      nextCursor: more && last ? encodeCursor(q.sort, q.dir, cursorValues(q.sort, last), total) : null,
      total: capped ? this.cap : total,
      totalCapped: capped,
    };
  }

  /** Matches of `built`, counted up to {@link TOTAL_CAP} + 1 + `beyond` (a result above the cap means "more than the cap"). */
  private cappedCount(built: BuiltWhere, beyond = 0): number {
    return this.repo.cappedCount(built.countFrom, built.countWhere, this.cap + 1 + beyond, built.params);
  }

  /**
   * Ids of every match, in sort order (select all), at most {@link MAX_BULK_IDS}.
   * @throws AppError as {@link SearchService.query}
   */
  ids(q: ParsedQuery): string[] {
    this.refresh();
    const built = this.where(q);
    const { order } = orderOf(q.sort, q.dir);
    // Over live images, a text or tag query's ids come through its set (every match is wanted, up to the limit).
    const base = built.narrowFrom !== null ? built.where : built.pageWhere;
    const where = collapsesStacks(q) ? `${base} AND NOT ${STACK_HIDDEN}` : base;
    return this.repo.ids(built.narrowFrom ?? 'assets a', where, order, MAX_BULK_IDS, built.params);
  }

  /**
   * How many assets match.
   * @throws AppError as {@link SearchService.query}
   */
  count(q: ParsedQuery): number {
    this.refresh();
    const built = this.where(q);
    return this.repo.count(built.countFrom, built.countWhere, built.params);
  }

  /**
   * The SQL condition over `assets a` for a query: scope (trash or live; folder with descendants; collection, a
   * smart one expanded to its saved search), text and filters.
   * @throws AppError `validation` (`filters.from`/`to`, `filters.minRating`, `filters.minCostUsd`: a range whose
   *   bounds are crossed; `scope`: a smart collection whose saved search cannot be read); `not_found` for an
   *   unknown folder or collection
   */
  where(q: Pick<ParsedQuery, 'scope' | 'text' | 'filters'>, depth = 0): BuiltWhere {
    const conds: string[] = [];
    const pageConds: string[] = [];
    const walkConds: string[] = [];
    const walkDateConds: string[] = [];
    const countConds: string[] = [];
    const params: unknown[] = [];
    const both = (c: string): void => {
      conds.push(c);
      pageConds.push(c);
      walkConds.push(c);
      walkDateConds.push(c);
      countConds.push(c);
    };
    const scope = q.scope;
    let folderIds: string[] | null = null;
    both(scope.kind === 'trash' ? 'a.deleted_at IS NOT NULL' : 'a.deleted_at IS NULL');
    if (scope.kind === 'folder') {
      const ids = scope.recursive ? this.descendants(scope.folderId) : [scope.folderId];
      folderIds = ids;
      if (!this.repo.liveFolderExists(scope.folderId)) {
        throw new AppError('not_found', `no folder with id ${scope.folderId}`, { params: { id: scope.folderId } });
      }
      if (ids.length === 1) both('a.folder_id = ?');
      else both(`a.folder_id IN (${ids.map(() => '?').join(', ')})`);
      params.push(...ids);
    } else if (scope.kind === 'collection') {
      const c = this.repo.collectionQuery(scope.collectionId);
      if (!c) throw new AppError('not_found', `no collection with id ${scope.collectionId}`, { params: { id: scope.collectionId } });
      if (c.query === null) {
        both('a.id IN (SELECT asset_id FROM collection_items WHERE collection_id = ?)');
        params.push(scope.collectionId);
      } else {
        if (depth > 0) throw new AppError('validation', 'a smart collection cannot refer to another', { params: { field: 'scope', reason: 'nested' } });
        const inner = this.where(parseSaved(c.query), depth + 1);
        conds.push(`(${inner.where})`);
        pageConds.push(`(${inner.pageWhere})`);
        walkConds.push(`(${inner.walkWhere})`);
        walkDateConds.push(`(${inner.walkDateWhere})`);
        countConds.push(`(${inner.where})`);
        params.push(...inner.params);
      }
    }
    // Over live images (library or folder), a text condition joins its matches on the images' own copy of their
    // row id in the index (`a.doc_id`, migration 0009), probed in rowid order through `assets_live_by_doc`; in the
    // trash or a collection (no index over doc_id there) it goes through `search_docs` to the image ids.
    const live = scope.kind === 'library' || scope.kind === 'folder';
    const typed = matchExpression(q.text);
    // What the user typed is matched in the text column only, never in the filter tokens (`meta`, migration 0017).
    const expr = typed ? `body : (${typed})` : null;
    if (expr) {
      const inFts = live
        ? 'a.doc_id IN (SELECT rowid FROM search_fts WHERE search_fts MATCH ?)'
        : 'a.id IN (SELECT d.asset_id FROM search_fts f JOIN search_docs d ON d.doc_id = f.rowid WHERE search_fts MATCH ?)';
      // A page that is not found through the match set (query: more than NARROW_MATCHES matches over live images)
      // walks the sort index and only probes the set.
      const broad = live || this.repo.ftsCount(expr) > BROAD_MATCHES;
      conds.push(inFts);
      pageConds.push(broad ? `+${inFts}` : inFts);
      walkConds.push(`+${inFts}`);
      walkDateConds.push(`+${inFts}`);
      countConds.push(live ? 'search_fts MATCH ?' : inFts);
      params.push(expr);
    }
    const filters: string[] = [];
    addFilters(q.filters, filters, params);
    for (const c of filters) {
      conds.push(c);
      pageConds.push(c);
      countConds.push(c);
      // `+a.col …` keeps the column out of index choice (SQLite's unary-plus rule); a date bound stays usable, as
      // the date sort's own index seeks to it (other sorts see it unprefixed only in walkWhere's date variant).
      walkConds.push(c.startsWith('a.') ? `+${c}` : c);
      walkDateConds.push(c.startsWith('a.') && !c.startsWith('a.created_at') ? `+${c}` : c);
    }
    // Over live images, a text condition is a set of index rows probed through the covering doc_id index, a tag
    // condition (alone) an id set probed through the covering id index; without either, the covering filter index
    // answers any mix of filters.
    const idSet = Boolean(expr) || Boolean(q.filters.tags?.length);
    const byId = expr ? 'assets a INDEXED BY assets_live_by_doc' : 'assets a INDEXED BY assets_live_by_id';
    // A cost range is counted from the cost index's range (migration 0017): a range matching few or no images is
    // then a few index entries, where the filter index would be read to its end.
    const byCost = q.filters.minCostUsd != null || q.filters.maxCostUsd != null;
    return {
      where: conds.join(' AND '),
      pageWhere: pageConds.join(' AND '),
      walkWhere: walkConds.join(' AND '),
      walkDateWhere: walkDateConds.join(' AND '),
      countWhere: countConds.join(' AND '),
      params,
      ftsFrom: live && expr ? FTS_FROM : null,
      countFrom: live
        ? expr
          ? FTS_FROM
          : idSet
            ? byId
            : byCost
              ? 'assets a INDEXED BY assets_live_by_cost_usd'
              : 'assets a INDEXED BY assets_live_filter'
        : 'assets a',
      narrowFrom: live && idSet ? byId : null,
      fts: live ? this.ftsPlan(q, folderIds, expr) : null,
    };
  }

  /**
   * The folders of the live images outside the folders `ids`, when there are at most 1,000 such images in at most
   * 50 folders (a project holding nearly the whole library); else null. Read from the live folder index in the
   * ranges before, between and after `ids` (sorted), at most 1,001 entries.
   */
  private foldersOutside(ids: readonly string[]): string[] | null {
    const sorted = [...new Set(ids)].sort();
    const rows = this.repo.liveFoldersOutside(sorted);
    if (rows.length > 1000) return null;
    const folders = [...new Set(rows)];
    return folders.length > 50 ? null : folders;
  }

  /**
   * The full-text plan of a query over live images (migration 0017), or null when it has no condition the index
   * carries (no text, tag, rating, flag, kind, provider, model or references filter: the sort and filter indexes
   * answer it). The typed text goes to `body`; the scope, the tags and every equality filter become `meta` tokens,
   * so that FTS5 alone intersects them; the date, cost and content-credentials filters stay conditions over the
   * images (`assets_live_by_doc` covers the first two).
   */
  private ftsPlan(q: Pick<ParsedQuery, 'scope' | 'filters'>, folderIds: string[] | null, expr: string | null): FtsPlan | null {
    const f = q.filters;
    const lo = f.minRating ?? 0;
    const hi = f.maxRating ?? 5;
    const rated = lo > 0 || hi < 5;
    const useful =
      expr !== null ||
      Boolean(f.tags?.length || f.anyTags?.length || f.flags?.length || f.kinds?.length || f.providers?.length || f.models?.length) ||
      rated ||
      f.hasReferences != null;
    if (!useful) return null;
    const terms: string[] = [];
    if (expr) terms.push(expr);
    // A folder holding nearly every live image (a single project, often) is written as 'not in the few other
    // folders' (their short row lists), not as its own row list of the whole library.
    const outside = folderIds ? this.foldersOutside(folderIds) : null;
    if (folderIds && outside === null) terms.push(metaAny(folderIds.map(metaToken.folder)));
    const excluded = [metaToken.live(false), ...(outside ?? []).map(metaToken.folder)];
    if (rated) terms.push(metaAny(Array.from({ length: Math.max(0, hi - lo + 1) }, (_, i) => metaToken.rating(lo + i))));
    if (f.flags?.length) terms.push(metaAny(f.flags.map(metaToken.flag)));
    if (f.kinds?.length) terms.push(metaAny(f.kinds.map(metaToken.kind)));
    if (f.providers?.length) terms.push(metaAny(f.providers.map(metaToken.provider)));
    if (f.models?.length) terms.push(metaAny(f.models.map(metaToken.model)));
    if (f.hasReferences != null) terms.push(`meta : ${metaToken.refs(f.hasReferences)}`);
    for (const tag of f.tags ?? []) {
      const id = this.repo.tagIdByKey(tagKey(tag));
      terms.push(`meta : ${id === undefined ? metaToken.none : metaToken.tag(id)}`);
    }
    if (f.anyTags?.length) {
      const keys = [...new Set(f.anyTags.map((tag) => foldLatin(tagKey(tag))))];
      const ids = this.repo.tagIdsByFold(keys);
      terms.push(metaAny(ids.map(metaToken.tag)));
    }
    const residual: string[] = [];
    const residualParams: unknown[] = [];
    if (f.minCostUsd != null) {
      residual.push('a.cost_usd >= ?');
      residualParams.push(f.minCostUsd);
    }
    if (f.maxCostUsd != null) {
      residual.push('a.cost_usd <= ?');
      residualParams.push(f.maxCostUsd);
    }
    if (f.hasContentCredentials != null) {
      const present = "a.blob_id IN (SELECT blob_id FROM blob_credentials WHERE state <> 'none')";
      residual.push(f.hasContentCredentials ? present : `NOT ${present}`);
    }
    // Live: not in the trash (`NOT lv0` reads the trash's short row list, where `AND lv1` would read the whole library's).
    return { match: `(${terms.join(' AND ')}) NOT ${metaAny(excluded)}`, residual, residualParams, from: f.from ?? null, to: f.to ?? null };
  }

  // -------------------------------------------------------------------------------------------------------------

  /**
   * Matches of `built` that a collapsed listing hides (stack members under a live cover). Counted through the
   * small partial index over stacked assets, so the main count keeps its covering index.
   */
  private hiddenCount(built: BuiltWhere): number {
    return this.repo.hiddenCount(built.where, built.params);
  }

  /** Sets `stackCount` (live members, cover included) on the stacks' covers among `items`. */
  private withStackCounts(items: AssetListItem[]): AssetListItem[] {
    const covers = items.filter((i) => i.stackId && i.stackId === i.id).map((i) => i.id);
    if (covers.length === 0) return items;
    const counts = new Map(this.repo.liveStackCounts(covers).map((r) => [r.id, r.n]));
    return items.map((i) => (counts.has(i.id) ? { ...i, stackCount: counts.get(i.id)! } : i));
  }

  /**
   * What is indexed for asset `id`: `body`, its text (prompt, title, note, file name, foreign recipe, tags), and
   * `meta`, the tokens of its filter values (search-text.ts `metaDocument`); null for no such asset.
   * @param src its row, when the caller read it already
   */
  private documentOf(id: string, src = this.repo.documentSource(id)): { body: string; meta: string } | null {
    if (!src) return null;
    const tags = this.repo.tagsOf(id);
    return {
      body: searchDocument([src.prompt, src.title, src.note, fileStem(src.original_name), src.f_prompt, src.f_negative, src.f_model, ...this.batchValues(id), ...tags.map((t) => t.name)]),
      meta: metaDocument({
        live: src.live === 1,
        folderId: src.folder_id,
        rating: src.rating,
        flag: src.flag,
        kind: src.kind,
        provider: src.provider,
        model: src.model,
        hasRefs: src.has_refs === 1,
        tagIds: tags.map((t) => t.id),
        hidden: src.hidden === 1,
      }),
    };
  }

  /** The re-ordering pass under way, if any. */
  private reorderState(): ReorderState | null {
    const raw = this.settings.get('search.reorder');
    return raw && raw !== 'given-up' ? (JSON.parse(raw) as ReorderState) : null;
  }

  private saveReorder(state: ReorderState | 'given-up' | null): void {
    this.settings.set('search.reorder', state === null ? null : typeof state === 'string' ? state : JSON.stringify(state));
  }

  /**
   * One step of putting the index's rows back in creation order, for a library whose rows left it (one indexed
   * before 50ff5db, or one that ran out of room, {@link DOC_GAP}): the next `n` images in creation order (live or
   * trashed) get the next rows of the pass, in one transaction, and the pass's place is saved with them, so a
   * restart resumes it. Queries stay exact throughout (they use the plans that do not read row order); once every
   * image has been moved the date-ordered plans are used again. An image older than the pass's place indexed
   * meanwhile sends the pass round again; after three such passes the order is given up for good. After a pass
   * that moved rows, the following steps merge the full-text index's segments ({@link MERGE_PAGES} pages each,
   * settings `search.merge` = 'pending' until done, resumed after a restart): the moves' delete markers otherwise
   * stay in it (at 100,000 images: 30,670 index pages after the pass, 7,914 after a rebuild, about 8,000 merged;
   * the bench's search p95 read 14.7 ms before the merge and 9.7 ms after, one run under load 3.5).
   * @param n images moved at most (default 50: a step of 200 took 23 ms at the median and 144 ms at p99 at
   *   100,000 images under load 6, too long for a gallery call to wait behind)
   * @returns true while there is more to do
   */
  reorderStep(n = 50): boolean {
    this.checkRebuild();
    if (this.rebuildState()) return this.rebuildStep();
    if (this.settings.get('search.merge') === 'pending') {
      // The pass is over; its moves left delete markers through the index: merge them away, a little at a time.
      if (this.repo.mergeStep(MERGE_PAGES)) return true;
      this.settings.set('search.merge', null);
      return false;
    }
    if (this.docOrdered) return false;
    this.refresh();
    if (this.docOrdered || this.settings.get('search.reorder') === 'given-up' || !this.repo.hasDocuments()) return false;
    let more = true;
    this.db.transaction(() => {
      const start = this.repo.maxDocId() + this.gap;
      const st = this.reorderState() ?? { base: start, next: start, after: null, broken: false, pass: 1 };
      const rows = this.repo.docsInCreationOrder(st.after, n);
      if (rows.length === 0) {
        more = false;
        if (!st.broken) {
          this.saveReorder(null);
          this.setDocOrdered(true);
          // Only after a pass that moved rows (not for a library found in order at once).
          if (st.after !== null) {
            this.settings.set('search.merge', 'pending');
            more = true;
          }
        } else if (st.pass >= 3) this.saveReorder('given-up');
        else {
          this.saveReorder({ base: start, next: start, after: null, broken: false, pass: st.pass + 1 });
          more = true;
        }
        return;
      }
      for (const [createdAt, id, doc] of rows) {
        this.repo.moveDocument(doc, st.next);
        this.assets.setDocId(id, st.next);
        st.next += this.gap;
        st.after = [createdAt, id];
      }
      this.saveReorder(st);
    })();
    return more;
  }

  /**
   * Runs {@link SearchService.reorderStep} in the background until the rows are in order: `pauseMs` (default 20)
   * for the calls that wait, then a step (100,000 images moved in 15 s of steps; a million, about ten minutes with
   * the pauses). Nothing to do for a library in order.
   * @returns `done` (settles when it ends) and `stop()` (ends it after the current step)
   */
  reorderInBackground(opts: { n?: number; pauseMs?: number } = {}): { done: Promise<void>; stop(): Promise<void> } {
    let stopped = false;
    let wake: (() => void) | null = null;
    const done = (async () => {
      // The first step waits too: opening the library is not held up by it.
      for (;;) {
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, opts.pauseMs ?? 20).unref?.();
        });
        if (stopped || !this.reorderStep(opts.n)) return;
      }
    })().catch(() => undefined);
    return {
      done,
      stop: async () => {
        stopped = true;
        wake?.();
        await done;
      },
    };
  }

  private setDocOrdered(ordered: boolean): void {
    this.settings.set('search.docOrder', ordered ? 'created' : 'none');
    this.docOrdered = ordered;
  }

  private indexOne(id: string): void {
    const repo = this.repo;
    const src = repo.documentSource(id);
    const doc = repo.docOfAsset(id);
    if (!src) {
      if (doc !== undefined) repo.deleteDocument(doc);
    } else {
      const { body, meta } = this.documentOf(id, src)!;
      let docId: number;
      if (doc !== undefined) {
        docId = doc;
        repo.updateDocument(docId, body, meta);
      } else {
        const key = repo.keyOf(id);
        const rebuilding = this.rebuildState();
        if (rebuilding && (rebuilding.after === null || compareDocKeys(key, rebuilding.after) > 0)) {
          // The background rebuild has yet to reach it: its walk writes the row, in order.
          repo.markClean(id);
          return;
        }
        let slot = this.docOrdered ? repo.slotFor(key, this.gap) : null;
        if (slot === null) {
          if (this.docOrdered) this.setDocOrdered(false);
          const pass = this.reorderState();
          if (pass) {
            // During a re-ordering pass: above the pass's rows (it moves this one too when it gets to its key),
            // unless the pass is already past its key.
            slot = Math.max(repo.maxDocId(), pass.base + REORDER_ASIDE) + this.gap;
            if (pass.after && compareDocKeys(key, pass.after) <= 0) {
              this.saveReorder({ ...pass, broken: true });
            }
          } else slot = repo.nextDocId(this.gap);
        }
        docId = repo.insertDoc(id, slot);
        repo.insertText(docId, body, meta);
      }
      // The image's own copy of its row id in the index (migration 0009), which text conditions join on.
      if (src.doc_id !== docId) this.assets.setDocId(id, docId);
    }
    repo.markClean(id);
  }

  private descendants(folderId: string): string[] {
    return this.repo.descendants(folderId);
  }

  /** Whether the library has batch rows (migration 0016); read once. */
  private hasBatchRows: boolean | undefined;

  /** The values of the batch row that made asset `id` (issue 13: searchable like its prompt); [] outside a batch. */
  private batchValues(id: string): string[] {
    this.hasBatchRows ??= this.repo.hasBatchRowsTable();
    if (!this.hasBatchRows) return [];
    const vars = this.repo.batchVarsOf(id);
    return vars !== undefined ? Object.values(JSON.parse(vars) as Record<string, string>) : [];
  }
}

/** Whether a query built as `b` reads the full-text index (text, tags and the filters it carries, migration 0017). */
function readsIndex(b: BuiltWhere): boolean {
  return [b.where, b.pageWhere, b.countWhere, b.countFrom, b.narrowFrom ?? ''].some((sql) => sql.includes('search_fts'));
}

/** Whether the listing of `q` shows stacks as their covers (never in the trash). */
function collapsesStacks(q: Pick<ParsedQuery, 'scope' | 'collapseStacks'>): boolean {
  return q.collapseStacks === true && q.scope.kind !== 'trash';
}

function addFilters(f: AssetFilters, conds: string[], params: unknown[]): void {
  const inList = (col: string, values: readonly unknown[]): void => {
    conds.push(`${col} IN (${values.map(() => '?').join(', ')})`);
    params.push(...values);
  };
  const crossed = (field: string, lo: number | null | undefined, hi: number | null | undefined): void => {
    if (lo != null && hi != null && lo > hi) {
      throw new AppError('validation', `filters.${field}: the lower bound is above the upper bound`, {
        params: { field: `filters.${field}`, reason: 'crossed_range' },
      });
    }
  };
  crossed('from', f.from, f.to);
  crossed('minRating', f.minRating, f.maxRating);
  crossed('minCostUsd', f.minCostUsd, f.maxCostUsd);
  if (f.providers?.length) inList('a.provider', f.providers);
  if (f.models?.length) inList('a.model', f.models);
  if (f.from != null) {
    conds.push('a.created_at >= ?');
    params.push(f.from);
  }
  if (f.to != null) {
    conds.push('a.created_at <= ?');
    params.push(f.to);
  }
  if (f.minRating != null && f.minRating > 0) {
    conds.push('a.rating >= ?');
    params.push(f.minRating);
  }
  if (f.maxRating != null && f.maxRating < 5) {
    conds.push('a.rating <= ?');
    params.push(f.maxRating);
  }
  if (f.flags?.length) inList('a.flag', f.flags);
  if (f.minCostUsd != null) {
    conds.push('a.cost_usd >= ?');
    params.push(f.minCostUsd);
  }
  if (f.maxCostUsd != null) {
    conds.push('a.cost_usd <= ?');
    params.push(f.maxCostUsd);
  }
  if (f.kinds?.length) inList('a.kind', f.kinds);
  if (f.hasReferences != null) {
    conds.push('a.has_refs = ?');
    params.push(f.hasReferences ? 1 : 0);
  }
  if (f.hasContentCredentials != null) {
    // blob_credentials (migration 0015): one row per blob read, state 'none' when it carries no manifest.
    const present = "a.blob_id IN (SELECT blob_id FROM blob_credentials WHERE state <> 'none')";
    conds.push(f.hasContentCredentials ? present : `NOT ${present}`);
  }
  const tags = f.tags ?? [];
  if (tags.length) {
    // Every tag (AND): one id set, the images with the first tag joined on (tag, image) to each other tag's, so
    // only the intersection is built (two tags of 37,000 images each at 1M: 9 ms instead of 120 probing two sets).
    const joins = tags
      .slice(1)
      .map((_, i) => ` CROSS JOIN asset_tags t${i + 1} ON t${i + 1}.asset_id = t0.asset_id AND t${i + 1}.tag_id = (SELECT id FROM tags WHERE key = ?)`)
      .join('');
    conds.push(`a.id IN (SELECT t0.asset_id FROM asset_tags t0${joins} WHERE t0.tag_id = (SELECT id FROM tags WHERE key = ?))`);
    params.push(...tags.slice(1).map(tagKey), tagKey(tags[0]!));
  }
  if (f.anyTags?.length) {
    // Matched on the tag's folded key (case, width and accents folded, as autocomplete matches).
    const keys = [...new Set(f.anyTags.map((tag) => foldLatin(tagKey(tag))))];
    conds.push(
      `a.id IN (SELECT at.asset_id FROM asset_tags at JOIN tags t ON t.id = at.tag_id WHERE t.fold IN (${keys.map(() => '?').join(', ')}))`,
    );
    params.push(...keys);
  }
}

function orderOf(sort: SortKey, dir: SortDir): { order: string; keyCols: string[] } {
  const d = dir === 'desc' ? 'DESC' : 'ASC';
  const keyCols = sort === 'date' ? ['a.created_at', 'a.id'] : [SORT_EXPR[sort], 'a.created_at', 'a.id'];
  return { order: keyCols.map((c) => `${c} ${d}`).join(', '), keyCols };
}

function cursorValues(sort: SortKey, r: Row): (string | number)[] {
  switch (sort) {
    case 'date':
      return [r.created_at, r.id];
    case 'rating':
      return [r.rating, r.created_at, r.id];
    case 'cost':
      return [r.cost_key, r.created_at, r.id];
    case 'name':
      return [r.sort_name, r.created_at, r.id];
  }
}

/** Cursor: base64url of `[sort, dir, total, ...key values of the page's last row]`. */
function encodeCursor(sort: SortKey, dir: SortDir, values: (string | number)[], total: number): string {
  return Buffer.from(JSON.stringify([sort, dir, total, ...values]), 'utf8').toString('base64url');
}

function decodeCursor(cursor: string, sort: SortKey, dir: SortDir): { values: (string | number)[]; total: number } {
  const bad = (reason: string): AppError =>
    new AppError('validation', `the page cursor is not valid (${reason})`, { params: { field: 'cursor', reason } });
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw bad('invalid');
  }
  if (!Array.isArray(value) || value.length < 5) throw bad('invalid');
  if (value[0] !== sort || value[1] !== dir) throw bad('other_sort');
  const total = value[2] as unknown;
  if (!Number.isSafeInteger(total) || (total as number) < 0) throw bad('invalid');
  const rest = value.slice(3) as unknown[];
  const n = sort === 'date' ? 2 : 3;
  if (rest.length !== n || !rest.every((v) => typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v)))) {
    throw bad('invalid');
  }
  return { values: rest as (string | number)[], total: total as number };
}

function parseSaved(json: string): SavedQuery {
  try {
    return SavedQuerySchema.parse(JSON.parse(json));
  } catch (err) {
    throw new AppError('validation', 'the saved search cannot be read', { params: { field: 'scope', reason: 'invalid' }, cause: err });
  }
}

function toItem(r: Row): AssetListItem {
  return {
    id: r.id,
    folderId: r.folder_id,
    kind: r.kind,
    blob: { id: r.blob_id, mime: r.mime, width: r.width, height: r.height, bytes: r.bytes },
    provider: (PROVIDER_IDS as readonly string[]).includes(r.provider ?? '') ? (r.provider as ProviderId) : null,
    model: (MODEL_IDS as readonly string[]).includes(r.model ?? '') ? (r.model as ModelId) : null,
    prompt: r.prompt,
    createdAt: r.created_at,
    title: r.title,
    rating: r.rating,
    flag: r.flag,
    deletedAt: r.deleted_at,
    stackId: r.stack_id,
    originalName: r.original_name,
  };
}
