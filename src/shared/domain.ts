/**
 * Domain shapes that cross the process boundary (zod schemas + inferred types). Ids are UUID strings; blob ids
 * are lowercase hex SHA-256 of the bytes; times are epoch milliseconds (UTC).
 */
import { z } from 'zod';
import { ModelIdSchema, ProviderIdSchema, KeyedProviderIdSchema } from './capabilities';
import { AppErrorShape } from './errors';

export const Id = z.string().min(1).max(64);
export const BlobId = z.string().length(64).regex(/^[0-9a-f]{64}$/, 'a SHA-256 hex digest');

/** A project (parentId null) or a folder nested inside one. */
export const FolderNode = z.object({
  id: Id,
  parentId: Id.nullable(),
  name: z.string(),
  /** Position among siblings, ascending. */
  position: z.number(),
  createdAt: z.number(),
  /** Images directly in this folder (not in the trash). */
  assetCount: z.number().int(),
});
export type FolderNode = z.infer<typeof FolderNode>;

/** A stored image's bytes: dimensions in px, size in bytes. */
export const BlobInfo = z.object({
  id: BlobId,
  mime: z.enum(['image/png', 'image/jpeg', 'image/webp']),
  width: z.number().int(),
  height: z.number().int(),
  bytes: z.number().int(),
});
export type BlobInfo = z.infer<typeof BlobInfo>;

/** A reference image staged in the composer (bytes already in the library's store). */
export const StagedReference = BlobInfo.extend({ name: z.string() });
export type StagedReference = z.infer<typeof StagedReference>;

export const AssetKind = z.enum(['generated', 'edited', 'imported']);

/** One image in the library, as listed in the gallery. */
export const AssetSummary = z.object({
  id: Id,
  folderId: Id,
  kind: AssetKind,
  blob: BlobInfo,
  provider: ProviderIdSchema.nullable(),
  model: ModelIdSchema.nullable(),
  prompt: z.string().nullable(),
  createdAt: z.number(),
  /** The file name an imported image came in with; null for generated ones. */
  originalName: z.string().nullable().optional(),
});
export type AssetSummary = z.infer<typeof AssetSummary>;

/** The recipe that made an asset. */
export const Recipe = z.object({
  jobId: Id,
  provider: ProviderIdSchema,
  model: ModelIdSchema,
  prompt: z.string(),
  params: z.record(z.string(), z.unknown()),
  references: z.array(StagedReference),
  remoteJobId: z.string().nullable(),
  /** Credits charged by the provider (Apiframe `creditCost`), null where unknown. */
  credits: z.number().nullable(),
  /** Actual charge in USD where the provider's usage could be priced (OpenAI), null where unknown. */
  costUsd: z.number().nullable(),
  /**
   * USD derived from what the provider reported in its own credits (EvoLink `usage.credits_reserved` ÷ 68, the
   * credits per $1 its price table implies): not a published charge, shown as derived. Null or absent elsewhere.
   */
  costUsdDerived: z.number().nullable().optional(),
  /** What the composer estimated before submit (credits; USD), null where no price is published. */
  creditsEstimate: z.number().nullable(),
  usdEstimate: z.number().nullable(),
  /** From Generate pressed to the image stored, in ms. */
  durationMs: z.number().nullable(),
  /** Position of this image among the job's outputs (0-based). */
  outputIndex: z.number().int(),
});
export type Recipe = z.infer<typeof Recipe>;

/** The tools whose recipes an import reads from the files they wrote (see src/main/services/transfer/foreign.ts). */
export const FOREIGN_TOOLS = ['a1111', 'comfyui', 'invokeai', 'novelai', 'fooocus', 'swarmui', 'atelier'] as const;
export const ForeignTool = z.enum(FOREIGN_TOOLS);
export type ForeignTool = z.infer<typeof ForeignTool>;

/**
 * The recipe an imported image came in with, as the tool that made it wrote it (AUTOMATIC1111/Forge, ComfyUI,
 * InvokeAI, NovelAI, Fooocus, SwarmUI, or an Atelier export). Size in px; `seed` as text (some pass 2^53).
 */
export const ForeignRecipe = z.object({
  tool: ForeignTool,
  /** The tool's version where the file names it. */
  toolVersion: z.string().nullable(),
  prompt: z.string().nullable(),
  negativePrompt: z.string().nullable(),
  model: z.string().nullable(),
  seed: z.string().nullable(),
  steps: z.number().nullable(),
  cfg: z.number().nullable(),
  sampler: z.string().nullable(),
  width: z.number().int().nullable(),
  height: z.number().int().nullable(),
});
export type ForeignRecipe = z.infer<typeof ForeignRecipe>;

export const AssetDetail = AssetSummary.extend({
  recipe: Recipe.nullable(),
  /** What an imported image's file said made it; absent or null when it said nothing. */
  foreignRecipe: ForeignRecipe.nullable().optional(),
});
export type AssetDetail = z.infer<typeof AssetDetail>;

/**
 * Job states: queued → submitting → running → downloading → completed | failed | canceled,
 * plus expired when the provider purged results before we fetched them.
 */
export const JOB_STATES = [
  'queued',
  'submitting',
  'running',
  'downloading',
  'completed',
  'failed',
  'canceled',
  'expired',
] as const;
export const JobState = z.enum(JOB_STATES);
export type JobState = z.infer<typeof JobState>;
export const ACTIVE_JOB_STATES: readonly JobState[] = ['queued', 'submitting', 'running', 'downloading'];

/** A job as the renderer sees it. */
/**
 * Whether a job's current attempt has cost money (see src/shared/jobs.ts `jobCharge`): `charged` (a charge above
 * zero was reported), `none` (free, zero, never sent, or refused unrun), `unknown` (the provider has or may have it).
 */
