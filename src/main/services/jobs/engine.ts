/**
 * The job engine: drives each journalled job through its provider adapter, one persisted step at a time,
 * and resumes every unfinished job on start.
 *
 *   queued → submitting (upload references, POST with the stored idempotency key) → running (poll) →
 *   downloading (fetch each output into the store, one asset per output) → completed
 *
 * Every step first writes the journal, then talks to the network, then writes the journal again, so a crash
 * anywhere repeats at most the step that was under way — and repeating a submit is safe only where the provider
 * honours an idempotency key (Apiframe returns the original job for a replayed key and the same body within 24 h,
 * and answers 409 to a changed body: https://docs-v2.apiframe.ai/docs/images); for the others an interrupted submit
 * is never resent on its own. The exact body is journalled with the key before the POST and every resubmit under
 * that key sends it verbatim; a 409 on our own key (or a key past its 24 h) looks the original job up in the
 * provider's job list and follows it, else the job fails saying it may have been charged.
 *
 * Queue controls: per-provider concurrency for submits and downloads; a provider-wide cooldown when a provider
 * answers 429 (`Retry-After` honoured for every job of that provider); pause and resume of submissions (all, or
 * one provider) that survive a restart; cancel (immediate before submit; after it, where the provider cannot
 * cancel, the job is marked and watched, and a result that still arrives is kept since it was paid for); retry
 * in place. Polling is adaptive (see polling.ts).
 */
import { setMaxListeners } from 'node:events';
import { capabilityOf, type ProviderId } from '@shared/capabilities';
import { AppError, toAppError } from '@shared/errors';
import { ACTIVE_JOB_STATES, type JobView } from '@shared/domain';
import { jobActions } from '@shared/jobs';
import type { EventBus } from '../../dispatcher';
import type {
  ProviderAdapter,
  ProviderContext,
  ReferenceInput,
  RemoteStatus,
  SubmitRequest,
  SubmitResult,
  UploadedReference,
} from '../providers/types';
import type { BlobStore } from '../library/store';
import type { AssetService } from '../library/assets';
import { JobJournal, type JobRecord, type StoredOutput, type TransitionPatch } from './journal';
import {
  DEFAULT_LEARNED_POLICY,
  DEFAULT_POLL_POLICY,
  DurationDistribution,
  learnedPollDelayMs,
  planPollTimes,
  type LearnedPolicyOptions,
  type PollPolicyOptions,
  type ProgressReading,
} from './polling';
import { durationKeyOf, type JobDurations } from './durations';

/** Timing knobs, in ms. */
export interface EngineTiming {
  /** `adaptive` (default) or the providers' `fixed` loop (for comparison in bench/polling). */
  pollMode: 'adaptive' | 'fixed';
  /** Interval of the fixed loop (the providers' pages show 2 s). */
  fixedPollMs: number;
  policy: PollPolicyOptions;
  /** The schedule learned from past durations (polling.ts). */
  learned: LearnedPolicyOptions;
  /** Overrides every model's typical duration (tests and benchmarks run on scaled-down time). */
  typicalMs?: number;
  /** Backoff for retryable faults: full jitter over base·2^attempt, capped. */
  retryBaseMs: number;
  retryCapMs: number;
  /** The jitter's source of [0, 1) numbers (default Math.random; a test fixes it to know a backoff's length). */
  random?: () => number;
  /** Give up retrying a submit after this many retryable failures (a poll keeps going: the job is paid for). */
  maxSubmitAttempts: number;
  /** Stop polling a running job this long after it was submitted (providers keep results ≤ 24 h). */
  giveUpAfterMs: number;
  /**
   * While two or more jobs of a provider that lists jobs (`pollMany`) run, one request reads them all: each running
   * job is then read at least this often (default half of `fixedPollMs`: a shared read costs one request for all),
   * and shared reads of one provider are at least half of it apart. Absent: derived from `fixedPollMs`.
   */
  sharedPollMs?: number;
}

export const DEFAULT_TIMING: EngineTiming = {
  pollMode: 'adaptive',
  fixedPollMs: 2000,
  policy: DEFAULT_POLL_POLICY,
  learned: DEFAULT_LEARNED_POLICY,
  retryBaseMs: 1000,
  retryCapMs: 60_000,
  maxSubmitAttempts: 8,
  giveUpAfterMs: 24 * 3600_000,
};

/** How long a provider honours an idempotency key (Apiframe: 24 h, https://docs-v2.apiframe.ai/docs/images), ms, less a margin. */
const IDEMPOTENCY_WINDOW_MS = 23 * 3600_000;
/** Clock skew allowed between us and the provider when looking for a lost original job, ms. */
const ORIGINAL_SEARCH_SKEW_MS = 5 * 60_000;

/** Largest output we accept from a provider, in bytes, and its largest pixel count. */
const OUTPUT_LIMITS = { maxBytes: 64 * 1024 * 1024, maxPixels: 8_294_400 * 4 };

/** Where the paused scopes are kept between runs (the settings table). */
export interface PauseStore {
  load(): string[];
  save(scopes: string[]): void;
}

/** A pause scope: every provider, or one. */
export type PauseScope = ProviderId | 'all';

export interface EngineDeps {
  journal: JobJournal;
  store: BlobStore;
  assets: AssetService;
  adapters: Record<ProviderId, ProviderAdapter>;
  /** Key and base URL for a provider; throws AppError('no_api_key') where a key is needed and missing. */
  contextFor(provider: ProviderId): ProviderContext;
  bus: EventBus;
  pauses?: PauseStore;
  now?: () => number;
  timing?: Partial<EngineTiming>;
  /** Concurrent submit/download steps per provider (polls are cheap and not limited). Default 4. */
  concurrency?: Partial<Record<ProviderId, number>>;
  log?: (msg: string, err?: unknown) => void;
  /** Called after every poll request (benchmarks count them). */
  onPoll?: (jobId: string) => void;
  /** Past durations per provider, model and quality: completed jobs are recorded here and polls planned from them. */
  durations?: JobDurations;
  /**
   * True where a queued job is held by something other than the queue's pause (a row of a paused batch): it is not
   * submitted, and is started again by {@link JobEngine.enqueue}. Jobs the provider already has are never held.
   */
  held?(jobId: string): boolean;
  /**
   * Edit chains: the kind of a job's outputs (`edited` for a chain step) and a hook run after each output's asset
   * is stored (also on a resumed download, so it must be idempotent). See src/main/services/chains.
   */
  chains?: {
    kindOf(jobId: string): 'generated' | 'edited';
    onOutput(jobId: string, assetId: string): void;
    /** The step's way of continuing where it is not the provider's default (OpenAI Responses API), else null. */
    submitChain?(jobId: string): SubmitRequest['chain'] | null;
  };
}

