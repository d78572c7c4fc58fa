/**
 * Comparison sets (issue 5): one prompt fanned out to 2–4 provider-and-model runs, or 2–4 images picked in the
 * gallery, compared side by side; blind verdicts and each model's win rate. Calls and events are spread into
 * `contract` / `events` in ../contract.ts.
 */
import { z } from 'zod';
import { ModelIdSchema, ProviderIdSchema } from '../capabilities';
import { BlobId, BlobInfo, Id, JobState } from '../domain';
import { AppErrorShape } from '../errors';
import { LIMITS, ParamsRecord } from '../limits';

/** Fewest and most items a comparison holds. */
export const COMPARE_MIN = 2;
export const COMPARE_MAX = 4;

/** One run of a fan-out: where it goes and with which parameters (the model's schema checks them). */
export const CompareRun = z
  .object({ provider: ProviderIdSchema, model: ModelIdSchema, params: ParamsRecord })
  .strict();
export type CompareRun = z.infer<typeof CompareRun>;

/** What is shown under an image once labels may be seen. Costs: credits (Apiframe) and USD; null where unknown. */
export const CompareItemDetails = z.object({
  /** Null for an image that no model made (imported). */
  provider: ProviderIdSchema.nullable(),
  model: ModelIdSchema.nullable(),
  params: z.record(z.string(), z.unknown()),
  prompt: z.string().nullable(),
  /** Charged credits; else `creditsEstimate` is what was estimated before submit. */
  credits: z.number().nullable(),
  creditsEstimate: z.number().nullable(),
  /** Charged USD; else `usdEstimate`. */
  costUsd: z.number().nullable(),
  usdEstimate: z.number().nullable(),
  /** From submit to the image stored, ms; null while running or unknown. */
  durationMs: z.number().nullable(),
});
export type CompareItemDetails = z.infer<typeof CompareItemDetails>;

/** One item of a set, in display order. */
export const CompareItemView = z.object({
  /** Opaque (says nothing about the run's order or model). */
  id: Id,
  /** Display index, 0-based: the shuffled order while the set is blind, the run order otherwise. */
  slot: z.number().int(),
  jobId: Id.nullable(),
  /** The run's job state; null for a picked image. */
  state: JobState.nullable(),
  progress: z.number().nullable(),
  error: AppErrorShape.nullable(),
  /** The image (a run's first output outside the trash once stored); null while it has none. */
  assetId: Id.nullable(),
  blob: BlobInfo.nullable(),
  /**
   * The item's image when it is in the trash (a picked image, or the first output of a run whose every output is
   * there): shown as in the trash, restoring it brings it back; null otherwise.
   */
  trashedAssetId: Id.nullable(),
  /** Null while the set is blind and has no verdict (labels hidden). */
  details: CompareItemDetails.nullable(),
  /** 1 for the winner, 2… for the rest of a ranking; null before a verdict or when not ranked. */
  rank: z.number().int().nullable(),
});
export type CompareItemView = z.infer<typeof CompareItemView>;

/** A verdict: item ids best first (only the winner, or a full ranking). */
export const CompareVerdict = z.object({
  ranking: z.array(Id),
  blind: z.boolean(),
  createdAt: z.number(),
});
export type CompareVerdict = z.infer<typeof CompareVerdict>;

/** A comparison set as the compare view shows it. */
export const CompareSetView = z.object({
  id: Id,
  folderId: Id,
  /** `runs`: fanned out from the composer; `picked`: images chosen in the gallery. */
  kind: z.enum(['runs', 'picked']),
  prompt: z.string().nullable(),
  blind: z.boolean(),
  /** True while labels are hidden (blind and no verdict yet). */
  labelsHidden: z.boolean(),
  createdAt: z.number(),
  items: z.array(CompareItemView),
  verdict: CompareVerdict.nullable(),
});
export type CompareSetView = z.infer<typeof CompareSetView>;

/** A set in a folder's list of comparisons. */
export const CompareSetSummary = z.object({
  id: Id,
  kind: z.enum(['runs', 'picked']),
  prompt: z.string().nullable(),
  itemCount: z.number().int(),
  decided: z.boolean(),
  createdAt: z.number(),
});
export type CompareSetSummary = z.infer<typeof CompareSetSummary>;

