/**
 * Reference kits (issue 13): a named, reusable set of reference images (a character, a product, a logo), made from
 * images in the library or from files staged with `references.stage`, added to the composer in one action. A kit is
 * "used in" the generations whose reference images include every image of the kit (counted from the jobs' own
 * references, so batch rows, edits and jobs made before the kit count too, and nothing on a job has to change).
 * Calls and events are spread into `contract` / `events` in ../contract.ts.
 */
import { z } from 'zod';
import { BlobId, Id, StagedReference } from '../domain';
import { LIMITS } from '../limits';

/** Longest kit name, in UTF-16 units. */
export const MAX_KIT_NAME = 200;
/** Most images one kit holds (the most references any model takes). */
export const MAX_KIT_ITEMS = LIMITS.references;

const KitName = z.string().max(MAX_KIT_NAME);

/** A kit as listed: its images (blob and name, ready to stage) and how many generations used it. */
export const KitView = z.object({
  id: Id,
  name: z.string(),
  createdAt: z.number(),
  items: z.array(StagedReference),
  /** Jobs whose references include every image of the kit. */
  usedIn: z.number().int(),
});
/** A parsed {@link KitView}. */
export type KitView = z.infer<typeof KitView>;

export const kitCalls = {
  /** Every kit, by name. */
  'kits.list': { input: z.object({}).strict(), output: z.array(KitView) },
  /**
   * Makes a kit from images in the library (`assetIds`, in order) or from staged files (`items`: blob ids from
   * `references.stage` with their names); 1 to {@link MAX_KIT_ITEMS} images, the same image once.
   * @throws AppError `validation` (`field` `name` reason `empty`; `field` `items` reason `empty` or `too_many`);
   *   `not_found` for an unknown image or blob; nothing is created
   */
  'kits.create': {
    input: z
      .object({
        name: KitName,
        assetIds: z.array(Id).max(MAX_KIT_ITEMS).optional(),
        items: z.array(z.object({ blobId: BlobId, name: z.string().max(LIMITS.fileName) })).max(MAX_KIT_ITEMS).optional(),
      })
      .strict(),
    output: KitView,
  },
  /** @throws AppError `validation` (`name` empty), `not_found` */
  'kits.rename': { input: z.object({ id: Id, name: KitName }).strict(), output: KitView },
  /** Deletes a kit; its images stay in the library. @throws AppError `not_found` */
  'kits.delete': { input: z.object({ id: Id }).strict(), output: z.object({ ok: z.literal(true) }) },
  /** The images made by the generations that used the kit (not in the trash), newest first, at most 500. @throws AppError `not_found` */
  'kits.images': {
    input: z.object({ id: Id }).strict(),
    output: z.array(z.object({ assetId: Id, blobId: BlobId, prompt: z.string().nullable() })),
  },
} as const;

export const kitEvents = {
  /** A kit was made, renamed or deleted. */
  'kits.changed': z.object({}),
} as const;