/** A counting semaphore (per provider). */
class Semaphore {
  private waiting: (() => void)[] = [];
  private held = 0;
  constructor(private readonly limit: number) {}
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.held >= this.limit) await new Promise<void>((r) => this.waiting.push(r));
    this.held++;
    try {
      return await fn();
    } finally {
      this.held--;
      this.waiting.shift()?.();
    }
  }
}

interface PollState {
  polls: number;
  progress: number | null;
  progressAtMs: number | null;
  providerEstimateMs: number | null;
  /** Progress changes, oldest first (ms since submit). */
  readings: ProgressReading[];
  /** When a poll last saw the job unfinished (ms since submit); null for none in this run. */
  runningAtMs: number | null;
  /** Watched since its submit in this run (so the time it is first seen done bounds its duration). */
  sinceSubmit: boolean;
}

const freshPollState = (sinceSubmit: boolean): PollState => ({
  polls: 0,
  progress: null,
  progressAtMs: null,
  providerEstimateMs: null,
  readings: [],
  runningAtMs: null,
  sinceSubmit,
});

/** When a job's step comes due while a shared poll holds it, it is tried again this much later, ms. */
const BUSY_RETRY_MS = 50;

/** How long shared polls of a provider stay off after one failed, ms. */
const SHARED_POLL_BACKOFF_MS = 60_000;

/** Shared polls of one provider: when the last ended (epoch ms), the one under way, the running jobs last counted. */
interface SharedPolls {
  at: number;
  inflight: Promise<void> | null;
  running: number;
  countedAt: number;
  /** Until then (epoch ms) jobs are polled one by one: a shared poll failed. */
  failedUntil: number;
}

/** The queue's controls as the UI shows them. */
export interface QueueState {
  paused: PauseScope[];
  /** Providers waiting out a 429, with the time (epoch ms) they may be called again. */
  cooldowns: { provider: ProviderId; until: number }[];
}

export class JobEngine {
  private readonly t: EngineTiming;
  private readonly now: () => number;
  private readonly timers = new Map<string, NodeJS.Timeout>();
  /** Jobs whose own step is under way (it schedules the job's next step when it ends). */
  private readonly busy = new Set<string>();
  /** Running jobs a shared poll of another job is reading (see {@link readShared}); their own steps wait. */
  private readonly heldByShared = new Set<string>();
  /** Jobs whose step came due while their own step was under way: run when it ends, unless it scheduled one. */
  private readonly dueAfterStep = new Set<string>();
  private readonly polls = new Map<string, PollState>();
  private readonly learned = new Map<string, { recorded: number; n: number; typicalMs: number; dist: DurationDistribution; plan: number[] }>();
  private readonly retries = new Map<string, number>();
  private readonly gates = new Map<ProviderId, Semaphore>();
  /** Providers told to wait (a 429): until when (epoch ms), and when that was set. */
  private readonly cooldowns = new Map<ProviderId, { until: number; setAt: number }>();
  private readonly paused = new Set<PauseScope>();
  private readonly abort = new AbortController();
  private readonly inflight = new Set<Promise<void>>();
  /** Shared reads per provider (see {@link EngineTiming.sharedPollMs}): when the last ended, the one under way. */
  private readonly shared = new Map<ProviderId, SharedPolls>();
  private stopped = false;

  constructor(private readonly d: EngineDeps) {
    this.t = {
      ...DEFAULT_TIMING,
      ...d.timing,
      policy: { ...DEFAULT_POLL_POLICY, ...d.timing?.policy },
      learned: { ...DEFAULT_LEARNED_POLICY, ...d.timing?.learned },
    };
    this.now = d.now ?? Date.now;
    for (const s of d.pauses?.load() ?? []) this.paused.add(s as PauseScope);
    // Every request in flight listens on the one shutdown signal; there may be many.
    setMaxListeners(0, this.abort.signal);
  }

  /** Resumes every job that is not in a terminal state. Call once after the library is open. */
  start(): void {
    for (const job of this.d.journal.listActive()) this.schedule(job.id, 0);
  }

  /** Stops all timers and aborts requests under way; waits for the steps in flight to settle. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    this.abort.abort();
    await Promise.allSettled([...this.inflight]);
  }

  /** Starts driving a freshly created job. */
  enqueue(jobId: string): void {
    this.schedule(jobId, 0);
  }

  // ── queue controls ────────────────────────────────────────────────────────────────────────────────────────

  queueState(): QueueState {
    const now = this.now();
    return {
      paused: [...this.paused],
      cooldowns: [...this.cooldowns.keys()]
        .map((provider) => ({ provider, until: this.coolUntil(provider) }))
        .filter((c) => c.until > now),
    };
  }

  /**
   * Until when `provider` waits out a 429 (epoch ms; 0: it does not). The wall clock set back since the wait began
   * would stretch it by as much: the wait is then counted again from now, never longer than the wait asked for.
   */
  private coolUntil(provider: ProviderId): number {
    let c = this.cooldowns.get(provider);
    if (!c) return 0;
    const now = this.now();
    if (now < c.setAt) this.cooldowns.set(provider, (c = { until: Math.min(c.until, now + (c.until - c.setAt)), setAt: now }));
    return c.until;
  }

  private isPaused(provider: ProviderId): boolean {
    return this.paused.has('all') || this.paused.has(provider);
  }