/** One model's (provider + model) record in one scope (a project or a tag). `winRate` = wins / votes, 0–1. */
export const CompareStatRow = z.object({
  /** Project id or tag id. */
  key: z.string(),
  /** The project's or tag's name. */
  label: z.string(),
  provider: ProviderIdSchema,
  model: ModelIdSchema,
  /** Verdicts where this model had an image in the set. */
  votes: z.number().int(),
  wins: z.number().int(),
  winRate: z.number(),
  /** Of `votes`, those given blind. */
  blindVotes: z.number().int(),
});
export type CompareStatRow = z.infer<typeof CompareStatRow>;

export const CompareStats = z.object({
  byProject: z.array(CompareStatRow),
  /** Per tag on the sets' images (empty where no decided set has a tagged image). */
  byTag: z.array(CompareStatRow),
});
export type CompareStats = z.infer<typeof CompareStats>;

const uniqueIds = (ids: string[]): boolean => new Set(ids).size === ids.length;

export const compareCalls = {
  /**
   * Fans one prompt and its references out to 2–4 runs, one job each, forming one comparison set. Every run is
   * checked before any job is created: one invalid run refuses the whole set (`params.run`, 1-based, names it).
   * The runs' summed estimates are checked against the project's budget (`budget_exceeded`) unless
   * `overrideBudget: true` (the user confirmed).
   */
  'compare.run': {
    input: z
      .object({
        folderId: Id,
        prompt: z.string().max(LIMITS.prompt),
        references: z.array(z.object({ blobId: BlobId, name: z.string().max(LIMITS.fileName) })).max(LIMITS.references),
        runs: z.array(CompareRun).min(COMPARE_MIN).max(COMPARE_MAX),
        blind: z.boolean().default(true),
        overrideBudget: z.boolean().optional(),
      })
      .strict(),
    output: CompareSetView,
  },
  /** A set of 2–4 images picked in the gallery (any kind, any model). */
  'compare.create': {
    input: z
      .object({
        assetIds: z.array(Id).min(COMPARE_MIN).max(COMPARE_MAX).refine(uniqueIds, 'each image once'),
        blind: z.boolean().default(false),
      })
      .strict(),
    output: CompareSetView,
  },
  'compare.get': { input: z.object({ id: Id }).strict(), output: CompareSetView },
  /** A folder's comparison sets, newest first. */
  'compare.list': { input: z.object({ folderId: Id }).strict(), output: z.array(CompareSetSummary) },
  /** Blind on: shuffled order, labels hidden until a verdict; off: run order, labels shown. */
  'compare.setBlind': { input: z.object({ id: Id, blind: z.boolean() }).strict(), output: CompareSetView },
  /** Records (or replaces) the set's verdict: item ids best first; each must have an image. */
  'compare.verdict': {
    input: z
      .object({ id: Id, ranking: z.array(Id).min(1).max(COMPARE_MAX).refine(uniqueIds, 'each item once') })
      .strict(),
    output: CompareSetView,
  },
  /** Each model's win rate per project and, where tags exist, per tag. */
  'compare.stats': { input: z.object({}).strict(), output: CompareStats },
  /**
   * Per-pixel |A − B| of two stored images (B resized to A's size), as a PNG data URL, amplified ×`gain` so small
   * differences show; `meanDelta` is the mean absolute difference over RGB, 0–255 (before gain).
   */
  'compare.diff': {
    input: z.object({ a: BlobId, b: BlobId, gain: z.number().min(1).max(16).default(4) }).strict(),
    output: z.object({
      width: z.number().int(),
      height: z.number().int(),
      dataUrl: z.string(),
      meanDelta: z.number(),
      /** Share of pixels whose largest channel difference is above 8/255, 0–1. */
      changedShare: z.number(),
    }),
  },
} as const;

export const compareEvents = {
  /** A set was created, got a verdict or changed blind mode (its runs' progress comes as `job.updated`). */
  'compare.changed': z.object({ setId: Id }),
} as const;
