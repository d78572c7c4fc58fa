/**
 * The job engine: drives each journalled job through its provider adapter, one persisted step at a time,
 * and resumes every unfinished job on start.
 *
 *   queued → submitting (upload references, POST with the stored idempotency key) → running (poll) →
 *   downloading (fetch each output into the store, one asset per output) → completed
 *
 * Every step first writes the journal, then talks to the network, then writes the journal again, so a crash
 * anywhere repeats at most the step that was under way — and repeating a submit is safe because the same
 * idempotency key goes with it (Apiframe returns the original job for a replayed key within 24 h).
 */
import type { ProviderId } from '../../../shared/capabilities';
import { AppError, toAppError } from '../../../shared/errors';
import type { JobView } from '../../../shared/domain';
import type { EventBus } from '../../dispatcher';
import type { ProviderAdapter, ProviderContext, RemoteStatus } from '../providers/types';
import type { BlobStore } from '../library/store';
import type { AssetService } from '../library/assets';
import { JobJournal, type JobRecord, type StoredOutput } from './journal';

/** Timing knobs, in ms. Defaults follow Apiframe's SDK `jobs.waitFor` (2 s, ×1.5, up to 5 s). */
export interface EngineTiming {
  firstPollMs: number;
  pollGrowth: number;
  maxPollMs: number;
  /** Backoff for retryable faults: full jitter over base·2^attempt, capped. */
  retryBaseMs: number;
  retryCapMs: number;
  /** Give up retrying a submit after this many retryable failures (a poll keeps going: the job is paid for). */
  maxSubmitAttempts: number;
  /** Stop polling a running job this long after it was submitted (providers keep results ≤ 24 h). */
  giveUpAfterMs: number;
}

export const DEFAULT_TIMING: EngineTiming = {
  firstPollMs: 2000,
  pollGrowth: 1.5,
  maxPollMs: 5000,
  retryBaseMs: 1000,
  retryCapMs: 60_000,
  maxSubmitAttempts: 8,
  giveUpAfterMs: 24 * 3600_000,
};

/** Largest output we accept from a provider, in bytes, and its largest pixel count. */
const OUTPUT_LIMITS = { maxBytes: 64 * 1024 * 1024, maxPixels: 8_294_400 * 4 };

export interface EngineDeps {
  journal: JobJournal;
  store: BlobStore;
  assets: AssetService;
  adapters: Record<ProviderId, ProviderAdapter>;
  /** Key and base URL for a provider; throws AppError('no_api_key') where a key is needed and missing. */
  contextFor(provider: ProviderId): ProviderContext;
  bus: EventBus;
  now?: () => number;
  timing?: Partial<EngineTiming>;
  /** Concurrent submit/download steps per provider (polls are cheap and not limited). */
  concurrency?: number;
  log?: (msg: string, err?: unknown) => void;
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

export class JobEngine {
  private readonly t: EngineTiming;
  private readonly now: () => number;
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly busy = new Set<string>();
  private readonly pollDelay = new Map<string, number>();
  private readonly retries = new Map<string, number>();
  private readonly gates = new Map<ProviderId, Semaphore>();
  private readonly abort = new AbortController();
  private readonly inflight = new Set<Promise<void>>();
  private stopped = false;

  constructor(private readonly d: EngineDeps) {
    this.t = { ...DEFAULT_TIMING, ...d.timing };
    this.now = d.now ?? Date.now;
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

  private gate(provider: ProviderId): Semaphore {
    let g = this.gates.get(provider);
    if (!g) this.gates.set(provider, (g = new Semaphore(this.d.concurrency ?? 4)));
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
    }, delayMs);
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
    const jitter = Math.random() * exp;
    return Math.max(err.retryAfterMs ?? 0, jitter);
  }

