/**
 * The search index's row order in tests (the date-ordered plans hold only while `search_docs.doc_id` follows the
 * images' creation order): read it, and break it the way a library indexed before commit 50ff5db has it broken.
 */
import type { Db } from '../../src/main/services/library/db';
import { compareDocKeys, SearchRepository } from '../../src/main/services/repositories/search';

/** Whether the index's rows, read by row id, are in creation order (created_at, id), trashed images included. */
export function rowsInOrder(db: Db): boolean {
  const keys = db.prepare('SELECT a.created_at, a.id FROM search_docs d JOIN assets a ON a.id = d.asset_id ORDER BY d.doc_id').raw().all() as [number, string][];
  return keys.every((k, i) => i === 0 || compareDocKeys(keys[i - 1]!, k) < 0);
}

/** `search.docOrder` in settings ('created', 'none', or undefined before anything set it). */
export function docOrderFlag(db: Db): unknown {
  return db.prepare("SELECT value FROM settings WHERE key = 'search.docOrder'").pluck().get();
}

/**
 * Moves every image's index row above the rest in the order of `ids` (not by date), and sets the flag to 'none':
 * the rows of an old library indexed as its images came. Each of `ids` must have a row already.
 */
export function scrambleIndexRows(db: Db, ids: readonly string[]): void {
  const repo = new SearchRepository(db);
  let top = repo.maxDocId();
  for (const id of ids) {
    const doc = db.prepare('SELECT doc_id FROM assets WHERE id = ?').pluck().get(id) as number;
    repo.moveDocument(doc, ++top);
    db.prepare('UPDATE assets SET doc_id = ? WHERE id = ?').run(top, id);
  }
  db.prepare("INSERT INTO settings (key, value) VALUES ('search.docOrder', 'none') ON CONFLICT(key) DO UPDATE SET value = 'none'").run();
}
