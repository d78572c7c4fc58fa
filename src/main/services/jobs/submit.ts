/**
 * Job submission: every check a job must pass before it is journalled (model served by the provider, prompt
 * length in the provider's unit, parameters against the model's schema, reference count and sizes against the
 * model's limits, references and folder present, a key where one is needed), then the journal row with the
 * estimates shown before submit, and the engine started on it. Edits go through the chain service's plan first.
 */
import { capabilityOf, estimateCredits, estimateUsd, promptLength, type ModelCapability } from '@shared/capabilities';
import type { CallInputParsed } from '@shared/contract';
import type { JobView } from '@shared/domain';
import { AppError } from '@shared/errors';
import { jobActions } from '@shared/jobs';
import { issueParams } from '@shared/validation-issue';
import type { EventBus } from '../../dispatcher';
import type { ChainService, EditPlan } from '../chains/service';
import type { Db } from '../library/db';
import type { FolderService } from '../library/folders';
import type { BlobStore } from '../library/store';
import type { SettingsService } from '../settings';
import type { BudgetService } from '../budgets/service';
import type { ProviderContext } from '../providers/types';
import type { JobEngine } from './engine';
import type { JobJournal } from './journal';

/** A job input that passed every check: its capability, the trimmed prompt and the parsed parameters. */
export interface CheckedJob {
  cap: ModelCapability;
  prompt: string;
  params: Record<string, unknown>;
}

export type SubmitInput = CallInputParsed<'jobs.submit'>;

export interface SubmitDeps {
  db: Db;
  bus: EventBus;
  store: BlobStore;
  folders: FolderService;
  journal: JobJournal;
  engine: JobEngine;
  settings: SettingsService;
  chains: ChainService;
  /** The project budgets' check (refuses a submit that would pass a cap without `overrideBudget`). */
  budgets: BudgetService;
  /** Refuses (AppError `no_api_key`) where the provider needs a key and none is set. */
  contextFor(provider: SubmitInput['provider']): ProviderContext;
}

export class JobSubmitter {
  constructor(private readonly d: SubmitDeps) {}

