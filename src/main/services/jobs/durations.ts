/**
 * The durations of completed jobs, kept in the library so that polling can learn how long each kind of job takes
 * (see polling.ts). One row per completed job in `job_durations` (migration 0013); only the newest
 * {@link DURATIONS_KEPT} per provider, model and quality are kept, so the table stays small and follows a provider
 * that gets faster or slower.
 */
import type { Db } from '../library/db';
import { JobsRepository } from '../repositories/jobs';

/** What the durations are kept per: provider, model and quality (`''` where the job has no quality). */
export interface DurationKey {
  provider: string;
  model: string;
  quality: string;
}

/**
 * How a duration was measured: `provider` from the provider's own timestamps (Apiframe `completedAt − createdAt`),
 * `polls` as the midpoint between the last poll that saw the job running (or the submit) and the one that saw it done.
 */
export type DurationSource = 'provider' | 'polls';

/** Newest durations kept per key. */
export const DURATIONS_KEPT = 200;

/** The key of a job: its quality parameter where it has one (GPT Image `quality`: low, medium, high, auto). */
export function durationKeyOf(job: { provider: string; model: string; params: Record<string, unknown> }): DurationKey {
  const q = job.params['quality'];
  return { provider: job.provider, model: job.model, quality: typeof q === 'string' ? q : '' };
}

const keyString = (k: DurationKey): string => `${k.provider}\u0000${k.model}\u0000${k.quality}`;

/** Reads and records completed jobs' durations (ms) per {@link DurationKey}; reads are cached until the next record. */
export class JobDurations {
  private readonly cache = new Map<string, number[]>();
  private readonly recorded = new Map<string, number>();

  private readonly repo: JobsRepository;

  constructor(db: Db) {
    this.repo = JobsRepository.of(db);
  }

  /**
   * The key's durations, ms, oldest first (at most {@link DURATIONS_KEPT}), and `recorded`: how many were recorded
   * for the key since the library was opened (it only grows, so a reader can tell how much is new).
   */
  samples(key: DurationKey): { recorded: number; samples: readonly number[] } {
    const k = keyString(key);
    let hit = this.cache.get(k);
    if (!hit) {
      hit = this.repo.durations(key.provider, key.model, key.quality, DURATIONS_KEPT).reverse();
      this.cache.set(k, hit);
    }
    return { recorded: this.recorded.get(k) ?? 0, samples: hit };
  }

  /**
   * Records one completed job's duration (a job recorded again replaces its earlier row) and drops the key's rows
   * beyond the newest {@link DURATIONS_KEPT}.
   * @throws RangeError for a duration that is not a positive finite number of ms
   */
  record(key: DurationKey, durationMs: number, source: DurationSource, jobId: string, at: number = Date.now()): void {
    if (!Number.isFinite(durationMs) || durationMs <= 0) throw new RangeError(`job duration must be a positive number of ms, got ${durationMs}`);
    this.repo.recordDuration(
      { provider: key.provider, model: key.model, quality: key.quality, durationMs, source, jobId, at },
      DURATIONS_KEPT,
    );
    const k = keyString(key);
    this.cache.delete(k);
    this.recorded.set(k, (this.recorded.get(k) ?? 0) + 1);
  }
}
