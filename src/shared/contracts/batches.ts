/**
 * Batches from a template (issue 13): one prompt template with a table of values and inline alternatives, expanded
 * (src/shared/batch-template.ts) to one journalled job per prompt, queued as one batch with its progress, pause,
 * cancel and retry of the failed rows. Calls and events are spread into `contract` / `events` in ../contract.ts.
 */
import { z } from 'zod';
import { ModelIdSchema, ProviderIdSchema } from '../capabilities';
import { BlobId, Id, JobState } from '../domain';
import { AppErrorShape } from '../errors';
import { BATCH_MAX_TABLE_CHARS, BATCH_MAX_TEMPLATE_CHARS } from '../batch-template';
import { LIMITS, ParamsRecord } from '../limits';

/** An image a row made: its asset and the blob to show (thumbnail through the media endpoints). */
export const BatchImage = z.object({ assetId: Id, blobId: BlobId });
export type BatchImage = z.infer<typeof BatchImage>;

/** One row of a batch: its values, its expanded prompt and its job as the queue sees it. */
export const BatchRowView = z.object({
  /** 0-based position in the batch. */
  position: z.number().int(),
  /** The table's 1-based data row it came from; 0 without a table. */
  tableRow: z.number().int(),
  /** Column → value, and `1`, `2`, … for the alternatives chosen. */
  values: z.record(z.string(), z.string()),
  prompt: z.string(),
  jobId: Id,
  state: JobState,
  progress: z.number().nullable(),
  error: AppErrorShape.nullable(),
  images: z.array(BatchImage),
});
export type BatchRowView = z.infer<typeof BatchRowView>;

/** Counts and money of a batch (credits and USD summed over its rows; null where no row has a figure). */
export const BatchSummary = z.object({
  id: Id,
  folderId: Id,
  provider: ProviderIdSchema,
  model: ModelIdSchema,
  template: z.string(),
  /** The value names of every row, in order. */
  columns: z.array(z.string()),
  /** Queued rows are held (jobs the provider already has keep being watched). */
  paused: z.boolean(),
  createdAt: z.number(),
  /** N: the rows. */
  total: z.number().int(),
  /** n: rows completed. */
  completed: z.number().int(),
  /** Rows failed, canceled or expired (retry offered where the engine accepts it). */
  failed: z.number().int(),
  /** Rows not yet final (queued, submitting, running, downloading). */
  active: z.number().int(),
  /** Estimated before submit: credits (Apiframe) and USD, summed; null where no row has one. */
  creditsEstimate: z.number().nullable(),
  usdEstimate: z.number().nullable(),
  /** Charged so far. */
  credits: z.number().nullable(),
  costUsd: z.number().nullable(),
  /** The rows' job ids in order (the queue shows them as this one batch). */
  jobIds: z.array(Id),
});
export type BatchSummary = z.infer<typeof BatchSummary>;

/** A batch with its rows, as the batch view shows it. */
export const BatchView = BatchSummary.extend({ rows: z.array(BatchRowView) });
export type BatchView = z.infer<typeof BatchView>;

export const batchCalls = {
  /**
   * Expands `template` with `table` (CSV/TSV text, first row the column names; may be empty) and queues one job per
   * prompt as one batch. Every row is checked first (the model's limits, references, parameters, folder, key): one
   * refused row refuses the batch (`validation`, `params.field` `row` with `params.row` 1-based table row,
   * `params.position` and `params.reason`; or `template` / `table` with their reason), and nothing is created. The
   * batch, its rows and their jobs are one transaction; each row's idempotency key is derived from batch id + row.
   */
  'batches.submit': {
    input: z
      .object({
        folderId: Id,
        provider: ProviderIdSchema,
        model: ModelIdSchema,
        params: ParamsRecord,
        template: z.string().max(BATCH_MAX_TEMPLATE_CHARS),
        table: z.string().max(BATCH_MAX_TABLE_CHARS),
        /** The composer's references as staged; a `reference` column picks them per row, the rest are shared. */
        references: z.array(z.object({ blobId: BlobId, name: z.string().max(LIMITS.fileName) })).max(LIMITS.references),
        /** The user confirmed passing the project's budget (else a batch that would is refused, `budget_exceeded`). */
        overrideBudget: z.boolean().optional(),
      })
      .strict(),
    output: BatchView,
  },
  'batches.get': { input: z.object({ id: Id }).strict(), output: BatchView },
  /** Batches newest first (of one folder, or all), at most 50. */
  'batches.list': { input: z.object({ folderId: Id.nullable().default(null) }).strict(), output: z.array(BatchSummary) },
  /** Holds the batch's queued rows; rows the provider already has keep being watched. */
  'batches.pause': { input: z.object({ id: Id }).strict(), output: BatchView },
  'batches.resume': { input: z.object({ id: Id }).strict(), output: BatchView },
  /** Cancels every row not yet final, as `jobs.cancel` does each (a row the provider has is marked, its result kept). */
  'batches.cancel': { input: z.object({ id: Id }).strict(), output: BatchView },
  /**
   * Retries the failed, canceled and expired rows as `jobs.retry` does each. Where any may already have been charged
   * the call needs `confirmPaid: true`, else it is refused (`paid_retry_unconfirmed`, params `credits`, `usd`: the
   * summed estimates, and `rows`) and nothing changes. The rows' summed estimates are checked against the project's
   * budget as `batches.submit` is: refused with `budget_exceeded` unless `overrideBudget: true`, nothing changing.
   */
  'batches.retryFailed': {
    input: z.object({ id: Id, confirmPaid: z.boolean().optional(), overrideBudget: z.boolean().optional() }).strict(),
    output: BatchView,
  },
} as const;

export const batchEvents = {
  /** A batch was submitted, paused, resumed, canceled or retried (its rows' progress comes as `job.updated`). */
  'batch.changed': z.object({ batchId: Id }),
} as const;