  /** Holds submissions (all providers, or one). Jobs the provider already has keep being watched. */
  pause(scope: PauseScope): QueueState {
    this.paused.add(scope);
    this.d.pauses?.save([...this.paused]);
    return this.queueState();
  }

  /** Lets held submissions go; every queued job in scope is started. */
  resume(scope: PauseScope): QueueState {
    if (scope === 'all') this.paused.clear();
    else this.paused.delete(scope);
    this.d.pauses?.save([...this.paused]);
    for (const job of this.d.journal.listActive()) {
      if (!this.isPaused(job.provider)) this.schedule(job.id, 0);
    }
    return this.queueState();
  }

  /**
   * Cancels a job. Before the provider has it: at once (→ canceled). After: providers without a cancel call
   * (Apiframe, EvoLink, OpenAI's synchronous API) cannot stop it, so the job is marked `cancelRequested` and still
   * watched; a result that arrives is kept, since it was paid for. Accepted exactly where the queue offers it
   * ({@link jobActions}); a repeated cancel of a job already marked returns it unchanged.
   * @throws AppError('not_found') for an unknown job, ('conflict') for a finished one
   */
  cancel(jobId: string): JobView {
    const job = this.mustGet(jobId);
    const view = this.d.journal.view(job);
    if (!jobActions(view).cancel) {
      if (job.cancelRequested && ACTIVE_JOB_STATES.includes(job.state)) return view;
      throw new AppError('conflict', `job ${jobId} has already finished (${job.state})`, {
        params: { field: 'state', reason: job.state },
      });
    }
    // A queued job whose step is under way is waiting for a submit slot (its submit journals `submitting` before
    // anything is sent, and looks at the journal again once it has the slot): it has not been sent.
    const sentOrSending = job.remoteId !== null || (this.busy.has(jobId) && job.state !== 'queued');
    if ((job.state === 'queued' || job.state === 'submitting') && !sentOrSending) {
      const t = this.timers.get(jobId);
      if (t) clearTimeout(t);
      this.timers.delete(jobId);
      if (job.postedAt !== null && this.d.adapters[job.provider].findOriginal) {
        // Between attempts an earlier POST may have made (and charged for) the job. Where the provider lists its
        // jobs (Apiframe), look before giving it up: the next step follows the original if it is there and keeps
        // its images, as for any job canceled after its submit; else it is canceled. Nothing is sent again.
        const marked = this.d.journal.transition(jobId, job.state, { cancelRequested: true })!;
        this.emit(marked);
        this.schedule(jobId, 0);
        return this.d.journal.view(marked);
      }
      const done = this.d.journal.transition(jobId, 'canceled', {
        completedAt: this.now(),
        // Between attempts (a backoff after a 5xx or a timeout) an earlier POST may have reached the provider: say
        // so; the job's charge then reads `unknown` and a retry asks before paying again (src/shared/jobs.ts).
        error: new AppError(
          'canceled',
          job.postedAt === null ? 'canceled before it was sent' : 'canceled between attempts; an earlier attempt may have reached the provider',
        ).toShape(),
      })!;
      this.emit(done);
      return this.d.journal.view(done);
    }
    const marked = this.d.journal.transition(jobId, job.state, { cancelRequested: true })!;
    this.emit(marked);
    return this.d.journal.view(marked);
  }

  /**
   * Retries a failed, canceled or expired job in place, as {@link jobActions} offers it. Where the provider may
   * still hold its result (it was submitted and failed on our side: a poll or a download), watching resumes, free
   * (the download itself, for a job journalled with its outputs); otherwise it is submitted anew with a fresh idempotency key (the old one would replay the old attempt). A fresh
   * submit of a job that may already have been charged (`charge` not `none`) pays again, so it needs
   * `confirmPaid: true` — the UI asks first, naming the estimate. The old attempt's charge stays in spend.
   * @throws AppError('not_found'); ('conflict') for a job that cannot be retried (on its way, or completed);
   *   ('paid_retry_unconfirmed', params `credits`, `usd`: the estimate of the new charge, or null) for an
   *   unconfirmed paid retry — nothing changes then
   */
  retry(jobId: string, opts: { confirmPaid?: boolean } = {}): JobView {
    const job = this.mustGet(jobId);
    const view = this.d.journal.view(job);
    const action = jobActions(view).retry;
    if (!action) {
      throw new AppError('conflict', `a ${job.state} job cannot be retried`, {
        params: { field: 'state', reason: job.state },
      });
    }
    if (action.confirm && opts.confirmPaid !== true) {
      throw new AppError(
        'paid_retry_unconfirmed',
        `job ${jobId} may already have been charged (${view.charge}); a retry submits it again and pays again, so it needs confirmPaid`,
        { params: { credits: job.creditsEstimate, usd: job.usdEstimate } },
      );
    }
    this.retries.delete(jobId);
    this.polls.delete(jobId);
    // Resumed where it stopped: a job journalled with its outputs fetches them again (a synchronous provider keeps
    // no job to poll), any other is watched again.
    const next =
      action.mode === 'resume'
        ? this.d.journal.transition(jobId, job.outputs !== null ? 'downloading' : 'running', { error: null, completedAt: null, cancelRequested: false })!
        : this.d.journal.transition(jobId, 'queued', {
            error: null,
            newIdempotencyKey: true,
            resetRemote: true,
            cancelRequested: false,
          })!;
    this.emit(next);
    this.schedule(jobId, 0);
    return this.d.journal.view(next);
  }

  private mustGet(jobId: string): JobRecord {
    const job = this.d.journal.get(jobId);
    if (!job) throw new AppError('not_found', `job ${jobId} does not exist`);
    return job;
  }

  // ── driving ───────────────────────────────────────────────────────────────────────────────────────────────

  private gate(provider: ProviderId): Semaphore {
    let g = this.gates.get(provider);
    if (!g) this.gates.set(provider, (g = new Semaphore(this.d.concurrency?.[provider] ?? 4)));
    return g;
  }

