/**
 * The one contract between the renderer and the main process: every call (zod input and output) and every
 * event. Both transports (Electron IPC and the local web host) and the renderer's client are typed from it,
 * so a missing handler is a compile error (`Handlers` below).
 */
import { z } from 'zod';
import { ModelIdSchema, ProviderIdSchema, KeyedProviderIdSchema } from './capabilities';
import {
  AccountInfo,
  AssetDetail,
  FolderNode,
  Id,
  BlobId,
  JobView,
  Locale,
  Theme,
  ProviderSettings,
  StagedReference,
  QueueState,
  PauseScope,
  SpendRow,
  ConnectionCheck,
} from './domain';
import { AppErrorShape } from './errors';
import { transferCalls, transferEvents } from './contracts/transfer';
import { organiseCalls, organiseEvents } from './contracts/organise';
import { compareCalls, compareEvents } from './contracts/compare';
import { ChainMethod, chainCalls, chainEvents } from './contracts/chains';
import { pricingCalls, pricingEvents } from './contracts/pricing';
import { batchCalls, batchEvents } from './contracts/batches';
import { undoCalls, undoEvents } from './contracts/undo';
import { budgetCalls, budgetEvents } from './contracts/budgets';
import { kitCalls, kitEvents } from './contracts/kits';
import { ContentCredentials } from './provenance';
import { AssetMeta } from './organise';
import { LIMITS, ParamsRecord, PathString } from './limits';

const Empty = z.object({}).strict();
const Ok = z.object({ ok: z.literal(true) });

/** The most images `assets.inspect` reads in one call (the inspector's common values are of these). */
export const INSPECT_MAX_IDS = 100;

/**
 * Bytes of a file the user gave us, base64 (web transport), or, in the desktop window only, `path`: the path grant
 * token the preload got for a dropped or picked file (src/main/path-grants.ts; a raw path is refused there).
 */
export const FileSource = z.union([
  z.object({ name: z.string().min(1).max(LIMITS.fileName), dataBase64: z.string().max(LIMITS.fileBase64) }).strict(),
  z.object({ path: PathString }).strict(),
]);
export type FileSource = z.infer<typeof FileSource>;