  /**
   * Every check {@link JobSubmitter.submit} makes, creating nothing (a comparison validates all its runs first).
   * @throws AppError `validation` (field `model`, `prompt`, a parameter, `references`), `prompt_too_long`
   *   (`length`, `max` in the provider's unit), `bad_file` (a reference over the model's byte limit), `not_found`
   *   (a reference or the folder), `no_api_key`
   */
  check(input: SubmitInput): CheckedJob {
    const cap = capabilityOf(input.provider, input.model);
    if (!cap) {
      throw new AppError('validation', `${input.provider} does not serve ${input.model}`, {
        params: { field: 'model', reason: 'unsupported' },
      });
    }
    const prompt = input.prompt.trim();
    const length = promptLength(cap, prompt);
    if (length === 0) {
      throw new AppError('validation', 'the prompt is empty', { params: { field: 'prompt', reason: 'empty' } });
    }
    if (length > cap.maxPromptChars) {
      throw new AppError('prompt_too_long', `the prompt is ${length} characters; the limit is ${cap.maxPromptChars}`, {
        params: { field: 'prompt', length, max: cap.maxPromptChars },
      });
    }
    const parsed = cap.params.safeParse(input.params);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = issue?.path.join('.') || (issue && 'keys' in issue ? String((issue as { keys: string[] }).keys[0]) : '');
      throw new AppError('validation', `parameter ${field}: ${issue?.message ?? 'invalid'}`, {
        // The issue's code and facts, said in the user's language by the renderer (validation-issue.ts).
        params: issue ? { ...issueParams(issue), field } : { field, reason: 'invalid' },
      });
    }
    if (input.references.length > cap.maxReferenceImages) {
      throw new AppError('validation', `${input.references.length} reference images; ${cap.model} takes ${cap.maxReferenceImages}`, {
        params: { field: 'references', reason: 'too_many' },
      });
    }
    for (const r of input.references) {
      const blob = this.d.store.get(r.blobId);
      if (!blob) throw new AppError('not_found', `reference image ${r.name} is not in the library`);
      // A reference staged for one model may be too large for another (Apiframe uploads take 25 MB, EvoLink 50 MB).
      if (blob.bytes > cap.maxReferenceBytes) {
        throw new AppError('bad_file', `${r.name}: ${blob.bytes} bytes is over ${cap.model}'s limit of ${cap.maxReferenceBytes}`, {
          params: { name: r.name, reason: 'too_large', maxBytes: cap.maxReferenceBytes },
        });
      }
    }
    if (!this.d.folders.exists(input.folderId)) throw new AppError('not_found', `folder ${input.folderId} does not exist`);
    this.d.contextFor(input.provider); // refuses now, not later, when the key is missing
    return { cap, prompt, params: parsed.data };
  }

  /**
   * Checks and journals a job (with the credit and USD estimates of the price table in force) and starts it.
   * `edit` (from {@link ChainService.planEdit}) makes it a step of an edit chain.
   * @throws AppError as {@link JobSubmitter.check}; `budget_exceeded` where the estimate would take the project past
   *   its budget and `overrideBudget` is not true ({@link BudgetService.assertWithin})
   */
  submit(input: SubmitInput, edit?: EditPlan): JobView {
    const { cap, prompt, params } = this.check(input);
    const expectedCount = Number(params[cap.countParam] ?? 1);
    const prices = this.d.settings.prices(); // the table in force, with the user's overrides
    const creditsEstimate = estimateCredits(input.provider, input.model, params, prices);
    const usdEstimate = estimateUsd(input.provider, input.model, params, input.references.length, prices, prompt);
    this.d.budgets.assertWithin(input.folderId, { credits: creditsEstimate, usd: usdEstimate }, input.overrideBudget);
    const job = this.d.journal.create({
      creditsEstimate,
      usdEstimate,
      folderId: input.folderId,
      provider: input.provider,
      model: input.model,
      prompt,
      params,
      expectedCount,
      references: input.references,
      ...(edit ? { uploads: edit.uploads, maskBlobId: edit.maskBlobId } : {}),
    });
    if (edit) this.d.chains.recordStep(job.id, edit);
    const view = this.d.journal.view(job);
    this.d.bus.emit('job.updated', view);
    this.d.engine.enqueue(job.id);
    return view;
  }

  /**
   * Retries job `id` in place ({@link JobEngine.retry}). A fresh submit (`jobActions` mode `resubmit`) pays again, so
   * it is held to the project's budget as a new submit is; a resumed watch or download pays nothing new.
   * @throws AppError `budget_exceeded` (see {@link BudgetService.assertWithin}) unless `overrideBudget`; as
   *   {@link JobEngine.retry} (`not_found`, `conflict`, `paid_retry_unconfirmed` without `confirmPaid`)
   */
  retry(id: string, opts: { confirmPaid?: boolean; overrideBudget?: boolean }): JobView {
    const job = this.d.journal.get(id);
    if (job && jobActions(this.d.journal.view(job)).retry?.mode === 'resubmit') {
      this.d.budgets.assertWithin(job.folderId, { credits: job.creditsEstimate, usd: job.usdEstimate }, opts.overrideBudget);
    }
    return this.d.engine.retry(id, { confirmPaid: opts.confirmPaid === true });
  }

  /**
   * The budget check of several jobs at once (a comparison's runs), over their summed estimates, creating nothing.
   * @throws AppError as {@link JobSubmitter.check} for a job that fails its checks; `budget_exceeded` (see
   *   {@link BudgetService.assertWithin}) where together they would pass the project's budget
   */
  assertBudget(inputs: SubmitInput[]): void {
    if (inputs.length === 0) return;
    const prices = this.d.settings.prices();
    let credits: number | null = null;
    let usd: number | null = null;
    for (const input of inputs) {
      const { params, prompt } = this.check(input);
      const c = estimateCredits(input.provider, input.model, params, prices);
      const u = estimateUsd(input.provider, input.model, params, input.references.length, prices, prompt);
      if (c !== null) credits = (credits ?? 0) + c;
      if (u !== null) usd = (usd ?? 0) + u;
    }
    this.d.budgets.assertWithin(inputs[0]!.folderId, { credits, usd }, inputs[0]!.overrideBudget);
  }

  /**
   * Submits an edit (`parentAssetId`, or `parentVersionId` for a replay) after the chain's checks (parent on disk,
   * mask size, mask support, input count), all before anything is stored or sent. The job row and its chain step
   * are one transaction: no edit job exists without its place in the chain.
   */
  async submitEdit(input: SubmitInput, opts: { parentVersionId?: string; replayOf?: string } = {}): Promise<JobView> {
    const cap = capabilityOf(input.provider, input.model);
    const parsed = cap?.params.safeParse(input.params);
    // An unknown model or bad parameters: submit() refuses them with its usual reasons.
    if (!cap || !parsed?.success) return this.submit(input);
    const plan = await this.d.chains.planEdit({
      cap,
      params: parsed.data,
      rawParams: input.params,
      parentAssetId: opts.parentVersionId ? undefined : input.parentAssetId,
      parentVersionId: opts.parentVersionId,
      references: input.references,
      maskBlobId: input.maskBlobId ?? null,
      replayOf: opts.replayOf ?? null,
      chainMethod: input.chainMethod,
    });
    return this.d.db.transaction(() => this.submit({ ...input, references: plan.references, params: plan.params }, plan))();
  }
}
