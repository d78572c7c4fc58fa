/**
 * Domain shapes for organising and finding images (tags, ratings, flags, titles, notes, collections, smart
 * collections, trash, search). Pure zod schemas + inferred types; times are epoch ms (UTC), costs are USD.
 */
import { z } from 'zod';
import { ProviderIdSchema } from './capabilities';
import { AssetKind, AssetSummary, Id } from './domain';
import { LIMITS } from './limits';

/** Longest tag, in characters ({@link LIMITS}). */
export const MAX_TAG_LENGTH = LIMITS.tag;
/** Longest title, in characters. */
export const MAX_TITLE_LENGTH = LIMITS.title;
/** Longest note, in characters. */
export const MAX_NOTE_LENGTH = LIMITS.note;
/** Longest search text, in characters. */
export const MAX_SEARCH_LENGTH = LIMITS.search;
/** Most assets one bulk call may touch (a whole 250k library). */
export const MAX_BULK_IDS = LIMITS.bulkIds;

/** Pick/reject flag: 1 = pick, -1 = reject, 0 = none (Lightroom's P / X / U). */
export const Flag = z.union([z.literal(-1), z.literal(0), z.literal(1)]);
export type Flag = z.infer<typeof Flag>;

/** A rating from 0 (unrated) to 5 stars. */
export const Rating = z.number().int().min(0).max(5);

/** Filters of a search; every one is optional and they combine with AND. */
export const AssetFilters = z
  .object({
    providers: z.array(ProviderIdSchema).max(20).optional(),
    /** Model ids as stored on the job (`gpt-image-2`, `custom:<name>`…). */
    models: z.array(z.string().min(1).max(LIMITS.modelName)).max(50).optional(),
    /** Created at or after / at or before, epoch ms (inclusive). */
    from: z.number().nullable().optional(),
    to: z.number().nullable().optional(),
    minRating: Rating.optional(),
    maxRating: Rating.optional(),
    flags: z.array(Flag).max(3).optional(),
    /** The image's share of its job's charge, USD (images with no known cost never match a cost bound). */
    minCostUsd: z.number().min(0).nullable().optional(),
    maxCostUsd: z.number().min(0).nullable().optional(),
    kinds: z.array(AssetKind).max(3).optional(),
    /** true: made from reference images; false: made without any. */
    hasReferences: z.boolean().nullable().optional(),
    /** true: the file carries C2PA Content Credentials (in any validation state); false: it carries none. */
    hasContentCredentials: z.boolean().nullable().optional(),
    /** Every one of these tags (matched case-, accent- and width-insensitively). */
    tags: z.array(z.string().min(1).max(MAX_TAG_LENGTH)).max(LIMITS.filterTags).optional(),
    /** At least one of these tags (matched like `tags`): the filter panel's tag filter. */
    anyTags: z.array(z.string().min(1).max(MAX_TAG_LENGTH)).max(LIMITS.filterTags).optional(),
  })
  .strict();
export type AssetFilters = z.infer<typeof AssetFilters>;

export const SORT_KEYS = ['date', 'rating', 'cost', 'name'] as const;
export const SortKey = z.enum(SORT_KEYS);
export type SortKey = z.infer<typeof SortKey>;
export const SortDir = z.enum(['asc', 'desc']);
export type SortDir = z.infer<typeof SortDir>;

/** Where a query looks: the whole library, a folder (with its sub-folders when `recursive`), a collection, the trash. */
export const QueryScope = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('library') }).strict(),
  z.object({ kind: z.literal('folder'), folderId: Id, recursive: z.boolean().default(false) }).strict(),
  z.object({ kind: z.literal('collection'), collectionId: Id }).strict(),
  z.object({ kind: z.literal('trash') }).strict(),
]);
export type QueryScope = z.infer<typeof QueryScope>;

/** A search as a smart collection stores it: text, filters and sort, over the library or one folder. */
export const SavedQuery = z
  .object({
    scope: z
      .discriminatedUnion('kind', [
        z.object({ kind: z.literal('library') }).strict(),
        z.object({ kind: z.literal('folder'), folderId: Id, recursive: z.boolean().default(true) }).strict(),
      ])
      .default({ kind: 'library' }),
    text: z.string().max(MAX_SEARCH_LENGTH).default(''),
    filters: AssetFilters.default({}),
    sort: SortKey.default('date'),
    dir: SortDir.default('desc'),
  })
  .strict();
export type SavedQuery = z.infer<typeof SavedQuery>;

/** A query of the gallery: scope, search text (prompts, titles, notes, tags), filters and sort. */
export const AssetQuery = z
  .object({
    scope: QueryScope,
    text: z.string().max(MAX_SEARCH_LENGTH).default(''),
    filters: AssetFilters.default({}),
    sort: SortKey.default('date'),
    dir: SortDir.default('desc'),
    /**
     * Show each stack as its cover only (the gallery's default): members other than the cover are left out while
     * their cover is live, and the cover carries `stackCount`. Ignored in the trash.
     */
    collapseStacks: z.boolean().optional(),
  })
  .strict();
export type AssetQuery = z.infer<typeof AssetQuery>;
export type AssetQueryInput = z.input<typeof AssetQuery>;

/** An asset as the gallery lists it when searching/organising: the summary plus its organising fields. */
export const AssetListItem = AssetSummary.extend({
  title: z.string().nullable(),
  rating: Rating,
  flag: Flag,
  /** When it went to the trash (epoch ms), null when it is not in the trash. */
  deletedAt: z.number().nullable(),
  /** The stack it is in (its cover's id), null or absent when in none. */
  stackId: z.string().nullable().optional(),
  /** On a stack's cover: how many images the stack holds (live ones, the cover included). */
  stackCount: z.number().int().optional(),
});
export type AssetListItem = z.infer<typeof AssetListItem>;

/** What the inspector edits on one asset. */
export const AssetMeta = z.object({
  id: Id,
  title: z.string().nullable(),
  note: z.string().nullable(),
  rating: Rating,
  flag: Flag,
  /** Display names, sorted. */
  tags: z.array(z.string()),
  /** Ids of the (manual) collections holding it. */
  collectionIds: z.array(Id),
  deletedAt: z.number().nullable(),
});
export type AssetMeta = z.infer<typeof AssetMeta>;

/** A model present in the library: its provider and model id (as stored on the job) and its live images. */
export const ModelCount = z.object({ provider: z.string(), model: z.string(), count: z.number().int() });
export type ModelCount = z.infer<typeof ModelCount>;

/** A tag with the number of images (not in the trash) carrying it. */
export const TagCount = z.object({ name: z.string(), count: z.number().int() });
export type TagCount = z.infer<typeof TagCount>;

/** A collection: a named set of asset references (manual), or a saved search (smart, `query` set). */
export const Collection = z.object({
  id: Id,
  name: z.string(),
  /** Null for a manual collection; the saved search for a smart one. */
  query: SavedQuery.nullable(),
  /** Images in it now (not in the trash); a smart collection's is re-evaluated on every list. */
  count: z.number().int(),
  createdAt: z.number(),
});
export type Collection = z.infer<typeof Collection>;

/** Patch of the organising fields applied to every asset of a bulk call (absent = unchanged). */
export const AssetPatch = z
  .object({
    title: z.string().max(MAX_TITLE_LENGTH).nullable().optional(),
    note: z.string().max(MAX_NOTE_LENGTH).nullable().optional(),
    rating: Rating.optional(),
    flag: Flag.optional(),
  })
  .strict();
export type AssetPatch = z.infer<typeof AssetPatch>;
