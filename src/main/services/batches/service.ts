/**
 * Batches from a template (issue 13): a template and a table expanded (src/shared/batch-template.ts) to one job
 * per prompt, queued as one batch. Each row is an ordinary journalled job — the engine runs it with the provider's
 * concurrency and rate limits, and a crash loses and repays nothing of it — whose first idempotency key is derived
 * from the batch id and the row's position. Submitting is one transaction that writes the batch, its rows and their
 * jobs; nothing goes on the wire before it commits. Pause holds the queued rows (the engine's `held` hook), cancel
 * and retry apply the queue's own rule (src/shared/jobs.ts) to every row. Plain Node, synchronous SQLite.
 */
import { createHash, randomUUID } from 'node:crypto';
import { estimateCredits, estimateUsd, type ModelId, type ProviderId } from '@shared/capabilities';
import { planBatch, type PlannedRow } from '@shared/batch-template';
import type { CallInputParsed } from '@shared/contract';
import type { BatchImage, BatchRowView, BatchSummary, BatchView } from '@shared/contracts/batches';
import { AppError, toAppError } from '@shared/errors';
import { jobActions } from '@shared/jobs';
import type { EventBus } from '../../dispatcher';
import type { Db } from '../library/db';
import type { JobEngine } from '../jobs/engine';
import type { JobJournal, JobRecord } from '../jobs/journal';
import type { CheckedJob } from '../jobs/submit';
import type { SettingsService } from '../settings';
import type { BudgetService } from '../budgets/service';
import type { BatchesRepository, BatchRow, BatchRowRow } from '../repositories/batches';

/** What the service needs from the app. */
export interface BatchDeps {
  db: Db;
  bus: EventBus;
  repo: BatchesRepository;
  journal: JobJournal;
  engine: JobEngine;
  settings: SettingsService;
  /** The project budgets' check, the same one `jobs.submit` calls, over the batch's summed estimates. */
  budgets: BudgetService;
  /** The submitter's checks of one job (parameters, references, folder, key), creating nothing. */
  checkJob(input: CallInputParsed<'jobs.submit'>): CheckedJob;
  now?: () => number;
}

/**
 * The idempotency key of a batch row's first attempt, derived from the batch id and the row's position: a UUID
 * (version 8, RFC 9562 §5.8) made of the first 122 bits of SHA-256(`<batch id>:<position>`), so it has the form every
 * provider path already takes (the sandbox reads its key back from the remote id) and the same row always has it.
 */
