/**
 * Organising images: title, note, rating, flag and tags per image, in bulk; move and copy between folders (a copy
 * is a new asset row pointing at the same blob, so bytes are never duplicated); trash and restore.
 *
 * Every bulk method validates all of its input and checks every id before it changes anything, and runs in one
 * transaction: bad input changes nothing.
 */
import { randomUUID } from 'node:crypto';
import { MAX_NOTE_LENGTH, MAX_TAG_LENGTH, MAX_TITLE_LENGTH, type AssetMeta, type AssetPatch, type ModelCount, type TagCount } from '@shared/organise';
import { AppError } from '@shared/errors';
import { AssetsRepository, type AssetMetaPatch } from '../repositories/assets';
import { FoldersRepository } from '../repositories/folders';
import type { Db } from './db';
import { restoreFolderPath } from './folders';
import { foldLatin, tagKey } from './search-text';

/** Construction options of {@link OrganiseService}. */
export interface OrganiseServiceOptions {
  /** Clock for `deleted_at` and copies' `created_at`, epoch ms. Defaults to `Date.now`. */
  now?: () => number;
}

const invalid = (field: string, reason: string, message: string): AppError =>
  new AppError('validation', message, { params: { field, reason } });

/**
 * Cleans a tag as typed: NFC, trimmed, inner white space collapsed.
 * @throws AppError `validation` (`field` as given; reason `empty`, `too_long`, `control_characters`)
 */
export function cleanTag(raw: string, field = 'tags'): string {
  const name = String(raw).normalize('NFC').trim().replace(/\s+/g, ' ');
  if (!name) throw invalid(field, 'empty', 'a tag is empty');
  if (/\p{Cc}/u.test(name)) throw invalid(field, 'control_characters', `tag "${name}" contains control characters`);
  if ([...name].length > MAX_TAG_LENGTH) throw invalid(field, 'too_long', `tag "${name}" is longer than ${MAX_TAG_LENGTH} characters`);
  return name;
}

/** C0/C1 control characters other than tab and line breaks. */
function isControlInNote(ch: string): boolean {
  const c = ch.codePointAt(0) ?? 0;
  return (c < 32 && c !== 9 && c !== 10 && c !== 13) || (c >= 127 && c <= 159);
}

function cleanText(value: string | null | undefined, field: 'title' | 'note', max: number): string | null | undefined {
  if (value === undefined || value === null) return value;
  const text = value.normalize('NFC').trim();
  if (field === 'title' && /\p{Cc}/u.test(text)) throw invalid('patch.title', 'control_characters', 'the title contains control characters');
  if (field === 'note' && [...text].some(isControlInNote)) throw invalid('patch.note', 'control_characters', 'the note contains control characters');
  if ([...text].length > max) throw invalid(`patch.${field}`, 'too_long', `the ${field} is longer than ${max} characters`);
  return text === '' ? null : text;
}

/** Per-image organising and bulk actions. Synchronous (better-sqlite3). */
export class OrganiseService {
  private readonly db: Db;
  private readonly assets: AssetsRepository;
  private readonly folders: FoldersRepository;
  private readonly now: () => number;

  /** @param db the library database (migrated) */
  constructor(db: Db, opts: OrganiseServiceOptions = {}) {
    this.db = db;
    this.assets = AssetsRepository.of(db);
    this.folders = FoldersRepository.of(db);
    this.now = opts.now ?? Date.now;
  }

  /**
   * Title, note, rating, flag, tags (display names, sorted) and manual collections of one image.
   * @throws AppError `not_found` for an unknown id
   */
  meta(id: string): AssetMeta {
    const row = this.assets.meta(id);
    if (!row) throw new AppError('not_found', `no asset with id ${id}`, { params: { id } });
    const tags = this.assets.tagNamesOf(id);
    const collectionIds = this.assets.collectionIdsOf(id);
    return { id, title: row.title, note: row.note, rating: row.rating, flag: row.flag, tags, collectionIds, deletedAt: row.deleted_at };
  }

  /**
   * Applies `patch` (title / note: trimmed, empty clears; rating 0–5; flag -1/0/1) to every id.
   * @returns how many images were updated
   * @throws AppError `validation` (`patch.title`/`patch.note`: `too_long`, `control_characters`; `patch`: `empty`);
   *   `not_found` when any id is unknown (nothing changes)
   */
  update(ids: readonly string[], patch: AssetPatch): number {
    const title = cleanText(patch.title, 'title', MAX_TITLE_LENGTH);
    const note = cleanText(patch.note, 'note', MAX_NOTE_LENGTH);
    const fields: AssetMetaPatch = {};
    if (title !== undefined) fields.title = title;
    if (note !== undefined) fields.note = note;
    if (patch.rating !== undefined) fields.rating = patch.rating;
    if (patch.flag !== undefined) fields.flag = patch.flag;
    if (Object.keys(fields).length === 0) throw invalid('patch', 'empty', 'nothing to change');
    return this.db.transaction(() => {
      this.requireAll(ids);
      for (const id of ids) this.assets.setMeta(id, fields);
      return ids.length;
    })();
  }