export const contract = {
  'app.info': {
    input: Empty,
    /** `theme`: the chosen theme; `welcomeDone`: the first-run welcome was finished or skipped on this library. */
    output: z.object({
      version: z.string(),
      transport: z.enum(['electron', 'web']),
      locale: Locale,
      theme: Theme,
      welcomeDone: z.boolean(),
    }),
  },
  /** Stores the UI language in the library's settings (kept across restarts) and emits `app.locale` to every window. */
  'app.setLocale': { input: z.object({ locale: Locale }).strict(), output: Ok },
  /** Stores the theme in the library's settings (kept across restarts) and emits `app.theme`. */
  'app.setTheme': { input: z.object({ theme: Theme }).strict(), output: Ok },
  /** Marks the first-run welcome done (finished or skipped): it is not shown again on this library. */
  'app.completeWelcome': { input: Empty, output: Ok },

  'folders.list': { input: Empty, output: z.array(FolderNode) },
  'folders.create': {
    input: z.object({ name: z.string().max(LIMITS.name), parentId: Id.nullable() }).strict(),
    output: FolderNode,
  },
  'folders.rename': { input: z.object({ id: Id, name: z.string().max(LIMITS.name) }).strict(), output: FolderNode },
  'folders.move': {
    /** `position`: its place among the new siblings (undo puts a folder back where it was); default: the end. */
    input: z.object({ id: Id, parentId: Id.nullable(), position: z.number().int().min(0).optional() }).strict(),
    output: FolderNode,
  },
  /**
   * Deletes a folder and its sub-folders; their images go to the trash, from where each can be restored to the
   * same folder path (the UI confirms first). Only emptying the trash deletes bytes.
   */
  'folders.delete': {
    input: z.object({ id: Id }).strict(),
    /** `folderIds` and `trashedAssetIds`: what it deleted and trashed, for `folders.undelete` (undo). */
    output: z.object({
      deletedFolders: z.number().int(),
      trashedAssets: z.number().int(),
      folderIds: z.array(Id),
      trashedAssetIds: z.array(Id),
    }),
  },

  /** One asset with its recipe and (issue 10) the C2PA Content Credentials its file carries, null when none. */
  'assets.get': {
    input: z.object({ id: Id }).strict(),
    output: AssetDetail.extend({ contentCredentials: ContentCredentials.nullable().optional() }),
  },

  /**
   * What the inspector shows of a selection, in one call: for each id (1 to {@link INSPECT_MAX_IDS}, in the order
   * given) its organising fields (as `assets.meta`) and its detail with Content Credentials (as `assets.get`).
   * @throws AppError `not_found` when any id is unknown (naming it); `validation` for an empty or too long list
   */
  'assets.inspect': {
    input: z.object({ ids: z.array(Id).min(1).max(INSPECT_MAX_IDS) }).strict(),
    output: z.object({
      items: z.array(z.object({ meta: AssetMeta, detail: AssetDetail.extend({ contentCredentials: ContentCredentials.nullable().optional() }) })),
    }),
  },

  /** Checks a file and puts its bytes in the store so the composer can use it as a reference image. */
  'references.stage': {
    input: z.object({ source: FileSource, provider: ProviderIdSchema, model: ModelIdSchema }).strict(),
    output: StagedReference,
  },

  'jobs.submit': {
    input: z
      .object({
        folderId: Id,
        provider: ProviderIdSchema,
        model: ModelIdSchema,
        /** At most {@link LIMITS.prompt} here; the provider's own limit (capabilities `maxPromptChars`) at submit. */
        prompt: z.string().max(LIMITS.prompt),
        params: ParamsRecord,
        /** Reference images in order, as staged by `references.stage`. */
        references: z.array(z.object({ blobId: BlobId, name: z.string().max(LIMITS.fileName) })).max(LIMITS.references),
        /** An edit: the asset this step continues (sent as the first input, before `references`). */
        parentAssetId: Id.optional(),
        /** A mask from `chains.stageMask` (OpenAI edits only: alpha 0 where to edit, the parent's size). */
        maskBlobId: BlobId.optional(),
        /** An OpenAI edit: `images` (default) or `responses` (keep the model's context; https://platform.openai.com/docs/api-reference/responses). */
        chainMethod: ChainMethod.optional(),
        /** The user confirmed passing the project's budget (else such a submit is refused, `budget_exceeded`). */
        overrideBudget: z.boolean().optional(),
      })
      .strict(),
    output: JobView,
  },
  'jobs.list': {
    input: z.object({ folderId: Id.nullable().default(null), activeOnly: z.boolean().default(false) }).strict(),
    output: z.array(JobView),
  },
  'jobs.get': { input: z.object({ id: Id }).strict(), output: JobView },
  /** Cancels a job; after the provider has it, marks it (`cancelRequested`) and keeps a result that arrives. */
  'jobs.cancel': { input: z.object({ id: Id }).strict(), output: JobView },
  /**
   * Retries a failed, canceled or expired job in place (resumes watching where the provider may still deliver, else
   * resubmits). A resubmit of a job that may have been charged (`JobView.charge` not `none`) pays again and needs
   * `confirmPaid: true`, else it is refused (`paid_retry_unconfirmed`, with the estimate); see src/shared/jobs.ts.
   */
  /**
   * Retry in place (src/shared/jobs.ts `jobActions`). A fresh submit is checked against the project's budget like a
   * new one (`budget_exceeded`, unless `overrideBudget`); a paid one needs `confirmPaid`.
   */
  'jobs.retry': { input: z.object({ id: Id, confirmPaid: z.boolean().optional(), overrideBudget: z.boolean().optional() }).strict(), output: JobView },

  'queue.state': { input: Empty, output: QueueState },
  /** Holds submissions for every provider (`all`) or one; jobs the provider already has keep being watched. */
  'queue.pause': { input: z.object({ scope: PauseScope }).strict(), output: QueueState },
  'queue.resume': { input: z.object({ scope: PauseScope }).strict(), output: QueueState },

  /** What was spent, grouped (credits and USD as charged; estimates where no charge is known yet). */
  'spend.summary': {
    input: z
      .object({
        groupBy: z.enum(['project', 'provider', 'model', 'day']),
        /** Inclusive range, epoch ms; null for no bound. */
        from: z.number().nullable().default(null),
        to: z.number().nullable().default(null),
      })
      .strict(),
    output: z.array(SpendRow),
  },

  'settings.providers': { input: Empty, output: z.array(ProviderSettings) },
  'settings.setKey': {
    input: z.object({ provider: KeyedProviderIdSchema, key: z.string().max(LIMITS.apiKey) }).strict(),
    output: ProviderSettings,
  },
  'settings.clearKey': { input: z.object({ provider: KeyedProviderIdSchema }).strict(), output: ProviderSettings },
  'settings.setBaseUrl': {
    input: z.object({ provider: KeyedProviderIdSchema, baseUrl: z.string().max(LIMITS.url).nullable() }).strict(),
    output: ProviderSettings,
  },
  /** The model names of the OpenAI-compatible server (plain names, e.g. `stablediffusion`). */
  'settings.setCustomModels': {
    input: z.object({ provider: z.literal('openai-compatible'), models: z.array(z.string().max(LIMITS.modelName)).max(LIMITS.customModels) }).strict(),
    output: ProviderSettings,
  },
  /** Live previews on or off for a provider that streams partial images (OpenAI); off sends no `stream`. */
  'settings.setStreamPartials': {
    input: z.object({ provider: z.literal('openai'), enabled: z.boolean() }).strict(),
    output: ProviderSettings,
  },
  ...transferCalls,
  /** A cheap authenticated call (Apiframe `GET /v2/me`): the balance, or the provider's error. */
  'settings.account': { input: z.object({ provider: KeyedProviderIdSchema }).strict(), output: AccountInfo },
  /** Connection check: the same cheap call, timed; never throws for provider errors (they are in the result). */
  'settings.check': { input: z.object({ provider: KeyedProviderIdSchema }).strict(), output: ConnectionCheck },
  ...chainCalls,
  ...compareCalls,
  ...organiseCalls,
  ...pricingCalls,
  ...batchCalls,
  ...undoCalls,
  ...budgetCalls,
  ...kitCalls,
} as const;