export function batchRowKey(batchId: string, position: number): string {
  const h = createHash('sha256').update(`${batchId}:${position}`).digest();
  h[6] = (h[6]! & 0x0f) | 0x80;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

/** Most batches {@link BatchService.list} returns. */
const LIST_LIMIT = 50;

/** A row's refusal with the row named: `params.row` (1-based table row, 0 without a table), `params.position` (1-based). */
function withRow(err: AppError, row: PlannedRow): AppError {
  return new AppError(err.code, `row ${row.row || row.index + 1}: ${err.message}`, {
    params: { ...err.params, row: row.row, position: row.index + 1 },
    ...(err.providerMessage ? { providerMessage: err.providerMessage } : {}),
  });
}

export class BatchService {
  private readonly now: () => number;

  constructor(private readonly d: BatchDeps) {
    this.now = d.now ?? Date.now;
  }

  /**
   * Plans, checks and queues a batch. Every row is checked before anything is written: the plan's own checks (the
   * template and table, the model's prompt limit, empty values, references) and the submitter's (parameters,
   * reference files and sizes, folder, key).
   * @throws AppError `validation`: `params.field` `template` / `table` / `model` with the plan's reason, or `row`
   *   (`params.row`, `params.position`, `params.reason` and its facts); a row failing the submitter's checks is its
   *   error with `params.row` and `params.position` added; `budget_exceeded` where the rows' summed estimates would
   *   take the project past its budget and `overrideBudget` is not true; nothing is created
   */
  submit(input: CallInputParsed<'batches.submit'>): BatchView {
    const prices = this.d.settings.prices();
    const plan = planBatch({ ...input, prices });
    if (plan.issue) {
      throw new AppError('validation', `batch ${plan.issue.field}: ${plan.issue.reason}`, { params: { ...plan.issue } });
    }
    const bad = plan.rows.find((r) => r.issue !== null);
    if (bad?.issue) {
      throw new AppError('validation', `row ${bad.row || bad.index + 1}: ${bad.issue.reason}`, {
        params: { ...bad.issue, field: 'row', row: bad.row, position: bad.index + 1 },
      });
    }
    // The submitter's checks, once per distinct set of references (the key is read once, each file looked up once).
    const checked = new Map<string, CheckedJob>();
    const rows = plan.rows.map((r) => {
      const references = r.references.map((i) => input.references[i]!);
      const setKey = r.references.join(',');
      let c = checked.get(setKey);
      if (!c) {
        try {
          c = this.d.checkJob({ folderId: input.folderId, provider: input.provider, model: input.model, prompt: r.prompt, params: input.params, references });
        } catch (err) {
          throw withRow(toAppError(err), r);
        }
        checked.set(setKey, c);
      }
      return {
        plan: r,
        references,
        params: c.params,
        expectedCount: Number(c.params[c.cap.countParam] ?? 1),
        creditsEstimate: estimateCredits(input.provider, input.model, c.params, prices),
        usdEstimate: estimateUsd(input.provider, input.model, c.params, references.length, prices, r.prompt),
      };
    });
    const sum = (pick: (r: (typeof rows)[number]) => number | null): number | null =>
      rows.some((r) => pick(r) !== null) ? rows.reduce((s, r) => s + (pick(r) ?? 0), 0) : null;
    this.d.budgets.assertWithin(input.folderId, { credits: sum((r) => r.creditsEstimate), usd: sum((r) => r.usdEstimate) }, input.overrideBudget);
    const batchId = randomUUID();
    const jobs: JobRecord[] = [];
    this.d.db.transaction(() => {
      this.d.repo.insertBatch({
        id: batchId,
        folder_id: input.folderId,
        provider: input.provider,
        model: input.model,
        template: input.template,
        table_text: input.table,
        columns: JSON.stringify(plan.columns),
        params: JSON.stringify(rows[0]?.params ?? {}),
        created_at: this.now(),
      });
      for (const r of rows) {
        const job = this.d.journal.create({
          folderId: input.folderId,
          provider: input.provider,
          model: input.model,
          prompt: r.plan.prompt,
          params: r.params,
          expectedCount: r.expectedCount,
          references: r.references,
          creditsEstimate: r.creditsEstimate,
          usdEstimate: r.usdEstimate,
          idempotencyKey: batchRowKey(batchId, r.plan.index),
        });
        this.d.repo.insertRow(batchId, { position: r.plan.index, table_row: r.plan.row, job_id: job.id, vars: JSON.stringify(r.plan.values) });
        jobs.push(job);
      }
    })();
    // Only now, with everything journalled, do the rows start (a crash before this resumes them on the next start).
    for (const job of jobs) {
      this.d.bus.emit('job.updated', this.d.journal.view(job));
      this.d.engine.enqueue(job.id);
    }
    this.d.bus.emit('batch.changed', { batchId });
    return this.get(batchId);
  }

  /**
   * The batch with its rows (values, prompt, job state, images).
   * @throws AppError `not_found`
   */
  get(id: string): BatchView {
    const b = this.mustGet(id);
    const images = new Map<number, BatchImage[]>();
    for (const img of this.d.repo.images(id)) {
      const list = images.get(img.position) ?? [];
      list.push({ assetId: img.asset_id, blobId: img.blob_id });
      images.set(img.position, list);
    }
    const batchRows = this.d.repo.rows(id);
    const rows: BatchRowView[] = [];
    for (const r of batchRows) {
      const job = this.d.journal.get(r.job_id);
      if (!job) continue;
      rows.push({
        position: r.position,
        tableRow: r.table_row,
        values: JSON.parse(r.vars) as Record<string, string>,
        prompt: job.prompt,
        jobId: job.id,
        state: job.state,
        progress: job.progress,
        error: job.error,
        images: images.get(r.position) ?? [],
      });
    }
    return { ...this.summary(b, batchRows), rows };
  }

  /** Batches newest first, of one folder or all (at most 50). */
  list(folderId: string | null): BatchSummary[] {
    return this.d.repo.list(folderId, LIST_LIMIT).map((b) => this.summary(b));
  }

  /**
   * Holds the batch's queued rows (they are not submitted until resumed); rows the provider has keep being watched.
   * @throws AppError `not_found`
   */
  pause(id: string): BatchView {
    this.mustGet(id);
    this.d.repo.setPaused(id, true);
    this.d.bus.emit('batch.changed', { batchId: id });
    return this.get(id);
  }

  /**
   * Releases the batch's queued rows, in order (the engine's per-provider limits apply as ever).
   * @throws AppError `not_found`
   */
  resume(id: string): BatchView {
    this.mustGet(id);
    this.d.repo.setPaused(id, false);
    for (const r of this.d.repo.rows(id)) {
      if (this.d.journal.get(r.job_id)?.state === 'queued') this.d.engine.enqueue(r.job_id);
    }
    this.d.bus.emit('batch.changed', { batchId: id });
    return this.get(id);
  }

  /**
   * Cancels every row the queue offers to cancel (src/shared/jobs.ts): queued ones at once, ones the provider has
   * marked and watched (a result that still arrives is kept: it was paid for).
   * @throws AppError `not_found`
   */
  cancel(id: string): BatchView {
    this.mustGet(id);
    for (const r of this.d.repo.rows(id)) {
      const job = this.d.journal.get(r.job_id);
      if (job && jobActions(this.d.journal.view(job)).cancel) this.d.engine.cancel(job.id);
    }
    this.d.bus.emit('batch.changed', { batchId: id });
    return this.get(id);
  }

  /**
   * Retries every failed, canceled or expired row the queue offers to retry, as `jobs.retry` does each. The summed
   * estimates of the rows sent again are checked against the project's budget as a submit is
   * ({@link BudgetService.assertWithin}): a failed row no longer counts, a retried one does again. A row the provider
   * already has and is only watched again (`resume`) pays nothing new and is not checked.
   * @throws AppError `not_found`; `paid_retry_unconfirmed` (params `credits`, `usd`: the summed estimates of the rows
   *   that would pay again, or null; `rows`: how many) where any of them may already have been charged and
   *   `confirmPaid` is not true; `budget_exceeded` (the submit's params) where the rows would take the project past
   *   its budget and `overrideBudget` is not true — then nothing changes
   */
  retryFailed(id: string, opts: { confirmPaid?: boolean; overrideBudget?: boolean } = {}): BatchView {
    const b = this.mustGet(id);
    const todo: { job: JobRecord; confirm: boolean; resend: boolean }[] = [];
    for (const r of this.d.repo.rows(id)) {
      const job = this.d.journal.get(r.job_id);
      const action = job ? jobActions(this.d.journal.view(job)).retry : null;
      if (job && action) todo.push({ job, confirm: action.confirm, resend: action.mode === 'resubmit' });
    }
    const sum = (of: readonly { job: JobRecord }[], pick: (j: JobRecord) => number | null): number | null =>
      of.some((t) => pick(t.job) !== null) ? of.reduce((s, t) => s + (pick(t.job) ?? 0), 0) : null;
    const paid = todo.filter((t) => t.confirm);
    if (paid.length > 0 && opts.confirmPaid !== true) {
      throw new AppError('paid_retry_unconfirmed', `${paid.length} rows of batch ${id} may already have been charged; retrying them pays again`, {
        params: { credits: sum(paid, (j) => j.creditsEstimate), usd: sum(paid, (j) => j.usdEstimate), rows: paid.length },
      });
    }
    const resent = todo.filter((t) => t.resend);
    this.d.budgets.assertWithin(b.folder_id, { credits: sum(resent, (j) => j.creditsEstimate), usd: sum(resent, (j) => j.usdEstimate) }, opts.overrideBudget);
    for (const t of todo) this.d.engine.retry(t.job.id, { confirmPaid: opts.confirmPaid === true });
    this.d.bus.emit('batch.changed', { batchId: id });
    return this.get(id);
  }

  private mustGet(id: string): BatchRow {
    const b = this.d.repo.get(id);
    if (!b) throw new AppError('not_found', `batch ${id} does not exist`, { params: { id } });
    return b;
  }

  /** The batch's summary; `rows`: its rows where the caller has read them already. */
  private summary(b: BatchRow, rows: BatchRowRow[] = this.d.repo.rows(b.id)): BatchSummary {
    const t = this.d.repo.totals(b.id);
    return {
      id: b.id,
      folderId: b.folder_id,
      provider: b.provider as ProviderId,
      model: b.model as ModelId,
      template: b.template,
      columns: JSON.parse(b.columns) as string[],
      paused: b.paused === 1,
      createdAt: b.created_at,
      total: t.total,
      completed: t.completed,
      failed: t.failed,
      active: t.active,
      creditsEstimate: t.credits_estimate,
      usdEstimate: t.usd_estimate,
      credits: t.credits,
      costUsd: t.cost_usd,
      jobIds: rows.map((r) => r.job_id),
    };
  }
}
