/**
 * The composition root: opens the library in `dataDir`, builds every service, resumes unfinished jobs, and
 * returns the dispatcher both transports use. Plain Node: the Electron shell and the web host call this alike.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createDispatcher, EventBus, type Dispatcher } from './dispatcher';
import { createHandlers, isKeyed } from './handlers';
import { PathGrants } from './path-grants';
import { openDatabase, type Db } from './services/library/db';
import { BlobStore } from './services/library/store';
import { createImagePool } from './services/library/image-pool';
import { trustAnchorsFromEnv } from './services/library/credentials';
import { secureLibraryFolder } from './services/library/library-fs';
import { FolderService } from './services/library/folders';
import { AssetService } from './services/library/assets';
import { SearchService } from './services/library/search';
import { OrganiseService } from './services/library/organise';
import { CollectionService } from './services/library/collections';
import { TrashService } from './services/library/trash';
import { JobJournal } from './services/jobs/journal';
import { JobEngine, type EngineTiming } from './services/jobs/engine';
import { JobDurations } from './services/jobs/durations';
import { JobSubmitter, type CheckedJob } from './services/jobs/submit';
import { SecretStore } from './services/secrets/secrets';
import { SettingsService } from './services/settings';
import { createSandboxAdapter } from './services/providers/sandbox';
import { createApiframeAdapter } from './services/providers/apiframe/adapter';
import { createEvolinkAdapter } from './services/providers/evolink/adapter';
import { createOpenAiAdapter } from './services/providers/openai/adapter';
import { partialSink, withPartialPreviews } from './services/jobs/partials';
import type { ProviderAdapter, ProviderContext } from './services/providers/types';
import { KEY_OPTIONAL, type ProviderId } from '@shared/capabilities';
import type { CallInputParsed } from '@shared/contract';
import { ACTIVE_JOB_STATES, type JobView } from '@shared/domain';
import { AppError } from '@shared/errors';
import { createLogger, type Logger } from './log';
import { createTransfer, type TransferServices, type TransferShell } from './services/transfer';
import { ChainService, type EditPlan } from './services/chains/service';
import { CompareService } from './services/compare/service';
import { BatchService } from './services/batches/service';
import { BatchesRepository } from './services/repositories/batches';
import { BudgetService } from './services/budgets/service';
import { BudgetsRepository } from './services/repositories/budgets';
import { KitService } from './services/kits/service';
import { KitsRepository } from './services/repositories/kits';

export interface AppOptions {
  /** The library folder (SQLite file, image store, thumbnails). Created if missing. */
  dataDir: string;
  /** Environment (base URL overrides, sandbox timing for tests). */
  env: Record<string, string | undefined>;
  /** The keychain service name (tests use their own; also `ATELIER_KEYCHAIN_SERVICE`). Default `Atelier`. */
  keychainService?: string;
  timing?: Partial<EngineTiming>;
  /**
   * Clock of the job journal and engine, epoch ms (default `Date.now`): tests move it forward to restart "80
   * minutes later" or "a day later" against test servers on the same clock.
   */
  now?: () => number;
  logger?: Logger;
  /** What the desktop shell offers import/export (its native folder picker); absent in the web host. */
  shell?: TransferShell;
}

/** Everything the handlers reach. */
export interface AppServices {
  db: Db;
  bus: EventBus;
  store: BlobStore;
  folders: FolderService;
  assets: AssetService;
  /** Search, filters and sort (`assets.query`), select-all and smart-collection counts. */
  search: SearchService;
  /** Title, note, rating, flag, tags; move, copy, trash and restore. */
  organise: OrganiseService;
  collections: CollectionService;
  trash: TrashService;
  journal: JobJournal;
  engine: JobEngine;
  secrets: SecretStore;
  settings: SettingsService;
  adapters: Record<ProviderId, ProviderAdapter>;
  contextFor(provider: ProviderId): ProviderContext;
  /**
   * Every check `submitJob` makes, without creating anything (a comparison validates all its runs first).
   * @throws AppError as `submitJob` does
   */
  checkJob(input: CallInputParsed<'jobs.submit'>): CheckedJob;
  /** Submits a job; `edit` (from {@link ChainService.planEdit}) makes it a step of an edit chain. */
  submitJob(input: CallInputParsed<'jobs.submit'>, edit?: EditPlan): JobView;
  /**
   * Submits an edit (`parentAssetId`, or `parentVersionId` for a replay) after the chain's checks (parent on disk,
   * mask size, mask support, input count), all before anything is stored or sent.
   */
  submitEdit(input: CallInputParsed<'jobs.submit'>, opts?: { parentVersionId?: string; replayOf?: string }): Promise<JobView>;
  /** Retries a job in place, a fresh submit held to the project's budget (JobSubmitter.retry). */
  retryJob(id: string, opts: { confirmPaid?: boolean; overrideBudget?: boolean }): JobView;
  chains: ChainService;
  compare: CompareService;
  /** Batches from a template (issue 13): one job per expanded prompt, queued, paused, canceled and retried as one. */
  batches: BatchService;
  /** Budgets per project (issue 13): the one check of every submit and batch, and the cost per kept image. */
  budgets: BudgetService;
  /** Reference kits (issue 13): named sets of reference images and the generations that used them. */
  kits: KitService;
  /** Import, export, stacks, integrity check, thumbnail rebuild, backup (tasks with progress and cancel). */
  transfer: TransferServices;
  /**
   * Paths the user chose in this session (desktop window: dialogs and drops), by token; calls from the window name
   * paths only by these tokens (src/main/path-grants.ts). In memory: none survives a restart.
   */
  grants: PathGrants;
}

