/**
 * Collections: a manual collection is a named set of references to assets (an image can be in many; no bytes
 * are copied); a smart collection is a saved search, re-evaluated every time it is listed or opened, so it stays
 * live as images are made, tagged, rated, moved or trashed.
 */
import { randomUUID } from 'node:crypto';
import type { Collection, SavedQuery } from '@shared/organise';
import { AppError } from '@shared/errors';
import type { Db } from './db';
import type { SearchService } from './search';
import { CollectionsRepository, type CollectionRow as Row } from '../repositories/collections';

/** Construction options of {@link CollectionService}. */
export interface CollectionServiceOptions {
  now?: () => number;
}

/**
 * Normalises a collection name (NFC, trimmed).
 * @throws AppError `validation` (`field: 'name'`; reason `empty`, `too_long` over 200, `control_characters`)
 */
export function cleanCollectionName(raw: string): string {
  const name = String(raw).normalize('NFC').trim();
  const fail = (reason: string): never => {
    throw new AppError('validation', `collection name: ${reason}`, { params: { field: 'name', reason } });
  };
  if (!name) fail('empty');
  if (/\p{Cc}/u.test(name)) fail('control_characters');
  if ([...name].length > 200) fail('too_long');
  return name;
}

/** Collections and smart collections. Synchronous (better-sqlite3). */
export class CollectionService {
  private readonly db: Db;
  private readonly repo: CollectionsRepository;
  private readonly search: SearchService;
  private readonly now: () => number;

  constructor(db: Db, search: SearchService, opts: CollectionServiceOptions = {}) {
    this.db = db;
    this.repo = new CollectionsRepository(db);
    this.search = search;
    this.now = opts.now ?? Date.now;
  }

  /** Every collection in creation order, each with its current count (images outside the trash). */
  list(): Collection[] {
    return this.repo.list().map((r) => this.toCollection(r));
  }

  /**
   * One collection with its current count.
   * @throws AppError `not_found` for an unknown id
   */
  get(id: string): Collection {
    return this.toCollection(this.row(id));
  }

  /**
   * Creates a manual collection (`query` null) holding `assetIds`, or a smart collection (a saved search; then
   * `assetIds` must be empty).
   * @throws AppError `validation` (`name`: see {@link cleanCollectionName}; `assetIds`: `smart_has_members`;
   *   `query.filters.*`: crossed ranges); `not_found` for an unknown asset or a folder the search names
   */
  create(name: string, query: SavedQuery | null, assetIds: readonly string[] = []): Collection {
    const clean = cleanCollectionName(name);
    if (query && assetIds.length > 0) {
      throw new AppError('validation', 'a smart collection has no fixed members', { params: { field: 'assetIds', reason: 'smart_has_members' } });
    }
    if (query) this.search.where(query); // refuses a bad search before it is saved
    const id = randomUUID();
    this.db.transaction(() => {
      this.repo.insert(id, clean, query ? JSON.stringify(query) : null, this.now());
      if (assetIds.length) this.addIn(id, assetIds);
    })();
    return this.get(id);
  }

  /**
   * Renames a collection and/or replaces a smart collection's search.
   * @throws AppError `validation` (`name`; `query`: `not_smart` for a manual collection); `not_found`
   */
  update(id: string, patch: { name?: string | undefined; query?: SavedQuery | undefined }): Collection {
    const row = this.row(id);
    const name = patch.name !== undefined ? cleanCollectionName(patch.name) : row.name;
    if (patch.query && row.query === null) {
      throw new AppError('validation', 'a manual collection has no search', { params: { field: 'query', reason: 'not_smart' } });
    }
    if (patch.query) this.search.where(patch.query);
    const query = patch.query ? JSON.stringify(patch.query) : row.query;
    this.repo.update(id, name, query);
    return this.get(id);
  }

  /**
   * Deletes a collection (its images stay).
   * @throws AppError `not_found`
   */
  delete(id: string): void {
    if (!this.repo.delete(id)) throw notFound(id);
  }

  /**
   * Adds images to a manual collection (those already in it stay once).
   * @throws AppError `validation` (`id`: `smart` for a smart collection); `not_found` for an unknown collection
   *   or any unknown asset (nothing changes)
   */
  add(id: string, assetIds: readonly string[]): Collection {
    this.db.transaction(() => {
      this.requireManual(id);
      this.addIn(id, assetIds);
    })();
    return this.get(id);
  }

  /**
   * Removes images from a manual collection (the images themselves stay).
   * @throws AppError `validation` (`id`: `smart`); `not_found` for an unknown collection
   */
  remove(id: string, assetIds: readonly string[]): Collection {
    this.db.transaction(() => {
      this.requireManual(id);
      for (const a of assetIds) this.repo.removeItem(id, a);
    })();
    return this.get(id);
  }

  // -------------------------------------------------------------------------------------------------------------

  private addIn(id: string, assetIds: readonly string[]): void {
    for (const a of assetIds) {
      if (!this.repo.assetExists(a)) throw new AppError('not_found', `no asset with id ${a}`, { params: { id: a } });
    }
    const now = this.now();
    for (const a of assetIds) this.repo.addItem(id, a, now);
  }

  private requireManual(id: string): void {
    if (this.row(id).query !== null) {
      throw new AppError('validation', 'images cannot be added to or removed from a smart collection', {
        params: { field: 'id', reason: 'smart' },
      });
    }
  }

  private row(id: string): Row {
    const row = this.repo.byId(id);
    if (!row) throw notFound(id);
    return row;
  }

  private toCollection(r: Row): Collection {
    let query: SavedQuery | null = null;
    let count = 0;
    try {
      query = r.query ? (JSON.parse(r.query) as SavedQuery) : null;
      count = this.search.count({ scope: { kind: 'collection', collectionId: r.id }, text: '', filters: {}, sort: 'date', dir: 'desc' });
    } catch {
      // A smart collection whose folder was deleted: it lists as empty rather than break the sidebar.
    }
    return { id: r.id, name: r.name, query, count, createdAt: r.created_at };
  }
}

function notFound(id: string): AppError {
  return new AppError('not_found', `no collection with id ${id}`, { params: { id } });
}