  private schedule(jobId: string, delayMs: number): void {
    if (this.stopped) return;
    const prev = this.timers.get(jobId);
    if (prev) clearTimeout(prev);
    const timer = setTimeout(() => {
      this.timers.delete(jobId);
      const p = this.step(jobId).finally(() => this.inflight.delete(p));
      this.inflight.add(p);
    }, Math.max(0, delayMs));
    this.timers.set(jobId, timer);
  }

  private emit(job: JobRecord | null): void {
    if (job) this.d.bus.emit('job.updated', this.d.journal.view(job));
  }

  private ctx(provider: ProviderId): ProviderContext {
    return { ...this.d.contextFor(provider), signal: this.abort.signal };
  }

  private backoff(jobId: string, err: AppError): number {
    const n = (this.retries.get(jobId) ?? 0) + 1;
    this.retries.set(jobId, n);
    const exp = Math.min(this.t.retryCapMs, this.t.retryBaseMs * 2 ** (n - 1));
    const jitter = (this.t.random ?? Math.random)() * exp;
    return Math.max(err.retryAfterMs ?? 0, jitter);
  }

  /** Runs the one step the job's state calls for, then schedules the next. Never throws. */
  private async step(jobId: string): Promise<void> {
    if (this.stopped) return;
    // Read by a shared poll just now: come back once it is over, never drop the step.
    if (this.heldByShared.has(jobId)) {
      if (!this.timers.has(jobId)) this.schedule(jobId, BUSY_RETRY_MS);
      return;
    }
    // Its own step under way (a submit waiting for a slot, a poll, a download): once it ends, unless it scheduled
    // the next step itself (a shared poll's reader may have made it due mid-way: a result to download).
    if (this.busy.has(jobId)) {
      this.dueAfterStep.add(jobId);
      return;
    }
    const job = this.d.journal.get(jobId);
    if (!job) return; // its folder was deleted
    const cool = this.coolUntil(job.provider) - this.now();
    if (cool > 0 && job.state !== 'completed') {
      this.schedule(jobId, cool);
      return;
    }
    // (A job canceled between attempts looks for its original even then: see cancel.)
    const settling = job.cancelRequested && job.postedAt !== null && job.remoteId === null;
    if (job.state === 'queued' && !settling && this.isPaused(job.provider)) return; // resume() starts it
    if (job.state === 'queued' && !settling && this.d.held?.(job.id) === true) return; // enqueue() starts it
    this.busy.add(jobId);
    try {
      switch (job.state) {
        case 'queued':
        case 'submitting':
          await this.gate(job.provider).run(() => this.submit(job));
          return;
        case 'running':
          if (this.sharesPolls(job)) await this.pollShared(job);
          else await this.poll(job);
          return;
        case 'downloading':
          await this.gate(job.provider).run(() => this.download(job));
          return;
        default:
          return; // terminal
      }
    } catch (err) {
      if (this.stopped) return;
      this.d.log?.(`job ${jobId}: unexpected error`, err);
      const cur = this.d.journal.get(jobId);
      if (cur && cur.state !== 'failed' && cur.state !== 'completed') this.fail(cur, toAppError(err));
    } finally {
      this.busy.delete(jobId);
      if (this.dueAfterStep.delete(jobId) && !this.timers.has(jobId)) this.schedule(jobId, 0);
    }
  }

  private fail(job: JobRecord, err: AppError, credits?: number | null): void {
    const patch: TransitionPatch = { error: err.toShape(), completedAt: this.now() };
    if (credits !== undefined) patch.credits = credits;
    const state = job.state === 'downloading' && err.code === 'result_expired' ? 'expired' : 'failed';
    this.emit(this.d.journal.transition(job.id, state, patch));
    this.retries.delete(job.id);
    this.polls.delete(job.id);
  }

  /** A 429 makes the whole provider wait (other jobs would only collect 429s too): its Retry-After, else the base. */
  private coolDownOn(provider: ProviderId, e: AppError): void {
    if (e.code !== 'rate_limited') return;
    const now = this.now();
    const until = Math.max(this.coolUntil(provider), now + (e.retryAfterMs ?? this.t.retryBaseMs));
    this.cooldowns.set(provider, { until, setAt: now });
  }

  /** Retryable faults wait and come back; others fail the job (a wrong key is never retried). */
  private onError(job: JobRecord, err: unknown, phase: 'submit' | 'poll' | 'download'): void {
    if (this.stopped) return;
    const e = toAppError(err);
    this.coolDownOn(job.provider, e);
    const tries = this.retries.get(job.id) ?? 0;
    const tooOld = job.submittedAt !== null && this.now() - job.submittedAt > this.t.giveUpAfterMs;
    const canRetry = e.retryable && !tooOld && (phase !== 'submit' || tries + 1 < this.t.maxSubmitAttempts);
    if (!canRetry) {
      this.fail(this.d.journal.get(job.id) ?? job, e);
      return;
    }
    const delay = this.backoff(job.id, e);
    this.d.log?.(`job ${job.id}: ${phase} failed (${e.code}), retrying in ${Math.round(delay)} ms`);
    this.schedule(job.id, delay);
  }

