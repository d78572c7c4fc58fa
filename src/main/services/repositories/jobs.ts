/**
 * The job journal's tables: `jobs` (one row per job, written before anything goes on the wire), `job_references`
 * (its ordered reference images) and `job_durations` (how long completed jobs took, for polling). The state machine
 * and the transactions around each step stay in the journal (jobs/journal.ts); this module holds the SQL.
 * Reads also join `folders` and `assets` (spend per project, the assets a job made).
 */
import type { Db } from '../library/db';
import { Statements } from './statements';

/** The tables this repository owns: only it writes them. */
export const OWNS = ['jobs', 'job_references', 'job_durations'] as const;

/** A `jobs` row as stored (JSON columns as text, times in epoch ms, flags 0/1). */
export interface JobRow {
  id: string;
  folder_id: string;
  provider: string;
  model: string;
  prompt: string;
  params: string;
  state: string;
  progress: number | null;
  idempotency_key: string;
  remote_id: string | null;
  uploads: string | null;
  outputs: string | null;
  expected_count: number;
  credits: number | null;
  cost_usd: number | null;
  usage: string | null;
  credits_estimate: number | null;
  usd_estimate: number | null;
  cancel_requested: number;
  request_body: string | null;
  posted_at: number | null;
  prior_credits: number | null;
  prior_usd: number | null;
  error: string | null;
  attempts: number;
  created_at: number;
  submitted_at: number | null;
  completed_at: number | null;
  updated_at: number;
}

/** The columns a journal transition may set (besides `attempts`, which it increments). */
export type JobColumn =
  | 'state'
  | 'updated_at'
  | 'progress'
  | 'remote_id'
  | 'uploads'
  | 'outputs'
  | 'credits'
  | 'cost_usd'
  | 'usage'
  | 'cancel_requested'
  | 'idempotency_key'
  | 'request_body'
  | 'posted_at'
  | 'prior_credits'
  | 'prior_usd'
  | 'error'
  | 'submitted_at'
  | 'completed_at';

/** What a new queued job is inserted with (JSON columns already encoded; times in epoch ms). */
export interface NewJobRow {
  id: string;
  folderId: string;
  provider: string;
  model: string;
  prompt: string;
  /** JSON text. */
  params: string;
  idempotencyKey: string;
  expectedCount: number;
  creditsEstimate: number | null;
  usdEstimate: number | null;
  createdAt: number;
}

/** A reference image of a job, in submit order. */
export interface JobReferenceRow {
  position: number;
  blobId: string;
  name: string;
}

/** One spend group as the spend query sums it (credits, USD; `images` the assets the jobs made). */
export interface SpendSumRow {
  key: string;
  jobs: number;
  images: number;
  credits: number;
  usd: number;
  unpricedJobs: number;
  creditsEstimated: number;
  usdEstimated: number;
  /** USD derived from EvoLink credits (`usage.credits_reserved` ÷ the rate) of jobs with no priced charge. */
  usdDerived: number;
}

/** What spend is grouped by. */
export type SpendGroup = 'project' | 'provider' | 'model' | 'day';

const SPEND_KEY: Record<SpendGroup, string> = {
  project: 'anc.root',
  provider: 'j.provider',
  model: 'j.model',
  // A job retried in place has no completed_at while its new attempt runs; its earlier charge dates from then.
  day: "strftime('%Y-%m-%d', coalesce(j.completed_at, j.updated_at) / 1000, 'unixepoch')",
};

const repos = new WeakMap<Db, JobsRepository>();

/** Jobs, their references and completed jobs' durations. */
export class JobsRepository {
  private readonly st: Statements;

  constructor(private readonly db: Db) {
    this.st = new Statements(db);
  }

  /** The repository of `db`, made on first use (its statements are prepared once per connection). */
  static of(db: Db): JobsRepository {
    let r = repos.get(db);
    if (!r) repos.set(db, (r = new JobsRepository(db)));
    return r;
  }

  // --- jobs --------------------------------------------------------------------------------------------------------

