/**
 * Collections (migration 0003): `collections` (a manual collection has `query` NULL; a smart one holds its saved
 * search as JSON) and `collection_items` (the images of a manual collection, by reference). Validation and the
 * transactions stay in library/collections.ts. Reads also look at `assets` (whether an image exists).
 */
import type { Db } from '../library/db';
import { Statements } from './statements';

/** The tables this repository owns: only it writes them. */
export const OWNS = ['collections', 'collection_items'] as const;

/** A `collections` row (`query` JSON text or null; `created_at` epoch ms). */
export interface CollectionRow {
  id: string;
  name: string;
  query: string | null;
  created_at: number;
}

/** Collections and their members. */
export class CollectionsRepository {
  private readonly st: Statements;

  constructor(db: Db) {
    this.st = new Statements(db);
  }

  /** Every collection in sidebar order (position, then creation). */
  list(): CollectionRow[] {
    return this.st.get('SELECT id, name, query, created_at FROM collections ORDER BY position, created_at').all() as CollectionRow[];
  }

  /** One collection's row, or null. */
  byId(id: string): CollectionRow | null {
    return (this.st.get('SELECT id, name, query, created_at FROM collections WHERE id = ?').get(id) as CollectionRow | undefined) ?? null;
  }

  /** Inserts a collection after the last one (`query` JSON text, null for a manual collection). */
  insert(id: string, name: string, query: string | null, createdAt: number): void {
    const pos = (this.st.get('SELECT coalesce(max(position), -1) + 1 FROM collections').pluck().get() as number) ?? 0;
    this.st.get('INSERT INTO collections (id, name, query, position, created_at) VALUES (?, ?, ?, ?, ?)').run(id, name, query, pos, createdAt);
  }

  /** Sets a collection's name and saved search. */
  update(id: string, name: string, query: string | null): void {
    this.st.get('UPDATE collections SET name = ?, query = ? WHERE id = ?').run(name, query, id);
  }

  /** Deletes a collection (its items go with it, by foreign key). @returns false when there was none */
  delete(id: string): boolean {
    return this.st.get('DELETE FROM collections WHERE id = ?').run(id).changes > 0;
  }

  /** Whether an image with this id exists (in the trash or not). */
  assetExists(assetId: string): boolean {
    return this.st.get('SELECT 1 FROM assets WHERE id = ?').get(assetId) !== undefined;
  }

  /** Adds an image to a manual collection at `addedAt` (epoch ms); one already in it stays as it was. */
  addItem(collectionId: string, assetId: string, addedAt: number): void {
    this.st.get('INSERT OR IGNORE INTO collection_items (collection_id, asset_id, added_at) VALUES (?, ?, ?)').run(collectionId, assetId, addedAt);
  }

  /** Takes an image out of a collection (nothing happens where it was not in it). */
  removeItem(collectionId: string, assetId: string): void {
    this.st.get('DELETE FROM collection_items WHERE collection_id = ? AND asset_id = ?').run(collectionId, assetId);
  }
}