  private async submit(waited: JobRecord): Promise<void> {
    // Read again: while it waited for a submit slot the job may have been canceled or retried, or the queue paused.
    const job = this.d.journal.get(waited.id);
    if (!job || (job.state !== 'queued' && job.state !== 'submitting')) return;
    const adapter = this.d.adapters[job.provider];
    if (job.cancelRequested && job.postedAt !== null && job.remoteId === null && adapter.findOriginal) {
      // Canceled after a POST went out under this key: never send it again (it would make the job the user
      // canceled, where the earlier attempt did not): follow the original if one was made, else cancel.
      await this.settleCanceled(job);
      return;
    }
    if (job.state === 'queued' && (this.isPaused(job.provider) || this.d.held?.(job.id) === true)) return;
    const idempotent = adapter.idempotentSubmit !== false;
    if (job.state === 'submitting' && !idempotent && !this.retries.has(job.id) && job.postedAt !== null) {
      // A submit without an idempotency guarantee was under way when the app stopped: it may have been
      // charged, so it is not sent again on its own. The user can retry it. (Stopped before its POST — no
      // `postedAt` — it was never sent and goes on.)
      this.fail(
        job,
        new AppError('interrupted', 'the app stopped while this job was being submitted; it was not sent again', {
          retryable: true,
        }),
      );
      return;
    }
    let cur = this.d.journal.transition(job.id, 'submitting', { attemptsDelta: 1, error: null });
    if (!cur) return;
    this.emit(cur);
    try {
      const ctx = this.ctx(job.provider);
      let result: SubmitResult;
      if (cur.requestBody !== null && adapter.buildSubmitBody) {
        // A body went (or was about to go) on the wire under this key: send exactly that body again, never a
        // rebuilt one (fresh upload URLs would change it, and Apiframe answers 409 to a changed body). The same
        // key and body within 24 h return the original job. Past that window the key no longer protects us:
        // look for the original first, and resend only where it is certainly not there.
        if (cur.postedAt !== null && this.now() - cur.postedAt > IDEMPOTENCY_WINDOW_MS) {
          if (await this.adoptOriginal(cur, ctx)) return;
          throw new AppError('interrupted', 'the idempotency key of this job has expired and no original job was found; it was not sent again', {
            retryable: false,
          });
        }
        result = await adapter.submit(this.verbatimRequest(cur), ctx);
      } else {
        const { req, uploads } = await this.buildRequest(cur, adapter, ctx);
        // Canceled while its references uploaded, with nothing ever sent under this key: it goes no further.
        const late = this.d.journal.get(job.id);
        if (late?.cancelRequested && late.postedAt === null) {
          this.emit(
            this.d.journal.transition(job.id, 'canceled', {
              ...(uploads ? { uploads } : {}),
              completedAt: this.now(),
              error: new AppError('canceled', 'canceled before it was sent').toShape(),
            }),
          );
          return;
        }
        const body = adapter.buildSubmitBody ? adapter.buildSubmitBody(req) : null;
        // Journal the body (and fresh uploads) before anything goes on the wire under this key.
        cur = this.d.journal.transition(job.id, 'submitting', { ...(uploads ? { uploads } : {}), posted: { at: this.now(), body } });
        if (!cur) return;
        result = await adapter.submit(body !== null ? { ...req, body } : req, ctx);
      }
      this.retries.delete(job.id);
      if (result.status?.state === 'completed') {
        // A synchronous provider answered with the images: store them, then journal the submit and the
        // outputs in one transaction, so no crash can leave a paid result only in memory.
        this.emit(
          this.d.journal.transition(job.id, 'downloading', {
            remoteId: result.remoteId,
            submittedAt: this.now(),
            ...(await this.completedPatch(job, result.status)),
          }),
        );
        this.schedule(job.id, 0);
        return;
      }
      const running = this.d.journal.transition(job.id, 'running', {
        remoteId: result.remoteId,
        submittedAt: this.now(),
        progress: 0,
      });
      this.emit(running);
      if (!running) return;
      if (result.status) {
        await this.applyStatus(running, result.status);
        return;
      }
      this.polls.set(job.id, freshPollState(true));
      this.schedule(job.id, this.nextPollDelay(running));
    } catch (err) {
      // Shutting down aborts requests in flight: the journal keeps 'submitting' and the next start decides.
      if (this.stopped) return;
      const e = toAppError(err);
      if (e.code === 'provider_conflict') {
        // 409 on our own key: a job was made under it with another body (a row journalled before bodies were
        // kept, or a provider-side change). Never a dead end: follow the original if it can be found, else say
        // what happened and that it may have been charged (a retry then asks before paying again).
        const now = this.d.journal.get(job.id) ?? cur ?? job;
        try {
          if (await this.adoptOriginal(now, this.ctx(job.provider))) return;
        } catch (lookupErr) {
          // The job list could not be read (429, 5xx, network): look again later — resending the same body under
          // the same key only answers 409 again, it cannot create a job.
          const le = toAppError(lookupErr);
          if (le.retryable && !this.stopped) {
            this.onError(now, le, 'submit');
            return;
          }
        }
        if (this.stopped) return;
        this.fail(
          now,
          new AppError('provider_conflict', `${job.provider} already has a job under this job's idempotency key, made from another request, and it could not be found in the account's job list; it may have been charged`, {
            status: e.status ?? 409,
            retryable: false,
            params: { reason: 'original_not_found' },
            ...(e.providerMessage ? { providerMessage: e.providerMessage } : {}),
          }),
        );
        return;
      }
      // Without an idempotency guarantee only a refusal that certainly did not run the job may be resent.
      if (!idempotent && e.code !== 'rate_limited') {
        this.fail(this.d.journal.get(job.id) ?? job, e);
        return;
      }
      this.onError(cur ?? job, e, 'submit');
    }
  }

  /** The request for a resend of the journalled body (the fields beside it are informational only). */
  private verbatimRequest(job: JobRecord): SubmitRequest {
    return {
      model: job.model,
      prompt: job.prompt,
      params: job.params,
      referenceUrls: [],
      references: [],
      idempotencyKey: job.idempotencyKey,
      body: job.requestBody,
    };
  }

