/**
 * Contract calls and events for organising and finding images: per-image fields, tags, bulk actions, move/copy,
 * search with filters and sort, collections and smart collections, trash. Spread into `contract` and `events` in
 * src/shared/contract.ts.
 */
import { z } from 'zod';
import { Id } from '../domain';
import {
  AssetListItem,
  AssetMeta,
  AssetPatch,
  AssetQuery,
  Collection,
  MAX_BULK_IDS,
  MAX_TAG_LENGTH,
  ModelCount,
  SavedQuery,
  TagCount,
} from '../organise';
import { LIMITS } from '../limits';

const Ids = z.array(Id).min(1).max(MAX_BULK_IDS);
const Count = z.number().int();
const TagList = z.array(z.string().max(MAX_TAG_LENGTH)).max(LIMITS.tagsPerCall);
const CollectionName = z.string().max(LIMITS.name);

export const organiseCalls = {
  /** One page of a search over a scope (folder, library, collection, trash), keyset-paginated. */
  'assets.query': {
    input: AssetQuery.extend({
      limit: z.number().int().min(1).max(1000).default(200),
      /** Opaque cursor from the previous page (only valid for the same query). */
      cursor: z.string().max(LIMITS.cursor).nullable().default(null),
    }).strict(),
    /**
     * `total`: every match, exactly up to 10,000; `totalCapped` true when there are more (then `total` is 10,000 and
     * the count is shown as "10,000+"). `indexing`: present while the search index is built again in the background
     * and the query reads it (images indexed of those to index); matches among the rest are not shown yet.
     */
    output: z.object({
      items: z.array(AssetListItem),
      nextCursor: z.string().nullable(),
      total: Count,
      totalCapped: z.boolean(),
      indexing: z.object({ done: Count, total: Count }).optional(),
    }),
  },
  /** Every id a query matches, in its order (select all); at most 250,000. */
  'assets.ids': { input: AssetQuery, output: z.object({ ids: z.array(Id) }) },
  /** Title, note, rating, flag, tags and collections of one image. */
  'assets.meta': { input: z.object({ id: Id }).strict(), output: AssetMeta },
  /** Sets title / note / rating / flag on every image given. */
  'assets.update': { input: z.object({ ids: Ids, patch: AssetPatch }).strict(), output: z.object({ updated: Count }) },
  /** Adds and removes tags on every image given (a tag is created on first use). */
  'assets.tag': {
    input: z.object({ ids: Ids, add: TagList.default([]), remove: TagList.default([]) }).strict(),
    output: z.object({ updated: Count }),
  },
  /** Moves images to a folder (or project). */
  'assets.move': { input: z.object({ ids: Ids, folderId: Id }).strict(), output: z.object({ moved: Count }) },
  /** Copies images to a folder: new assets pointing at the same stored bytes (never duplicated). */
  'assets.copy': { input: z.object({ ids: Ids, folderId: Id }).strict(), output: z.object({ assetIds: z.array(Id) }) },
  /** Moves images to the trash (restorable). */
  'assets.trash': { input: z.object({ ids: Ids }).strict(), output: z.object({ trashed: Count }) },
  'assets.restore': { input: z.object({ ids: Ids }).strict(), output: z.object({ restored: Count }) },
  /** Deletes every image in the trash, then the stored files nothing else refers to (the UI confirms first). */
  'trash.empty': {
    input: z.object({}).strict(),
    output: z.object({ deletedAssets: Count, deletedFiles: Count, freedBytes: Count }),
  },
  /** Tags starting with `prefix` (case/accent-insensitive), most used first: the tag field's autocomplete. */
  'tags.suggest': {
    input: z.object({ prefix: z.string().max(MAX_TAG_LENGTH), limit: z.number().int().min(1).max(50).default(10) }).strict(),
    output: z.array(TagCount),
  },
  /** The models that made the library's live images, with their counts, most used first: the model filter. */
  'assets.models': { input: z.object({}).strict(), output: z.array(ModelCount) },
  /** Collections and smart collections with their live counts, and the number of images in the trash. */
  'collections.list': {
    input: z.object({}).strict(),
    output: z.object({ collections: z.array(Collection), trashCount: Count }),
  },
  /** Creates a manual collection (`query` null, optional first members) or a smart collection (a saved search). */
  'collections.create': {
    input: z
      .object({ name: CollectionName, query: SavedQuery.nullable().default(null), assetIds: z.array(Id).max(MAX_BULK_IDS).default([]) })
      .strict(),
    output: Collection,
  },
  'collections.update': {
    input: z.object({ id: Id, name: CollectionName.optional(), query: SavedQuery.optional() }).strict(),
    output: Collection,
  },
  /** Deletes a collection; its images stay in the library. */
  'collections.delete': { input: z.object({ id: Id }).strict(), output: z.object({ ok: z.literal(true) }) },
  'collections.add': { input: z.object({ id: Id, assetIds: Ids }).strict(), output: Collection },
  'collections.remove': { input: z.object({ id: Id, assetIds: Ids }).strict(), output: Collection },
} as const;

/** What changed in the library (besides `asset.created`): enough for views to refresh and counts to update. */
export const LibraryChangeReason = z.enum(['meta', 'tags', 'moved', 'copied', 'trashed', 'restored', 'emptied']);

export const organiseEvents = {
  /** Images changed. `assetIds` lists them when at most 1,000, else it is empty (refresh everything). */
  'library.changed': z.object({ reason: LibraryChangeReason, assetIds: z.array(Id) }),
  /** Collections were created, renamed, deleted or their members changed. */
  'collections.changed': z.object({}),
} as const;