export type Contract = typeof contract;
export type CallName = keyof Contract;
export type CallInput<N extends CallName> = z.input<Contract[N]['input']>;
export type CallInputParsed<N extends CallName> = z.output<Contract[N]['input']>;
export type CallOutput<N extends CallName> = z.output<Contract[N]['output']>;

/** The envelope every call returns over either transport. */
export type CallResult<T> = { ok: true; value: T } | { ok: false; error: AppErrorShape };

/** Events pushed from the main process to the renderer. */
export const events = {
  'job.updated': JobView,
  /**
   * A partial preview of a job's image while the provider streams it (OpenAI `partial_image` events,
   * https://platform.openai.com/docs/api-reference/images-streaming): `index` 0-based in arrival order, `image` a
   * small WebP data URL (long edge ≤ 256 px). Not a library asset: shown in the job's tile until the job ends.
   */
  'job.partial': z.object({
    jobId: Id,
    index: z.number().int().min(0).max(15),
    image: z.string().max(512 * 1024).startsWith('data:image/webp;base64,'),
  }),
  'queue.changed': QueueState,
  'asset.created': z.object({ assetId: Id, folderId: Id, jobId: Id.nullable() }),
  'folders.changed': z.object({}),
  'settings.changed': z.object({ provider: KeyedProviderIdSchema }),
  /** The theme changed (the desktop shell sets `nativeTheme.themeSource` from it). */
  'app.theme': z.object({ theme: Theme }),
  /** The UI language changed (in any window or tab): every other one shows it too. */
  'app.locale': z.object({ locale: Locale }),
  ...chainEvents,
  ...compareEvents,
  ...organiseEvents,
  ...transferEvents,
  ...pricingEvents,
  ...batchEvents,
  ...undoEvents,
  ...budgetEvents,
  ...kitEvents,
} as const;
export type Events = typeof events;
export type EventName = keyof Events;
export type EventPayload<E extends EventName> = z.output<Events[E]>;
export type AnyEvent = { [E in EventName]: { name: E; payload: EventPayload<E> } }[EventName];

/** Who is calling: handlers refuse what a transport must not do (a raw path from a browser page). */
export interface CallContext {
  transport: 'electron' | 'web';
}

/** The main-process implementation: one handler per call. A missing one fails `tsc`. */
export type Handlers = {
  [N in CallName]: (input: CallInputParsed<N>, ctx: CallContext) => Promise<CallOutput<N>> | CallOutput<N>;
};

/** The image variants the media endpoints serve. */
export type MediaVariant = 'original' | 'thumb';