  /**
   * Reads the references (uploading those without a live provider URL), the mask and the chain step, and builds the
   * submit request. `uploads` is set where fresh uploads must be journalled with it.
   * @throws AppError `not_found` for a reference or mask missing from the library; upload failures as the adapter's
   */
  private async buildRequest(
    job: JobRecord,
    adapter: ProviderAdapter,
    ctx: ProviderContext,
  ): Promise<{ req: SubmitRequest; uploads: UploadedReference[] | null }> {
    const refs = this.d.journal.references(job.id);
    const inputs = await Promise.all(
      refs.map(async (r) => {
        const info = this.d.store.get(r.blobId);
        if (!info || !this.d.store.exists(r.blobId)) {
          throw new AppError('not_found', `reference image ${r.name} is missing from the library`, { retryable: false });
        }
        return { blobId: r.blobId, name: r.name, mime: info.mime, bytes: await this.d.store.read(r.blobId) };
      }),
    );
    let urls: string[] = [];
    let fresh: UploadedReference[] | null = null;
    if (refs.length > 0 && adapter.uploadsReferences !== false) {
      // Upload URLs live 1–2 h (Apiframe): reuse the stored ones only while they have 10 minutes left. An edit
      // may arrive with its parent's provider URL already in place: only the others are uploaded.
      const kept = refs.map((r, i) => {
        const u = job.uploads?.[i];
        return u && u.blobId === r.blobId && (u.expiresAt === null || u.expiresAt - this.now() > 10 * 60_000) ? u : null;
      });
      let uploads = kept.every((u) => u !== null) ? (kept as UploadedReference[]) : null;
      if (!uploads) {
        const up = await adapter.uploadReferences(inputs.filter((_, i) => kept[i] === null), ctx);
        let k = 0;
        uploads = kept.map((u) => u ?? up[k++]!);
        fresh = uploads;
      }
      urls = uploads.map((u) => u.url);
    }
    const maskId = this.d.journal.mask(job.id);
    let mask: ReferenceInput | undefined;
    if (maskId) {
      const info = this.d.store.get(maskId);
      if (!info || !this.d.store.exists(maskId)) {
        throw new AppError('not_found', 'the mask is missing from the library', { retryable: false });
      }
      mask = { blobId: maskId, name: 'mask.png', mime: info.mime, bytes: await this.d.store.read(maskId) };
    }
    const chain = this.d.chains?.submitChain?.(job.id) ?? null;
    return {
      req: {
        model: job.model,
        prompt: job.prompt,
        params: job.params,
        referenceUrls: urls,
        references: inputs,
        ...(mask ? { mask } : {}),
        ...(chain ? { chain } : {}),
        idempotencyKey: job.idempotencyKey,
      },
      uploads: fresh,
    };
  }

  /**
   * A job canceled between submit attempts, or while one was on the wire that then failed (`cancelRequested`, a
   * POST journalled, no remote id): looks for the remote job an earlier attempt may have made
   * ({@link adoptOriginal}). Found, the job follows it, still marked canceled, and keeps its paid images; not found,
   * it is canceled. A lookup that fails retryably is tried again with the submit's backoff and attempt limit; after
   * that, or a lookup refused outright, the job is canceled saying an earlier attempt may have reached the provider
   * (its charge reads `unknown`, so a retry asks before paying again).
   */
  private async settleCanceled(job: JobRecord): Promise<void> {
    const cancel = (message: string): void => {
      this.retries.delete(job.id);
      this.emit(
        this.d.journal.transition(job.id, 'canceled', { completedAt: this.now(), error: new AppError('canceled', message).toShape() }),
      );
    };
    // Running is reached from `submitting` only.
    const cur = job.state === 'queued' ? this.d.journal.transition(job.id, 'submitting', {}) : job;
    if (!cur) return;
    try {
      if (await this.adoptOriginal(cur, this.ctx(job.provider))) return;
      if (this.stopped) return;
      cancel('canceled between attempts; the provider has no job from an earlier attempt');
    } catch (err) {
      if (this.stopped) return;
      const e = toAppError(err);
      const tries = this.retries.get(job.id) ?? 0;
      if (e.retryable && tries + 1 < this.t.maxSubmitAttempts) {
        this.coolDownOn(job.provider, e);
        this.schedule(job.id, this.backoff(job.id, e));
        return;
      }
      cancel('canceled between attempts; an earlier attempt may have reached the provider');
    }
  }

  /**
   * Looks for the remote job a lost submit reply belonged to (see {@link ProviderAdapter.findOriginal}) and, where
   * found, follows it: the job goes to `running` with that remote id and is polled. Nothing is sent that could
   * create a job.
   * @returns true where the original was found and adopted
   */
  private async adoptOriginal(job: JobRecord, ctx: ProviderContext): Promise<boolean> {
    const adapter = this.d.adapters[job.provider];
    if (!adapter.findOriginal) return false;
    const since = (job.postedAt ?? job.createdAt) - ORIGINAL_SEARCH_SKEW_MS;
    const id = await adapter.findOriginal(
      {
        model: job.model,
        body: job.requestBody,
        prompt: job.prompt,
        count: job.expectedCount,
        since,
        exclude: new Set(this.d.journal.remoteIdsSince(job.provider, since, job.id)),
      },
      ctx,
    );
    if (!id) return false;
    this.d.log?.(`job ${job.id}: found the original remote job ${id} after a lost submit reply`);
    this.retries.delete(job.id);
    const running = this.d.journal.transition(job.id, 'running', { remoteId: id, submittedAt: job.postedAt ?? this.now(), progress: 0 });
    this.emit(running);
    if (!running) return true;
    this.polls.set(job.id, freshPollState(false));
    this.schedule(job.id, 0);
    return true;
  }

  /** The model's typical duration, ms: the test/bench override, else the capability table's figure. */
  private typicalMs(job: JobRecord): number {
    return this.t.typicalMs ?? capabilityOf(job.provider, job.model)?.typicalDurationMs ?? 20_000;
  }

  /**
   * The learned distribution of this kind of job's durations (past durations with the typical one as the prior)
   * and its poll plan from the submit: rebuilt (~10 ms) with every new duration while there are few, then once a
   * tenth more have come in.
   */
  private learnedFor(job: JobRecord): { dist: DurationDistribution; plan: number[] } {
    const key = durationKeyOf(job);
    const { recorded, samples } = this.d.durations?.samples(key) ?? { recorded: 0, samples: [] };
    const typicalMs = this.typicalMs(job);
    const k = `${key.provider}\u0000${key.model}\u0000${key.quality}`;
    let hit = this.learned.get(k);
    if (!hit || hit.typicalMs !== typicalMs || recorded - hit.recorded >= Math.max(1, Math.floor(hit.n / 10))) {
      const dist = DurationDistribution.learned(samples, typicalMs, this.t.learned);
      hit = { recorded, n: samples.length, typicalMs, dist, plan: planPollTimes(dist, 0, this.t.policy, this.t.learned) };
      this.learned.set(k, hit);
    }
    return hit;
  }