export const JobCharge = z.enum(['none', 'charged', 'unknown']);
export type JobCharge = z.infer<typeof JobCharge>;

export const JobView = z.object({
  id: Id,
  folderId: Id,
  provider: ProviderIdSchema,
  model: ModelIdSchema,
  prompt: z.string(),
  params: z.record(z.string(), z.unknown()),
  state: JobState,
  /** 0–100, or null where the provider gives none. */
  progress: z.number().nullable(),
  error: AppErrorShape.nullable(),
  remoteJobId: z.string().nullable(),
  /** Credits charged (Apiframe `creditCost`). */
  credits: z.number().nullable(),
  /** Actual charge in USD where the provider's usage could be priced. */
  costUsd: z.number().nullable(),
  /** USD derived from the provider's own credits (EvoLink; see `Recipe.costUsdDerived`), null or absent elsewhere. */
  costUsdDerived: z.number().nullable().optional(),
  /** What the composer estimated before submit. */
  creditsEstimate: z.number().nullable(),
  usdEstimate: z.number().nullable(),
  /** Whether this attempt has cost money; a retry that submits anew needs `confirmPaid` unless `none`. */
  charge: JobCharge,
  /** Canceled by the user while the provider (which cannot cancel) had it: a result that still arrives is kept. */
  cancelRequested: z.boolean(),
  /** Images expected from the job (`number_of_images`). */
  expectedCount: z.number().int(),
  /** Asset ids stored so far, in output order. */
  assetIds: z.array(Id),
  referenceCount: z.number().int(),
  createdAt: z.number(),
  completedAt: z.number().nullable(),
});
export type JobView = z.infer<typeof JobView>;

/** What Settings shows about one keyed provider. The key itself never leaves the main process. */
export const ProviderSettings = z.object({
  provider: KeyedProviderIdSchema,
  keySet: z.boolean(),
  /** Last four characters of the key, for recognition. */
  keyLast4: z.string().nullable(),
  /** Where the key lives: the OS keychain, or memory for this session only (no keychain reachable). */
  keyStorage: z.enum(['keychain', 'session']),
  baseUrl: z.string(),
  defaultBaseUrl: z.string(),
  /** True where an environment variable fixes the base URL (the setting is then read-only). */
  baseUrlFromEnv: z.boolean(),
  /** True where the provider works without a key (a local OpenAI-compatible server). */
  keyOptional: z.boolean(),
  /** Model names the user gave (OpenAI-compatible only), as `custom:<name>` ids. */
  customModels: z.array(ModelIdSchema),
  /**
   * Live previews: whether partial images are streamed and shown while a job is made (on by default), or null where
   * the provider cannot stream them (only OpenAI's Images API does,
   * https://platform.openai.com/docs/api-reference/images-streaming).
   */
  streamPartials: z.boolean().nullable(),
});
export type ProviderSettings = z.infer<typeof ProviderSettings>;

export const LOCALES = ['en', 'ko', 'ja'] as const;
export const Locale = z.enum(LOCALES);
export type Locale = z.infer<typeof Locale>;

/**
 * The UI theme the user chose in Settings: `light`, `dark`, or `system` (follow the OS's `prefers-color-scheme`).
 * The values are Electron's `nativeTheme.themeSource` values (https://www.electronjs.org/docs/latest/api/native-theme).
 */
export const THEMES = ['system', 'light', 'dark'] as const;
export const Theme = z.enum(THEMES);
export type Theme = z.infer<typeof Theme>;

export const AccountInfo = z.object({
  provider: KeyedProviderIdSchema,
  /** Balance in the provider's credits (Apiframe `team.credits`), null where the account has no team. */
  credits: z.number().nullable(),
  email: z.string().nullable(),
});
export type AccountInfo = z.infer<typeof AccountInfo>;

/** A pause scope: every provider, or one. */
export const PauseScope = z.union([z.literal('all'), ProviderIdSchema]);
export type PauseScope = z.infer<typeof PauseScope>;

/** The queue's controls. */
export const QueueState = z.object({
  paused: z.array(PauseScope),
  /** Providers waiting out a 429 until the given time (epoch ms). */
  cooldowns: z.array(z.object({ provider: ProviderIdSchema, until: z.number() })),
});
export type QueueState = z.infer<typeof QueueState>;

/** One row of the spend view. `key` is a project id, provider id, model id or `YYYY-MM-DD` (UTC). */
export const SpendRow = z.object({
  key: z.string(),
  /** Display label (the project's name; else the key). */
  label: z.string(),
  jobs: z.number().int(),
  images: z.number().int(),
  /** Credits charged (Apiframe). */
  credits: z.number(),
  /** USD charged, where the provider's usage could be priced. */
  usd: z.number(),
  /** Jobs whose charge is not known (yet), counted at their estimate in `usdEstimated`/`creditsEstimated`. */
  unpricedJobs: z.number().int(),
  creditsEstimated: z.number(),
  usdEstimated: z.number(),
  /**
   * USD derived from EvoLink credits (`usage.credits_reserved` ÷ 68, https://evolink.ai/gpt-image-2) for jobs with
   * no priced charge: such a job counts here, not at its estimate.
   */
  usdDerived: z.number(),
});
export type SpendRow = z.infer<typeof SpendRow>;

/** The result of a connection check in Settings. */
export const ConnectionCheck = z.object({
  provider: KeyedProviderIdSchema,
  ok: z.boolean(),
  /** Round-trip time of the check, ms. */
  latencyMs: z.number(),
  credits: z.number().nullable(),
  /** The account's e-mail where the provider tells it (Apiframe). */
  email: z.string().nullable(),
  error: AppErrorShape.nullable(),
});
export type ConnectionCheck = z.infer<typeof ConnectionCheck>;