  /**
   * Adds and removes tags on every id; a tag is created on first use, and one differing only in case, width or
   * white space from an existing tag is that tag (its first spelling is kept).
   * @returns how many images were given
   * @throws AppError `validation` (`add`/`remove`: see {@link cleanTag}; `add`: `empty` when both lists are empty);
   *   `not_found` when any id is unknown (nothing changes)
   */
  tag(ids: readonly string[], add: readonly string[], remove: readonly string[]): number {
    const adds = [...new Map(add.map((t) => cleanTag(t, 'add')).map((n) => [tagKey(n), n])).entries()];
    const removes = [...new Set(remove.map((t) => tagKey(cleanTag(t, 'remove'))))];
    if (adds.length === 0 && removes.length === 0) throw invalid('add', 'empty', 'no tag to add or remove');
    const tags = this.assets;
    return this.db.transaction(() => {
      this.requireAll(ids);
      const addIds = adds.map(([key, name]) => tags.tagIdByKey(key) ?? tags.insertTag(name, key, foldLatin(key)));
      const removeIds = removes.map((key) => tags.tagIdByKey(key)).filter((x): x is number => x !== undefined);
      for (const id of ids) {
        for (const t of addIds) tags.addTag(id, t);
        for (const t of removeIds) tags.removeTag(id, t);
      }
      // Tags no image carries any more are forgotten (autocomplete stops offering them).
      if (removeIds.length > 0) tags.deleteUnusedTags();
      return ids.length;
    })();
  }

  /**
   * Tags starting with `prefix` (after case, width and Latin-accent folding), most used first, with the number of
   * images outside the trash carrying them; an empty prefix gives the most used tags.
   * @param limit at most this many, 1–50
   */
  suggest(prefix: string, limit: number): TagCount[] {
    const p = foldLatin(tagKey(prefix));
    return this.assets.tagsInFoldRange(p, p + '\u{10FFFF}', limit);
  }

  /**
   * The models that made the library's live images (imported images without a model left out), most used first:
   * the filter panel's model choices.
   */
  models(): ModelCount[] {
    return this.assets.models();
  }

  /**
   * Moves images to `folderId`.
   * @returns how many were moved
   * @throws AppError `not_found` for an unknown folder or any unknown id (nothing changes)
   */
  move(ids: readonly string[], folderId: string): number {
    return this.db.transaction(() => {
      this.requireFolder(folderId);
      this.requireAll(ids);
      for (const id of ids) this.assets.moveToFolder(id, folderId);
      return ids.length;
    })();
  }

  /**
   * Copies images to `folderId`: each copy is a new asset pointing at the same blob (no bytes are copied), with the
   * same job (recipe), kind, title, note, rating, flag, tags and original file name (so it is found, and exported,
   * by that name too); `output_index` is left empty so that the job's own
   * outputs stay unique. Copies of one call share one `created_at` (now).
   * @returns the new asset ids, in the order given
   * @throws AppError `not_found` for an unknown folder or any unknown id (nothing changes)
   */
  copy(ids: readonly string[], folderId: string): string[] {
    const now = this.now();
    return this.db.transaction(() => {
      this.requireFolder(folderId);
      this.requireAll(ids);
      return ids.map((id) => {
        const copyId = randomUUID();
        this.assets.insertCopy(copyId, id, folderId, now);
        return copyId;
      });
    })();
  }

  /**
   * Moves images to the trash (`deleted_at` = now); images already there keep their time.
   * @returns how many were moved there by this call
   * @throws AppError `not_found` when any id is unknown (nothing changes)
   */
  trash(ids: readonly string[]): number {
    const now = this.now();
    return this.db.transaction(() => {
      this.requireAll(ids);
      let n = 0;
      for (const id of ids) if (this.assets.trash(id, now)) n++;
      return n;
    })();
  }

  /**
   * Takes images out of the trash, back into the folder they were in. When that folder was deleted (with the
   * images in it), its path is brought back: the same folders, by name and nesting, reusing a live folder of the
   * same name at the same place ({@link restoreFolderPath}).
   * @returns how many were restored
   * @throws AppError `not_found` when any id is unknown (nothing changes)
   */
  restore(ids: readonly string[]): number {
    return this.db.transaction(() => {
      this.requireAll(ids);
      const folders = new Map<string, string>();
      let n = 0;
      for (const id of ids) {
        const r = this.assets.placeOf(id)!;
        if (r.deleted_at === null) continue;
        if (this.assets.restore(id, restoreFolderPath(this.db, r.folder_id, folders))) n++;
      }
      return n;
    })();
  }

  /** Folders of the given assets (for events and counts). */
  foldersOf(ids: readonly string[]): string[] {
    return [...new Set(ids.map((id) => this.assets.folderOf(id)).filter((x): x is string => !!x))];
  }

  // -------------------------------------------------------------------------------------------------------------

  private requireAll(ids: readonly string[]): void {
    for (const id of ids) {
      if (!this.assets.exists(id)) throw new AppError('not_found', `no asset with id ${id}`, { params: { id } });
    }
  }

  private requireFolder(id: string): void {
    if (!this.folders.isLive(id)) {
      throw new AppError('not_found', `no folder with id ${id}`, { params: { id } });
    }
  }
}