  private nextPollDelay(job: JobRecord): number {
    if (this.t.pollMode === 'fixed') return this.t.fixedPollMs;
    const st = this.polls.get(job.id) ?? freshPollState(false);
    this.polls.set(job.id, st);
    const elapsedMs = Math.max(0, this.now() - (job.submittedAt ?? this.now()));
    const { dist, plan } = this.learnedFor(job);
    const own = learnedPollDelayMs(
      { elapsedMs, readings: st.readings, providerEstimateMs: st.providerEstimateMs, polls: st.polls },
      dist,
      this.t.policy,
      this.t.learned,
      plan,
    );
    // Read together with others, a poll costs next to nothing: never wait longer than the shared cadence.
    return this.sharesPolls(job) ? Math.min(own, this.sharedGapMs()) : own;
  }

  /** The shared cadence, ms (see {@link EngineTiming.sharedPollMs}). */
  private sharedGapMs(): number {
    return this.t.sharedPollMs ?? Math.round(this.t.fixedPollMs * 0.5);
  }

  /**
   * Whether `job` is read by shared polls: adaptive mode, a provider with `pollMany`, and at least two of its jobs
   * running (counted from the journal at most once per half cadence).
   */
  private sharesPolls(job: JobRecord): boolean {
    if (this.t.pollMode === 'fixed' || !this.d.adapters[job.provider].pollMany) return false;
    const s = this.sharedState(job.provider);
    const now = this.now();
    // Intervals here are read on the wall clock: one set back makes a past mark lie ahead, which says nothing about
    // now (a read counted as just made, a backoff of hours). Such a mark counts as long past.
    if (now < s.failedUntil && s.failedUntil - now <= SHARED_POLL_BACKOFF_MS) return false;
    const countedAgo = now - s.countedAt;
    if (countedAgo < 0 || countedAgo >= this.sharedGapMs() / 2) {
      s.running = this.d.journal.listRunning(job.provider).length;
      s.countedAt = now;
    }
    return s.running >= 2;
  }

  private sharedState(provider: ProviderId): SharedPolls {
    let s = this.shared.get(provider);
    if (!s) {
      s = { at: -Infinity, inflight: null, running: 0, countedAt: -Infinity, failedUntil: -Infinity };
      this.shared.set(provider, s);
    }
    return s;
  }

  /**
   * Reads `job` and every other running job of its provider in one shared request (`pollMany`). A read that ended
   * less than half a cadence ago already covered it: its next read is put after that. Jobs the shared read did not
   * find are polled on their own; when the shared read fails, `job` is polled on its own (and the failure counts as
   * its poll's).
   */
  private async pollShared(job: JobRecord): Promise<void> {
    const s = this.sharedState(job.provider);
    if (s.inflight) {
      // That read left this job out (its step was under way): read again as soon as the half cadence allows.
      await s.inflight;
      const cur = this.d.journal.get(job.id);
      if (cur?.state === 'running' && !this.timers.has(job.id)) this.schedule(job.id, Math.max(0, this.sharedGapMs() / 2 - this.sinceSharedRead(s)));
      return;
    }
    const since = this.sinceSharedRead(s);
    const gap = this.sharedGapMs();
    if (since < gap / 2) {
      if (!this.timers.has(job.id)) this.schedule(job.id, Math.max(this.nextPollDelay(job) - since, gap / 2 - since));
      return;
    }
    const run = this.readShared(job);
    s.inflight = run;
    try {
      await run;
    } finally {
      s.inflight = null;
      s.at = this.now();
    }
  }

  /** Time since the provider's last shared read ended, ms; Infinity when the clock has been set back past it. */
  private sinceSharedRead(s: SharedPolls): number {
    const since = this.now() - s.at;
    return since < 0 ? Infinity : since;
  }

  private async readShared(job: JobRecord): Promise<void> {
    const adapter = this.d.adapters[job.provider];
    const others = this.d.journal.listRunning(job.provider).filter((j) => j.id !== job.id && !this.busy.has(j.id));
    const all = [job, ...others];
    for (const o of others) this.heldByShared.add(o.id);
    try {
      let statuses: Map<string, RemoteStatus>;
      try {
        if (!job.remoteId) throw new AppError('internal', `job ${job.id} is running without a remote id`);
        const r = await adapter.pollMany!(
          all.map((j) => ({ remoteId: j.remoteId!, submittedAt: j.submittedAt ?? this.now() })),
          this.ctx(job.provider),
        );
        for (let i = 0; i < r.requests; i++) this.d.onPoll?.(job.id);
        statuses = r.statuses;
      } catch (err) {
        // Per-job polls for a while (the list may be down while the jobs are not): a minute, then try again.
        this.d.log?.(`jobs: a shared poll of ${job.provider} failed; polling one by one for a minute`, err);
        this.sharedState(job.provider).failedUntil = this.now() + SHARED_POLL_BACKOFF_MS;
        await this.poll(job);
        return;
      }
      this.retries.delete(job.id);
      for (const j of all) {
        // Released before its status is applied: a completed job's download step must be free to run.
        if (j.id !== job.id) this.heldByShared.delete(j.id);
        const status = statuses.get(j.remoteId!);
        const cur = this.d.journal.get(j.id);
        if (!cur || cur.state !== 'running') continue;
        if (!status) {
          if (j.id === job.id) await this.poll(cur);
          else this.schedule(j.id, 0);
          continue;
        }
        try {
          await this.applyStatus(cur, status);
        } catch (err) {
          this.onError(cur, err, 'poll');
        }
      }
    } finally {
      for (const o of others) {
        this.heldByShared.delete(o.id);
        // A job whose timer fired while the read held it has none now: give it its next poll.
        if (!this.timers.has(o.id)) {
          const cur = this.d.journal.get(o.id);
          if (cur?.state === 'running') this.schedule(o.id, this.nextPollDelay(cur));
        }
      }
    }
  }