export type { CheckedJob } from './services/jobs/submit';

export interface App {
  dispatcher: Dispatcher;
  services: AppServices;
  /** Stops the engine (in-flight steps settle; unfinished jobs resume next start) and closes the database. */
  close(): Promise<void>;
}

/** Atelier's version from the nearest package.json above this module (source tree or bundled `out/`). */
function appVersion(): string {
  for (const rel of ['../../package.json', '../../../package.json', '../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: string; version: string };
      if (pkg.name === 'atelier') return pkg.version;
    } catch {
      // try the next candidate
    }
  }
  return '0.0.0';
}

/** Opens the library and starts the services. @throws Error when the library cannot be opened */
export async function createApp(opts: AppOptions): Promise<App> {
  // 0700 folder, 0600 database (its -wal/-shm follow), tightened on every open; see library-fs.ts.
  const modes = secureLibraryFolder(opts.dataDir);
  const log = opts.logger ?? createLogger(opts.dataDir, opts.env);
  if (!modes.private) log.warn('the library folder is on a file system that keeps no POSIX modes: its files cannot be made private (0700/0600)');
  // C2PA trust anchors (ATELIER_C2PA_TRUST_ANCHORS): a bad file stops the start before the library is opened.
  const c2paTrustAnchorsPem = trustAnchorsFromEnv(opts.env);
  const db = openDatabase(join(opts.dataDir, 'library.sqlite'));
  const bus = new EventBus();
  // Image work (hashing, decode checks, dHashes, thumbnails, conversions) on worker threads, one per core.
  const images = createImagePool();
  const store = new BlobStore({ db, dataDir: opts.dataDir, c2paTrustAnchorsPem, images });
  // Leftovers of a write killed mid-way (no running writer owns them) go on every open.
  await store.initialize().catch(async (err: unknown) => {
    await images.close();
    db.close();
    throw err;
  });
  const folders = new FolderService(db);
  const assets = new AssetService(db);
  const search = new SearchService(db);
  const organise = new OrganiseService(db);
  const collections = new CollectionService(db, search);
  const trash = new TrashService(db, opts.dataDir);
  const journal = new JobJournal(db, opts.now);
  const batchesRepo = new BatchesRepository(db);
  const settings = new SettingsService(db, opts.env);
  const chains = new ChainService({ db, store, journal, bus });
  const budgets = new BudgetService({ repo: new BudgetsRepository(db), bus, now: opts.now });
  const service = opts.keychainService ?? opts.env['ATELIER_KEYCHAIN_SERVICE'];
  const secrets = new SecretStore({ ...(service ? { service } : {}), warn: (m: string) => log.warn(m) });
  secrets.init();

  const sandboxMs = Number(opts.env['ATELIER_SANDBOX_JOB_MS'] ?? 2500);
  const adapters: Record<ProviderId, ProviderAdapter> = {
    sandbox: createSandboxAdapter({
      durationMs: sandboxMs,
      // Live previews offline: the sandbox's partial previews go to the window as `job.partial` (jobs/partials.ts).
      onPartial: partialSink({
        bus,
        images,
        jobIdOf: (key) => journal.getByIdempotencyKey(key)?.id ?? null,
        isActive: (id) => ACTIVE_JOB_STATES.includes(journal.get(id)?.state ?? 'failed'),
      }),
      resolve: async (key, images = true) => {
        const job = journal.getByIdempotencyKey(key);
        if (!job) return null;
        if (!images) return { prompt: job.prompt, params: job.params, references: [], model: job.model };
        const refs = journal.references(job.id);
        const references = await Promise.all(refs.slice(0, 1).map((r) => store.read(r.blobId)));
        // A masked edit changes only inside the mask (the sandbox renders it as OpenAI's edits take one).
        const maskId = journal.mask(job.id);
        const mask = maskId && store.exists(maskId) ? await store.read(maskId) : null;
        return { prompt: job.prompt, params: job.params, references, model: job.model, mask };
      },
    }),
    apiframe: createApiframeAdapter(),
    evolink: createEvolinkAdapter() as ProviderAdapter,
    // OpenAI usage is priced with the table in force (Settings → Prices).
    // Live previews (Settings): partial images sent as `job.partial` events, never stored (jobs/partials.ts).
    openai: withPartialPreviews(createOpenAiAdapter({ id: 'openai', prices: () => settings.prices() }) as ProviderAdapter, {
      bus,
      images,
      jobIdOf: (key) => journal.getByIdempotencyKey(key)?.id ?? null,
      enabled: () => settings.streamPartials('openai'),
    }),
    'openai-compatible': createOpenAiAdapter({ id: 'openai-compatible' }) as ProviderAdapter,
  };

  const contextFor = (provider: ProviderId): ProviderContext => {
    if (!isKeyed(provider)) return { apiKey: null, baseUrl: '' };
    // The key saved for the origin in force, never one saved for another (settings.keyOrigin).
    const apiKey = secrets.get(provider, settings.keyOrigin(provider));
    if (!apiKey && !KEY_OPTIONAL.includes(provider)) {
      throw new AppError('no_api_key', `no API key is set for ${provider}`, { params: { provider } });
    }
    return { apiKey, baseUrl: settings.baseUrl(provider).baseUrl };
  };

  const engine = new JobEngine({
    journal,
    store,
    assets,
    adapters,
    contextFor,
    bus,
    timing: opts.timing,
    now: opts.now,
    pauses: {
      load: () => settings.pausedScopes(),
      save: (scopes) => settings.setPausedScopes(scopes),
    },
    concurrency: { sandbox: 8 },
    // A paused batch holds its queued rows.
    held: (jobId) => batchesRepo.isHeld(jobId),
    chains,
    durations: new JobDurations(db),
    log: (msg, err) => (err ? log.warn({ err }, msg) : log.info(msg)),
  });

  const submitter = new JobSubmitter({ db, bus, store, folders, journal, engine, settings, chains, budgets, contextFor });
  const checkJob = (input: CallInputParsed<'jobs.submit'>): CheckedJob => submitter.check(input);
  const submitJob = (input: CallInputParsed<'jobs.submit'>, edit?: EditPlan): JobView => submitter.submit(input, edit);
  const submitEdit: AppServices['submitEdit'] = (input, opts = {}) => submitter.submitEdit(input, opts);

  const transfer = createTransfer({ db, store, bus, dataDir: opts.dataDir, shell: opts.shell ?? null });
  const services: AppServices = {
    transfer,
    grants: new PathGrants(),
    db,
    bus,
    store,
    folders,
    assets,
    search,
    organise,
    collections,
    trash,
    journal,
    engine,
    secrets,
    settings,
    adapters,
    contextFor,
    checkJob,
    submitJob,
    submitEdit,
    retryJob: (id, opts) => submitter.retry(id, opts),
    chains,
    compare: new CompareService({ db, bus, journal, store, checkJob, submitJob, checkBudget: (inputs) => submitter.assertBudget(inputs) }),
    batches: new BatchService({ db, bus, repo: batchesRepo, journal, engine, settings, budgets, checkJob, now: opts.now }),
    budgets,
    kits: new KitService({ db, repo: new KitsRepository(db), bus, trash, now: opts.now }),
  };
  const dispatcher = createDispatcher(
    createHandlers(services, appVersion()),
    bus,
    (blobId, variant) => store.mediaFile(blobId, variant),
    (msg, err) => log.error({ err }, msg),
  );
  chains.reconcile();
  engine.start();
  // Content Credentials of images stored before Atelier read them (migration 0015), in the background.
  const credentialsBackfill = store.credentials.backfill((id) => store.read(id), (id, length) => store.readHead(id, length));
  // A library whose search index rows left creation order gets them back in the background, 50 images a step; one
  // whose index was dropped for a new layout is indexed again the same way. ATELIER_SEARCH_STEP_PAUSE_MS (tests) sets
  // the pause between steps (default 20 ms).
  const stepPause = Number(opts.env['ATELIER_SEARCH_STEP_PAUSE_MS'] ?? '');
  const reorder = search.reorderInBackground(Number.isFinite(stepPause) && stepPause > 0 ? { pauseMs: stepPause } : {});
  log.info(`library opened at ${opts.dataDir}`);

  return {
    dispatcher,
    services,
    async close() {
      await transfer.tasks.stopAll();
      await engine.stop();
      await credentialsBackfill.stop();
      await reorder.stop();
      await images.close();
      db.close();
    },
  };
}