  /** Inserts a queued job (no progress yet). Run inside the journal's create transaction. */
  insertQueued(j: NewJobRow): void {
    this.st
      .get(
        `INSERT INTO jobs (id, folder_id, provider, model, prompt, params, state, progress, idempotency_key,
           expected_count, credits_estimate, usd_estimate, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, 'queued', NULL, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        j.id,
        j.folderId,
        j.provider,
        j.model,
        j.prompt,
        j.params,
        j.idempotencyKey,
        j.expectedCount,
        j.creditsEstimate,
        j.usdEstimate,
        j.createdAt,
        j.createdAt,
      );
  }

  /** Stores a new job's provider URLs already valid (JSON text, or null) and its mask blob (or null). */
  setUploadsAndMask(jobId: string, uploads: string | null, maskBlobId: string | null): void {
    this.st.get('UPDATE jobs SET uploads = ?, mask_blob_id = ? WHERE id = ?').run(uploads, maskBlobId, jobId);
  }

  /**
   * Sets `columns` of one job (values as stored: JSON text, 0/1, epoch ms) and adds `attemptsDelta` to its
   * attempts when non-zero. One statement per distinct set of columns, prepared once.
   */
  update(jobId: string, columns: ReadonlyMap<JobColumn, unknown>, attemptsDelta = 0): void {
    const sets = [...columns.keys()].map((c) => `${c} = ?`);
    const args: unknown[] = [...columns.values()];
    if (attemptsDelta) {
      sets.push('attempts = attempts + ?');
      args.push(attemptsDelta);
    }
    this.st.get(`UPDATE jobs SET ${sets.join(', ')} WHERE id = ?`).run(...args, jobId);
  }

  /** The job's row, or null. */
  byId(id: string): JobRow | null {
    return (this.st.get('SELECT * FROM jobs WHERE id = ?').get(id) as JobRow | undefined) ?? null;
  }

  /** The row of the job holding this idempotency key, or null. */
  byIdempotencyKey(key: string): JobRow | null {
    return (this.st.get('SELECT * FROM jobs WHERE idempotency_key = ?').get(key) as JobRow | undefined) ?? null;
  }

  /**
   * Remote ids of `provider`'s jobs other than `exceptId` submitted (or created) at or after `since` (epoch ms).
   */
  remoteIdsSince(provider: string, since: number, exceptId: string): string[] {
    return (
      this.st
        .get(
          `SELECT remote_id AS r FROM jobs
           WHERE provider = ? AND id <> ? AND remote_id IS NOT NULL AND coalesce(submitted_at, created_at) >= ?`,
        )
        .all(provider, exceptId, since) as { r: string }[]
    ).map((x) => x.r);
  }

  /** Rows of jobs in any of `states`, oldest first. */
  inStates(states: readonly string[]): JobRow[] {
    const marks = states.map(() => '?').join(',');
    return this.st.get(`SELECT * FROM jobs WHERE state IN (${marks}) ORDER BY created_at, id`).all(...states) as JobRow[];
  }

  /** Rows newest first, at most `limit`, optionally of one folder and/or in one of `states`. */
  list(opts: { folderId: string | null; states: readonly string[] | null; limit: number }): JobRow[] {
    const where: string[] = [];
    const args: unknown[] = [];
    if (opts.folderId) {
      where.push('folder_id = ?');
      args.push(opts.folderId);
    }
    if (opts.states) {
      where.push(`state IN (${opts.states.map(() => '?').join(',')})`);
      args.push(...opts.states);
    }
    const sql = `SELECT * FROM jobs ${where.length ? 'WHERE ' + where.join(' AND ') : ''}
      ORDER BY created_at DESC, id DESC LIMIT ?`;
    return this.st.get(sql).all(...args, opts.limit) as JobRow[];
  }

  /** The blob id of the job's mask (OpenAI edits), or null. */
  mask(jobId: string): string | null {
    const row = this.st.get('SELECT mask_blob_id AS m FROM jobs WHERE id = ?').get(jobId) as { m: string | null } | undefined;
    return row?.m ?? null;
  }

  // --- references --------------------------------------------------------------------------------------------------

  /** Adds a job's reference image at `position` (0-based submit order). */
  insertReference(jobId: string, position: number, blobId: string, name: string): void {
    this.st.get('INSERT INTO job_references (job_id, position, blob_id, name) VALUES (?, ?, ?, ?)').run(jobId, position, blobId, name);
  }

  /** The job's reference images in submit order. */
  references(jobId: string): JobReferenceRow[] {
    return this.st
      .get('SELECT position, blob_id AS blobId, name FROM job_references WHERE job_id = ? ORDER BY position')
      .all(jobId) as JobReferenceRow[];
  }

  /** How many reference images the job has. */
  referenceCount(jobId: string): number {
    return (this.st.get('SELECT count(*) AS n FROM job_references WHERE job_id = ?').get(jobId) as { n: number }).n;
  }

  // --- the assets a job made (reads of `assets`) -----------------------------------------------------------------

  /** Output indexes of the job that already have an asset. */
  outputIndexesWithAssets(jobId: string): number[] {
    return (
      this.st.get('SELECT output_index AS i FROM assets WHERE job_id = ? AND output_index IS NOT NULL').all(jobId) as { i: number }[]
    ).map((r) => r.i);
  }

  /** Ids of the assets the job made, in output order. */
  assetIds(jobId: string): string[] {
    return (this.st.get('SELECT id FROM assets WHERE job_id = ? ORDER BY output_index').all(jobId) as { id: string }[]).map((r) => r.id);
  }

  // --- spend -------------------------------------------------------------------------------------------------------

  /**
   * Spend sums per group over finished jobs in [from, to] (epoch ms on `coalesce(completed_at, updated_at)`, null
   * for an open bound): completed jobs, other finished jobs that carry a charge, and jobs with an earlier attempt's
   * charge (`prior_credits`, `prior_usd`). Ordered by key. See jobs/spend.ts for what each sum means. An EvoLink job
   * with no priced charge but a `usage.credits_reserved` counts at the USD derived from it (÷ `rate`, EvoLink credits
   * per USD, rounded to 1e-6 per job), not at its estimate.
   */
  spend(groupBy: SpendGroup, from: number | null, to: number | null, rate: number): SpendSumRow[] {
    const derived = `(CASE WHEN j.provider = 'evolink' AND j.cost_usd IS NULL
      THEN round(json_extract(j.usage, '$.credits_reserved') / @rate, 6) END)`;
    const uncharged = `j.state = 'completed' AND j.credits IS NULL AND j.cost_usd IS NULL AND ${derived} IS NULL`;
    return this.st
      .get(
        `WITH RECURSIVE anc(id, root) AS (
           SELECT id, id FROM folders WHERE parent_id IS NULL
           UNION ALL SELECT f.id, anc.root FROM folders f JOIN anc ON f.parent_id = anc.id
         )
         SELECT ${SPEND_KEY[groupBy]} AS key,
                count(*) AS jobs,
                coalesce(sum((SELECT count(*) FROM assets a WHERE a.job_id = j.id)), 0) AS images,
                coalesce(sum(coalesce(j.credits, 0) + coalesce(j.prior_credits, 0)), 0) AS credits,
                coalesce(sum(coalesce(j.cost_usd, 0) + coalesce(j.prior_usd, 0)), 0) AS usd,
                sum(CASE WHEN ${uncharged} AND j.provider <> 'sandbox' THEN 1 ELSE 0 END) AS unpricedJobs,
                coalesce(sum(CASE WHEN ${uncharged} THEN j.credits_estimate END), 0) AS creditsEstimated,
                coalesce(sum(CASE WHEN ${uncharged} THEN j.usd_estimate END), 0) AS usdEstimated,
                coalesce(sum(CASE WHEN j.state = 'completed' THEN ${derived} END), 0) AS usdDerived
         FROM jobs j JOIN anc ON anc.id = j.folder_id
         WHERE (j.state = 'completed'
                OR (j.state NOT IN ('queued', 'submitting', 'running', 'downloading') AND (coalesce(j.credits, 0) > 0 OR coalesce(j.cost_usd, 0) > 0))
                OR coalesce(j.prior_credits, 0) > 0 OR coalesce(j.prior_usd, 0) > 0)
           AND (@from IS NULL OR coalesce(j.completed_at, j.updated_at) >= @from) AND (@to IS NULL OR coalesce(j.completed_at, j.updated_at) <= @to)
         GROUP BY key ORDER BY key`,
      )
      .all({ from, to, rate }) as SpendSumRow[];
  }

  /** The projects (top-level folders) by id: their names. */
  projectNames(): Map<string, string> {
    return new Map(
      (this.st.get('SELECT id, name FROM folders WHERE parent_id IS NULL').all() as { id: string; name: string }[]).map((r) => [r.id, r.name]),
    );
  }

  // --- durations ---------------------------------------------------------------------------------------------------

  /** The newest `limit` durations (ms) recorded for provider, model and quality, newest first. */
  durations(provider: string, model: string, quality: string, limit: number): number[] {
    return (
      this.st
        .get(
          `SELECT duration_ms AS ms FROM job_durations WHERE provider = ? AND model = ? AND quality = ?
           ORDER BY id DESC LIMIT ?`,
        )
        .all(provider, model, quality, limit) as { ms: number }[]
    ).map((r) => r.ms);
  }

  /**
   * Records one job's duration (ms, rounded; a job recorded again replaces its row) and drops the key's rows beyond
   * the newest `keep`, atomically.
   */
  recordDuration(
    d: { provider: string; model: string; quality: string; durationMs: number; source: string; jobId: string; at: number },
    keep: number,
  ): void {
    const insert = this.st.get(
      `INSERT INTO job_durations (provider, model, quality, duration_ms, source, job_id, recorded_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (job_id) DO UPDATE SET duration_ms = excluded.duration_ms, source = excluded.source,
         recorded_at = excluded.recorded_at`,
    );
    const trim = this.st.get(
      `DELETE FROM job_durations WHERE provider = ? AND model = ? AND quality = ? AND id <= (
         SELECT id FROM job_durations WHERE provider = ? AND model = ? AND quality = ? ORDER BY id DESC LIMIT 1 OFFSET ?)`,
    );
    this.db.transaction(() => {
      insert.run(d.provider, d.model, d.quality, Math.round(d.durationMs), d.source, d.jobId, d.at);
      trim.run(d.provider, d.model, d.quality, d.provider, d.model, d.quality, keep);
    })();
  }
}