  /** Records how long a job took, for {@link learnedFor}: the provider's figure, else what the polls bound. */
  private recordDuration(job: JobRecord, status: Extract<RemoteStatus, { state: 'completed' }>): void {
    if (!this.d.durations || job.submittedAt === null) return;
    const st = this.polls.get(job.id);
    let ms = status.durationMs ?? null;
    let source: 'provider' | 'polls' = 'provider';
    if (ms === null && st?.sinceSubmit) {
      ms = ((st.runningAtMs ?? 0) + (this.now() - job.submittedAt)) / 2;
      source = 'polls';
    }
    if (ms === null || !(ms > 0)) return;
    try {
      this.d.durations.record(durationKeyOf(job), ms, source, job.id, this.now());
    } catch (err) {
      this.d.log?.(`job ${job.id}: could not record its duration`, err);
    }
  }

  private async poll(job: JobRecord): Promise<void> {
    const adapter = this.d.adapters[job.provider];
    try {
      if (!job.remoteId) throw new AppError('internal', `job ${job.id} is running without a remote id`);
      const status = await adapter.poll(job.remoteId, this.ctx(job.provider));
      this.d.onPoll?.(job.id);
      this.retries.delete(job.id);
      await this.applyStatus(job, status);
    } catch (err) {
      this.onError(job, err, 'poll');
    }
  }

  /** Journals what the provider said about a running job and schedules what follows. */
  private async applyStatus(job: JobRecord, status: RemoteStatus): Promise<void> {
    switch (status.state) {
      case 'queued':
      case 'running': {
        const st = this.polls.get(job.id) ?? freshPollState(false);
        st.polls++;
        const elapsed = this.now() - (job.submittedAt ?? this.now());
        st.runningAtMs = elapsed;
        if (status.progress !== null && status.progress !== st.progress) {
          st.progress = status.progress;
          st.progressAtMs = elapsed;
          st.readings.push({ atMs: elapsed, progress: status.progress });
        }
        if (status.estimatedTotalMs) st.providerEstimateMs = status.estimatedTotalMs;
        this.polls.set(job.id, st);
        if (status.progress !== null && status.progress !== job.progress) {
          this.emit(this.d.journal.transition(job.id, 'running', { progress: status.progress }));
        }
        this.schedule(job.id, this.nextPollDelay(job));
        return;
      }
      case 'completed': {
        this.recordDuration(job, status);
        this.emit(this.d.journal.transition(job.id, 'downloading', await this.completedPatch(job, status)));
        this.polls.delete(job.id);
        this.schedule(job.id, 0);
        return;
      }
      case 'failed':
        this.fail(
          job,
          new AppError('provider_job_failed', `the provider failed the job: ${status.reason}`, {
            providerMessage: status.reason,
          }),
          status.credits,
        );
        return;
      case 'canceled':
        this.emit(
          this.d.journal.transition(job.id, 'canceled', {
            completedAt: this.now(),
            error: new AppError('canceled', 'the provider reports the job canceled').toShape(),
          }),
        );
        return;
      case 'expired':
        // The results are gone but the job was paid for: keep the actual charge the provider reports.
        this.emit(
          this.d.journal.transition(job.id, 'expired', {
            completedAt: this.now(),
            error: new AppError('result_expired', 'the provider purged the results before they were fetched').toShape(),
            ...(status.credits !== undefined && status.credits !== null ? { credits: status.credits } : {}),
          }),
        );
        return;
    }
  }

  /**
   * The journal patch for a completed remote job. Inline bytes (synchronous providers) go into the store before
   * the journal points at them: they cannot be asked for again.
   */
  private async completedPatch(job: JobRecord, status: Extract<RemoteStatus, { state: 'completed' }>): Promise<TransitionPatch> {
    const outputs: StoredOutput[] = [];
    for (const [i, o] of status.outputs.entries()) {
      outputs.push('url' in o ? { url: o.url } : { blobId: (await this.storeOutput(job, i, o.bytes)).id });
    }
    const patch: TransitionPatch = { outputs, credits: status.credits, progress: 100 };
    if (status.usd !== undefined) patch.costUsd = status.usd;
    if (status.usage !== undefined) patch.usage = status.usage;
    return patch;
  }

  private async storeOutput(job: JobRecord, index: number, bytes: Uint8Array) {
    try {
      return await this.d.store.put(bytes, `${job.id}-${index}`, OUTPUT_LIMITS);
    } catch (err) {
      const e = toAppError(err);
      throw new AppError('provider_bad_response', `output ${index + 1} is not a usable image: ${e.message}`, {
        cause: err,
        retryable: false,
      });
    }
  }

  private async download(job: JobRecord): Promise<void> {
    const adapter = this.d.adapters[job.provider];
    try {
      const stored = job.outputs ?? [];
      const have = new Set(this.d.journal.outputIndexesWithAssets(job.id));
      for (let i = 0; i < stored.length; i++) {
        if (have.has(i)) continue;
        const out = stored[i]!;
        const blob =
          'blobId' in out
            ? { id: out.blobId }
            : await this.storeOutput(job, i, await adapter.fetchOutput({ url: out.url }, this.ctx(job.provider)));
        const { assetId, created } = this.d.assets.createForJobOutput({
          jobId: job.id,
          folderId: job.folderId,
          blobId: blob.id,
          outputIndex: i,
          kind: this.d.chains?.kindOf(job.id) ?? 'generated',
        });
        this.d.chains?.onOutput(job.id, assetId);
        if (created) this.d.bus.emit('asset.created', { assetId, folderId: job.folderId, jobId: job.id });
        this.emit(this.d.journal.transition(job.id, 'downloading', {}));
      }
      this.retries.delete(job.id);
      this.emit(this.d.journal.transition(job.id, 'completed', { completedAt: this.now(), error: null }));
    } catch (err) {
      this.onError(job, err, 'download');
    }
  }
}
