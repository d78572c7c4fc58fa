/**
 * The tables of batches from a template (migration 0016): `batches` (what was submitted) and `batch_rows` (one per
 * expanded prompt, each pointing at its journalled job, with the row's values). Reads also join `jobs` (row states)
 * and `assets` (the images a row made).
 */
import type { Db } from '../library/db';
import { Statements, type Statement } from './statements';

/** The tables this repository owns: only it writes them. */
export const OWNS = ['batches', 'batch_rows'] as const;

/** A `batches` row as stored (JSON columns as text, times in epoch ms, flags 0/1). */
export interface BatchRow {
  id: string;
  folder_id: string;
  provider: string;
  model: string;
  template: string;
  table_text: string;
  /** JSON array of value names. */
  columns: string;
  /** JSON object: the model's parameters. */
  params: string;
  paused: number;
  created_at: number;
}

/** A `batch_rows` row: its position (0-based), the table's data row (1-based, 0 without a table), job, values (JSON). */
export interface BatchRowRow {
  position: number;
  table_row: number;
  job_id: string;
  vars: string;
}

/** An image of a batch row: the row's position, the asset and its blob, in output order. */
export interface BatchImageRow {
  position: number;
  asset_id: string;
  blob_id: string;
}

/** A batch's counts and money over its rows' jobs (sums null where no row has a figure). */
export interface BatchTotalsRow {
  total: number;
  completed: number;
  failed: number;
  active: number;
  credits_estimate: number | null;
  usd_estimate: number | null;
  /** Charged credits and USD, earlier attempts of a retried row included. */
  credits: number | null;
  cost_usd: number | null;
}

/** Batches and their rows. Statements are prepared once, on first use. */
export class BatchesRepository {
  private readonly statements: Statements;

  constructor(db: Db) {
    this.statements = new Statements(db);
  }

  private st(sql: string): Statement {
    return this.statements.get(sql);
  }

  /** Inserts a batch (not paused). Run inside the submit's transaction, before its rows. */
  insertBatch(b: Omit<BatchRow, 'paused'>): void {
    this.st(
      `INSERT INTO batches (id, folder_id, provider, model, template, table_text, columns, params, paused, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, ?)`,
    ).run(b.id, b.folder_id, b.provider, b.model, b.template, b.table_text, b.columns, b.params, b.created_at);
  }

  /** Inserts one row of batch `batchId` pointing at its (already inserted) job. */
  insertRow(batchId: string, r: BatchRowRow): void {
    this.st('INSERT INTO batch_rows (batch_id, position, table_row, job_id, vars) VALUES (?, ?, ?, ?, ?)').run(
      batchId,
      r.position,
      r.table_row,
      r.job_id,
      r.vars,
    );
  }

  /** Holds (true) or releases (false) the batch's queued rows. @returns false where no such batch exists */
  setPaused(batchId: string, paused: boolean): boolean {
    return this.st('UPDATE batches SET paused = ? WHERE id = ?').run(paused ? 1 : 0, batchId).changes > 0;
  }

  /** The batch, or null. */
  get(batchId: string): BatchRow | null {
    return (this.st('SELECT * FROM batches WHERE id = ?').get(batchId) as BatchRow | undefined) ?? null;
  }

  /** Batches newest first: of one folder, or all (`folderId` null); at most `limit`. */
  list(folderId: string | null, limit: number): BatchRow[] {
    return (
      folderId === null
        ? this.st('SELECT * FROM batches ORDER BY created_at DESC, id DESC LIMIT ?').all(limit)
        : this.st('SELECT * FROM batches WHERE folder_id = ? ORDER BY created_at DESC, id DESC LIMIT ?').all(folderId, limit)
    ) as BatchRow[];
  }

  /** The batch's rows in order. */
  rows(batchId: string): BatchRowRow[] {
    return this.st('SELECT position, table_row, job_id, vars FROM batch_rows WHERE batch_id = ? ORDER BY position').all(batchId) as BatchRowRow[];
  }

  /** Counts and money of the batch's rows. */
  totals(batchId: string): BatchTotalsRow {
    return this.st(
      `SELECT count(*) AS total,
              coalesce(sum(j.state = 'completed'), 0) AS completed,
              coalesce(sum(j.state IN ('failed', 'canceled', 'expired')), 0) AS failed,
              coalesce(sum(j.state IN ('queued', 'submitting', 'running', 'downloading')), 0) AS active,
              sum(j.credits_estimate) AS credits_estimate, sum(j.usd_estimate) AS usd_estimate,
              sum(CASE WHEN j.credits IS NULL AND j.prior_credits IS NULL THEN NULL ELSE coalesce(j.credits, 0) + coalesce(j.prior_credits, 0) END) AS credits,
              sum(CASE WHEN j.cost_usd IS NULL AND j.prior_usd IS NULL THEN NULL ELSE coalesce(j.cost_usd, 0) + coalesce(j.prior_usd, 0) END) AS cost_usd
         FROM batch_rows r JOIN jobs j ON j.id = r.job_id WHERE r.batch_id = ?`,
    ).get(batchId) as BatchTotalsRow;
  }

  /** The live images of the batch's rows, by row position then output order. */
  images(batchId: string): BatchImageRow[] {
    return this.st(
      `SELECT r.position AS position, a.id AS asset_id, a.blob_id AS blob_id
         FROM batch_rows r JOIN assets a ON a.job_id = r.job_id
        WHERE r.batch_id = ? AND a.deleted_at IS NULL ORDER BY r.position, a.output_index`,
    ).all(batchId) as BatchImageRow[];
  }

  /** True where the job is a row of a paused batch (its submit is held). */
  isHeld(jobId: string): boolean {
    return !!this.st('SELECT 1 FROM batch_rows r JOIN batches b ON b.id = r.batch_id WHERE r.job_id = ? AND b.paused = 1').get(jobId);
  }

  /** The values (JSON text) of the batch row a job is, or null for a job outside any batch. */
  varsOfJob(jobId: string): string | null {
    return (this.st('SELECT vars FROM batch_rows WHERE job_id = ?').get(jobId) as { vars: string } | undefined)?.vars ?? null;
  }
}