  /** Runs the one step the job's state calls for, then schedules the next. Never throws. */
  private async step(jobId: string): Promise<void> {
    if (this.busy.has(jobId) || this.stopped) return;
    this.busy.add(jobId);
    try {
      const job = this.d.journal.get(jobId);
      if (!job) return; // its folder was deleted
      switch (job.state) {
        case 'queued':
        case 'submitting':
          await this.gate(job.provider).run(() => this.submit(job));
          return;
        case 'running':
          await this.poll(job);
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
      const job = this.d.journal.get(jobId);
      if (job && job.state !== 'failed' && job.state !== 'completed') {
        this.fail(job, toAppError(err));
      }
    } finally {
      this.busy.delete(jobId);
    }
  }

  private fail(job: JobRecord, err: AppError, credits?: number | null): void {
    const patch: Parameters<JobJournal['transition']>[2] = { error: err.toShape(), completedAt: this.now() };
    if (credits !== undefined) patch.credits = credits;
    const state = job.state === 'downloading' && err.code === 'result_expired' ? 'expired' : 'failed';
    this.emit(this.d.journal.transition(job.id, state, patch));
    this.retries.delete(job.id);
    this.pollDelay.delete(job.id);
  }

  /** Retryable faults wait and come back; others fail the job (a wrong key is never retried). */
  private onError(job: JobRecord, err: unknown, phase: 'submit' | 'poll' | 'download'): void {
    if (this.stopped) return;
    const e = toAppError(err);
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

  private async submit(job: JobRecord): Promise<void> {
    const adapter = this.d.adapters[job.provider];
    const idempotent = adapter.idempotentSubmit !== false;
    if (job.state === 'submitting' && !idempotent && !this.retries.has(job.id)) {
      // A submit without an idempotency guarantee was under way when the app stopped: it may have been
      // charged, so it is not sent again on its own. The user can retry it.
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
      if (refs.length > 0 && adapter.uploadsReferences !== false) {
        // Upload URLs live 1–2 h (Apiframe): reuse the stored ones only while they have 10 minutes left.
        const fresh =
          cur.uploads &&
          cur.uploads.length === refs.length &&
          cur.uploads.every((u) => u.expiresAt === null || u.expiresAt - this.now() > 10 * 60_000);
        let uploads = fresh ? cur.uploads! : null;
        if (!uploads) {
          uploads = await adapter.uploadReferences(inputs, ctx);
          cur = this.d.journal.transition(job.id, 'submitting', { uploads });
          if (!cur) return;
        }
        urls = uploads.map((u) => u.url);
      }
      const result = await adapter.submit(
        {
          model: job.model,
          prompt: job.prompt,
          params: job.params,
          referenceUrls: urls,
          references: inputs,
          idempotencyKey: job.idempotencyKey,
        },
        ctx,
      );
      this.retries.delete(job.id);
      const running = this.d.journal.transition(job.id, 'running', {
        remoteId: result.remoteId,
        submittedAt: this.now(),
        progress: 0,
      });
      this.emit(running);
      if (result.status && running) {
        await this.applyStatus(running, result.status);
        return;
      }
      this.pollDelay.set(job.id, this.t.firstPollMs);
      this.schedule(job.id, this.t.firstPollMs);
    } catch (err) {
      const e = toAppError(err);
      // Without an idempotency guarantee only a refusal that certainly did not run the job may be resent.
      if (!idempotent && e.code !== 'rate_limited') {
        this.fail(this.d.journal.get(job.id) ?? job, e);
        return;
      }
      this.onError(cur ?? job, e, 'submit');
    }
  }

  private nextPollDelay(jobId: string): number {
    const cur = this.pollDelay.get(jobId) ?? this.t.firstPollMs;
    this.pollDelay.set(jobId, Math.min(this.t.maxPollMs, cur * this.t.pollGrowth));
    return cur;
  }

  private async poll(job: JobRecord): Promise<void> {
    const adapter = this.d.adapters[job.provider];
    try {
      if (!job.remoteId) throw new AppError('internal', `job ${job.id} is running without a remote id`);
      const status = await adapter.poll(job.remoteId, this.ctx(job.provider));
      this.retries.delete(job.id);
      await this.applyStatus(job, status);
    } catch (err) {
      this.onError(job, err, 'poll');
    }
  }

  /** Journals what the provider said about a running job and schedules what follows. */
  private async applyStatus(job: JobRecord, status: RemoteStatus): Promise<void> {
    {
      switch (status.state) {
        case 'queued':
        case 'running': {
          if (status.progress !== null && status.progress !== job.progress) {
            this.emit(this.d.journal.transition(job.id, 'running', { progress: status.progress }));
          }
          this.schedule(job.id, this.nextPollDelay(job.id));
          return;
        }
        case 'completed': {
          // Inline bytes (synchronous providers) go into the store before the journal points at them: they
          // cannot be asked for again.
          const outputs: StoredOutput[] = [];
          for (const [i, o] of status.outputs.entries()) {
            outputs.push('url' in o ? { url: o.url } : { blobId: (await this.storeOutput(job, i, o.bytes)).id });
          }
          const next = this.d.journal.transition(job.id, 'downloading', {
            outputs,
            credits: status.credits,
            progress: 100,
          });
          this.emit(next);
          this.pollDelay.delete(job.id);
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
          this.emit(this.d.journal.transition(job.id, 'canceled', { completedAt: this.now() }));
          return;
        case 'expired':
          this.emit(
            this.d.journal.transition(job.id, 'expired', {
              completedAt: this.now(),
              error: new AppError('result_expired', 'the provider purged the results before they were fetched').toShape(),
            }),
          );
          return;
      }
    }
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
          kind: 'generated',
        });
        if (created) this.d.bus.emit('asset.created', { assetId, folderId: job.folderId, jobId: job.id });
        this.emit(this.d.journal.transition(job.id, 'downloading', {}));
      }
      this.retries.delete(job.id);
      this.emit(this.d.journal.transition(job.id, 'completed', { completedAt: this.now(), error: null }));
    } catch (err) {
      this.onError(job, err, 'download');
    }
  }

  /** The renderer's view of a job. */
  view(job: JobRecord): JobView {
    return this.d.journal.view(job);
  }
}
