/**
 * Edit chains: the lineage of every edited image (tables in migrations/0005-edit-chains.ts).
 *
 * - An edit is a job whose first input is a parent version. `planEdit` checks it before anything is created or
 *   sent (parent bytes on disk, mask size, mask on a model that takes one, input count), picks how the provider
 *   continues (`StepMethod`) and, for Apiframe/EvoLink, reuses the parent's own provider URL while it is valid.
 * - When the engine stores an output of such a job (`onOutput`), it becomes a version (asset kind `edited`) under
 *   its parent: editing the newest version continues the chain, editing an older one starts a branch.
 * - Deleting a version's asset leaves its node (with its blob ids), so children are never orphaned.
 * - `lineageOf(assetId)` is the pure-data recipe the export engine writes; `restoreLineage` reads it back on import.
 */
import { randomUUID } from 'node:crypto';
import type { Db } from '../library/db';
import { AssetsRepository } from '../repositories/assets';
import { ChainsRepository, type VersionRow } from '../repositories/chains';
import type { BlobStore } from '../library/store';
import type { JobJournal } from '../jobs/journal';
import type { EventBus } from '../../dispatcher';
import type { UploadedReference } from '../providers/types';
import { capabilityOf, type ModelCapability, type ModelId, type ProviderId } from '@shared/capabilities';
import type { AssetSummary, BlobInfo } from '@shared/domain';
import { AppError } from '@shared/errors';
import {
  offersResponses,
  type ChainMethod,
  type ChainNode,
  type ChainView,
  type OutsideMaskReport,
  type StepInput,
  type StepMethod,
} from '@shared/contracts/chains';
import { compositePixels, decodeRgba, encodePng, heatmapPixels, measureOutsideMask, validateMask } from './mask';

/**
 * How long a provider keeps a result URL fetchable, ms: Apiframe 24 h (OpenAPI Job `expired`: "default 24h
 * retention", specs/apiframe-v2-openapi.json), EvoLink 24 h (its API manual, https://docs.evolink.ai/en/api-manual/).
 * Others: none reused.
 */
export const RESULT_URL_LIFETIME_MS: Partial<Record<ProviderId, number>> = {
  apiframe: 24 * 3600_000,
  evolink: 24 * 3600_000,
};
/** A parent URL is reused only with at least this much life left (the job may wait in the queue), ms. */
export const URL_REUSE_MARGIN_MS = 3600_000;

/** What an edit needs beyond an ordinary job, decided by {@link ChainService.planEdit}. */
export interface EditPlan {
  parentVersionId: string | null;
  /** The asset the chain starts from when it has no node yet. */
  rootAssetId: string | null;
  /** Every input in order, the parent first. */
  references: { blobId: string; name: string }[];
  /** Parameters with the edit defaults applied (`input_fidelity: high` where the model has it and it was not set). */
  params: Record<string, unknown>;
  /** The parent's provider URL at position 0, when it can be reused. */
  uploads: UploadedReference[];
  maskBlobId: string | null;
  method: StepMethod;
  replayOf: string | null;
  /** Responses API steps: the parent's response id to continue (https://platform.openai.com/docs/api-reference/responses); null sends the parent image. */
  previousResponseId: string | null;
  /** Set when the Responses API was asked for but the step falls back to the Images API (`parent_not_responses`). */
  fallback: string | null;
}

/** One step of a lineage as exported (schema `atelier.lineage/1`). Times epoch ms. */
export interface LineageStep {
  versionId: string;
  parentVersionId: string | null;
  assetId: string | null;
  blobId: string;
  parentBlobId: string | null;
  method: StepMethod;
  provider: string | null;
  model: string | null;
  prompt: string | null;
  params: Record<string, unknown>;
  inputs: StepInput[];
  maskBlobId: string | null;
  jobId: string | null;
  replayOf: string | null;
  createdAt: number;
}

/** The lineage of one asset: every step from the chain's root to it, and the chain's chosen version. */
export interface Lineage {
  schema: 'atelier.lineage/1';
  chainId: string;
  versionId: string;
  chosenVersionId: string | null;
  /** Root first, the asset's own version last. */
  path: LineageStep[];
}

/** Dependencies of {@link ChainService}. */
export interface ChainServiceDeps {
  db: Db;
  store: BlobStore;
  journal: JobJournal;
  bus: EventBus;
  now?: () => number;
}

const json = (s: string): unknown => {
  try {
    return JSON.parse(s) as unknown;
  } catch {
    return null;
  }
};

export class ChainService {
  private readonly now: () => number;
  private readonly chains: ChainsRepository;
  private readonly assets: AssetsRepository;
  constructor(private readonly d: ChainServiceDeps) {
    this.now = d.now ?? Date.now;
    this.chains = ChainsRepository.of(d.db);
    this.assets = AssetsRepository.of(d.db);
  }

  // ── reading ───────────────────────────────────────────────────────────────────────────────────────────────

  private version(id: string): VersionRow | null {
    return this.chains.version(id) ?? null;
  }

  private versionOfAsset(assetId: string): VersionRow | null {
    return this.chains.versionOfAsset(assetId) ?? null;
  }

  private mustVersion(id: string): VersionRow {
    const v = this.version(id);
    if (!v) throw new AppError('not_found', `no version with id ${id}`, { params: { id } });
    return v;
  }

  private asset(assetId: string): { id: string; folder_id: string; blob_id: string; job_id: string | null; output_index: number | null } {
    const a = this.assets.ref(assetId);
    if (!a) throw new AppError('not_found', `no asset with id ${assetId}`, { params: { id: assetId } });
    return a;
  }

  /**
   * The chain of an asset. An image never edited gives a one-node view with a provisional id (nothing is stored).
   * @throws AppError `not_found` for an unknown asset
   */
  chainOfAsset(assetId: string): ChainView {
    const v = this.versionOfAsset(assetId);
    if (v) return this.view(v.chain_id);
    const a = this.asset(assetId);
    const job = a.job_id ? this.d.journal.get(a.job_id) : null;
    const node: ChainNode = {
      id: `asset:${assetId}`,
      parentId: null,
      assetId,
      blob: this.d.store.get(a.blob_id),
      method: 'root',
      provider: job?.provider ?? null,
      model: job?.model ?? null,
      prompt: job?.prompt ?? null,
      params: job?.params ?? {},
      inputs: [],
      maskBlobId: null,
      jobId: a.job_id,
      replayOf: null,
      responseId: null,
      fallback: null,
      credits: job?.credits ?? null,
      costUsd: job?.costUsd ?? null,
      durationMs: null,
      createdAt: job?.createdAt ?? this.now(),
      depth: 0,
    };
    return { id: `asset:${assetId}`, chosenVersionId: null, nodes: [node], straight: true };
  }

  /**
   * A chain's nodes, parents before children (depth-first, siblings oldest first), with costs and times from
   * their jobs. @throws AppError `not_found`
   */
  view(chainId: string): ChainView {
    const chain = this.chains.chain(chainId);
    if (!chain) throw new AppError('not_found', `no chain with id ${chainId}`, { params: { id: chainId } });
    const rows = this.chains.versionsOfChain(chainId);
    const kids = new Map<string | null, VersionRow[]>();
    for (const r of rows) kids.set(r.parent_id, [...(kids.get(r.parent_id) ?? []), r]);
    const out: ChainNode[] = [];
    const walk = (r: VersionRow, depth: number): void => {
      out.push(this.node(r, depth));
      for (const c of kids.get(r.id) ?? []) walk(c, depth + 1);
    };
    for (const root of kids.get(null) ?? []) walk(root, 0);
    const straight = [...kids.values()].every((list) => list.length <= 1);
    return { id: chain.id, chosenVersionId: chain.chosen_version_id, nodes: out, straight };
  }

  private node(r: VersionRow, depth: number): ChainNode {
    const job = r.job_id ? this.d.journal.get(r.job_id) : null;
    const assetAt = r.asset_id ? this.assets.ref(r.asset_id) : undefined;
    const isStep = r.method !== 'root' && r.method !== 'composite';
    return {
      id: r.id,
      parentId: r.parent_id,
      assetId: r.asset_id,
      blob: this.d.store.get(r.blob_id),
      method: r.method,
      provider: (r.provider ?? job?.provider ?? null) as ProviderId | null,
      model: (r.model ?? job?.model ?? null) as ModelId | null,
      prompt: r.prompt ?? job?.prompt ?? null,
      params: (json(r.params) as Record<string, unknown> | null) ?? {},
      inputs: (json(r.inputs) as StepInput[] | null) ?? [],
      maskBlobId: r.mask_blob_id,
      jobId: r.job_id,
      replayOf: r.replay_of,
      responseId: r.response_id,
      fallback: r.fallback,
      credits: job?.credits ?? null,
      costUsd: job ? (job.costUsd ?? job.usdEstimate) : null,
      durationMs: isStep && job && assetAt ? assetAt.created_at - job.createdAt : null,
      createdAt: r.created_at,
      depth,
    };
  }

  // ── planning an edit ──────────────────────────────────────────────────────────────────────────────────────

  /**
   * Checks an edit and decides how it runs, before anything is created or sent.
   * @param input.parentAssetId the asset to continue (or `parentVersionId`, for a replay whose parent was deleted)
   * @param input.references further inputs after the parent, in order
   * @throws AppError `not_found` (unknown parent or mask); `bad_file` `unreadable` when the parent's file is
   *   missing from disk; `validation` `field: 'mask'` (`unsupported` on a model that takes none, `size_mismatch`,
   *   `not_png`, `no_alpha`, `needs_parent`); `validation` `field: 'references'` `too_many` over the model's limit
   */
  async planEdit(input: {
    cap: ModelCapability;
    params: Record<string, unknown>;
    rawParams: Record<string, unknown>;
    parentAssetId?: string | undefined;
    parentVersionId?: string | undefined;
    references: { blobId: string; name: string }[];
    maskBlobId?: string | null | undefined;
    replayOf?: string | null;
    chainMethod?: ChainMethod | undefined;
  }): Promise<EditPlan> {
    const { cap } = input;
    if (input.chainMethod === 'responses' && !offersResponses(cap.provider, cap.model)) {
      throw new AppError('validation', `keeping the model's context (Responses API) is offered only for OpenAI gpt-image-2, -1.5 and -1`, {
        params: { field: 'chainMethod', reason: 'unsupported' },
      });
    }
    if (input.chainMethod === 'responses' && !input.parentAssetId && !input.parentVersionId) {
      throw new AppError('validation', 'keeping the model\'s context needs an image to edit', {
        params: { field: 'chainMethod', reason: 'needs_parent' },
      });
    }
    if (!input.parentAssetId && !input.parentVersionId) {
      throw new AppError('validation', 'a mask goes with an edit of an image', { params: { field: 'mask', reason: 'needs_parent' } });
    }
    let parentVersion: VersionRow | null;
    let parentBlobId: string;
    let parentAssetId: string | null;
    if (input.parentVersionId) {
      parentVersion = this.mustVersion(input.parentVersionId);
      parentBlobId = parentVersion.blob_id;
      parentAssetId = parentVersion.asset_id;
    } else {
      const a = this.asset(input.parentAssetId!);
      parentVersion = this.versionOfAsset(a.id);
      parentBlobId = a.blob_id;
      parentAssetId = a.id;
    }
    const parentInfo = this.d.store.get(parentBlobId);
    if (!parentInfo || !this.d.store.exists(parentBlobId)) {
      throw new AppError('bad_file', 'the image this step continues is missing from disk', {
        params: { name: 'parent', reason: 'unreadable' },
      });
    }
    const total = 1 + input.references.length;
    if (total > cap.maxReferenceImages) {
      throw new AppError('validation', `${total} input images; ${cap.model} takes ${cap.maxReferenceImages}`, {
        params: { field: 'references', reason: 'too_many', max: cap.maxReferenceImages },
      });
    }
    for (const r of input.references) {
      if (!this.d.store.exists(r.blobId)) throw new AppError('not_found', `input image ${r.name} is not in the library`);
    }
    const maskBlobId = input.maskBlobId ?? null;
    if (maskBlobId) {
      if (!cap.takesMask) {
        throw new AppError('validation', `${cap.model} on ${cap.provider} takes no mask`, {
          params: { field: 'mask', reason: 'unsupported' },
        });
      }
      if (!this.d.store.exists(maskBlobId)) throw new AppError('not_found', 'the mask is not in the library');
      await validateMask(await this.d.store.read(maskBlobId), parentInfo);
    }
    // gpt-image-1.5 (and -1) edits keep more of the input at `input_fidelity: high`; Apiframe and OpenAI default
    // it to low (specs/apiframe-v2-openapi.json `gptImageParams`; openai-node `ImageEditParams`), so an edit sets it unless the user chose.
    const params = { ...input.params };
    if ('input_fidelity' in params && input.rawParams['input_fidelity'] === undefined) params['input_fidelity'] = 'high';

    let method: StepMethod;
    let previousResponseId: string | null = null;
    let fallback: string | null = null;
    const uploads: UploadedReference[] = [];
    switch (cap.provider) {
      case 'openai':
      case 'openai-compatible':
        method = 'images_edit';
        if (input.chainMethod === 'responses') {
          // Responses API: from the chain's root the parent goes in as an input image (a fresh
          // context); from a version itself made this way its response is continued (`previous_response_id`);
          // from a version made any other way there is no context to keep, so the Images API edit is used.
          if (!parentVersion || parentVersion.method === 'root') {
            method = 'responses_previous_response_id';
          } else if (parentVersion.method === 'responses_previous_response_id' && parentVersion.response_id) {
            method = 'responses_previous_response_id';
            previousResponseId = parentVersion.response_id;
          } else {
            fallback = 'parent_not_responses';
          }
        }
        break;
      case 'sandbox':
        method = 'sandbox_reference';
        break;
      case 'apiframe':
      case 'evolink': {
        const reuse = parentAssetId ? this.providerUrlOf(parentAssetId, cap.provider) : null;
        if (reuse) uploads.push({ blobId: parentBlobId, url: reuse.url, expiresAt: reuse.expiresAt });
        method = reuse ? 'input_url' : 'input_upload';
        break;
      }
    }
    return {
      parentVersionId: parentVersion?.id ?? null,
      rootAssetId: parentVersion ? null : parentAssetId,
      references: [{ blobId: parentBlobId, name: 'parent' }, ...input.references],
      params,
      uploads,
      maskBlobId,
      method,
      replayOf: input.replayOf ?? null,
      previousResponseId,
      fallback,
    };
  }

  /**
   * The provider URL of an asset's bytes when `provider` made it and the URL still has
   * {@link URL_REUSE_MARGIN_MS} to live (from the job's `outputs` in the journal); else null.
   */
  providerUrlOf(assetId: string, provider: ProviderId): { url: string; expiresAt: number } | null {
    const life = RESULT_URL_LIFETIME_MS[provider];
    const a = this.asset(assetId);
    if (!life || !a.job_id || a.output_index === null) return null;
    const job = this.d.journal.get(a.job_id);
    if (!job || job.provider !== provider || job.completedAt === null) return null;
    const out = job.outputs?.[a.output_index];
    if (!out || !('url' in out)) return null;
    const expiresAt = job.completedAt + life;
    return expiresAt - this.now() > URL_REUSE_MARGIN_MS ? { url: out.url, expiresAt } : null;
  }

  /**
   * Records that `jobId` continues the plan's parent (creating the chain and its root node if the parent had
   * none). Call in the transaction that creates the job.
   */
  recordStep(jobId: string, plan: EditPlan): void {
    const parentId = plan.parentVersionId ?? this.ensureRoot(plan.rootAssetId!);
    const inputs: StepInput[] = plan.references.map((r, i) => ({
      blobId: r.blobId,
      name: r.name,
      assetId: i === 0 ? (this.version(parentId)?.asset_id ?? null) : null,
    }));
    this.chains.insertStep({
      job_id: jobId,
      parent_version_id: parentId,
      method: plan.method,
      inputs: JSON.stringify(inputs),
      mask_blob_id: plan.maskBlobId,
      replay_of: plan.replayOf,
      previous_response_id: plan.previousResponseId,
      fallback: plan.fallback,
    });
  }

  /**
   * The engine's submit hook: a Responses API step's way (`previous_response_id` of its parent, or null to send the
   * parent as an input image), or null for every other job.
   */
  submitChain(jobId: string): { method: 'responses'; previousResponseId: string | null } | null {
    const step = this.chains.step(jobId);
    return step?.method === 'responses_previous_response_id' ? { method: 'responses', previousResponseId: step.previous_response_id } : null;
  }

  /** The root node of the chain starting at `assetId`, created (with its chain) if missing. */
  private ensureRoot(assetId: string): string {
    const existing = this.versionOfAsset(assetId);
    if (existing) return existing.id;
    const a = this.asset(assetId);
    const job = a.job_id ? this.d.journal.get(a.job_id) : null;
    const id = randomUUID();
    const t = this.now();
    this.chains.insertChain(id, t);
    this.chains.insertVersion({
      id,
      chainId: id,
      parentId: null,
      assetId: a.id,
      blobId: a.blob_id,
      jobId: a.job_id,
      method: 'root',
      provider: job?.provider ?? null,
      model: job?.model ?? null,
      prompt: job?.prompt ?? null,
      params: JSON.stringify(job?.params ?? {}),
      createdAt: t,
    });
    return id;
  }

  // ── the engine's hooks ────────────────────────────────────────────────────────────────────────────────────

  /** `edited` for a chain step's outputs, else `generated`. */
  kindOf(jobId: string): 'generated' | 'edited' {
    return this.chains.step(jobId) ? 'edited' : 'generated';
  }

  /** Makes a stored output of a chain step a version under its parent. Idempotent on the asset. */
  onOutput(jobId: string, assetId: string): void {
    const step = this.chains.step(jobId);
    if (!step || this.versionOfAsset(assetId)) return;
    const parent = this.version(step.parent_version_id);
    const job = this.d.journal.get(jobId);
    if (!parent || !job) return;
    const a = this.asset(assetId);
    const id = randomUUID();
    this.chains.insertVersion({
      id,
      chainId: parent.chain_id,
      parentId: parent.id,
      assetId,
      blobId: a.blob_id,
      parentBlobId: parent.blob_id,
      jobId,
      method: step.method,
      provider: job.provider,
      model: job.model,
      prompt: job.prompt,
      params: JSON.stringify(job.params),
      inputs: step.inputs,
      maskBlobId: step.mask_blob_id,
      replayOf: step.replay_of,
      createdAt: this.now(),
      // A Responses API step's remote id is its response id (`resp_…`), continued by the next step.
      responseId: step.method === 'responses_previous_response_id' ? job.remoteId : null,
      fallback: step.fallback,
    });
    this.d.bus.emit('chain.changed', { chainId: parent.chain_id, versionId: id });
  }

  // ── actions ───────────────────────────────────────────────────────────────────────────────────────────────

  /** Marks (or clears) the chain's chosen version. @throws AppError `not_found` */
  choose(versionId: string, chosen: boolean): ChainView {
    const v = this.mustVersion(versionId);
    if (chosen) this.chains.setChosen(v.chain_id, v.id);
    else this.chains.clearChosenIf(v.chain_id, v.id);
    this.d.bus.emit('chain.changed', { chainId: v.chain_id, versionId: v.id });
    return this.view(v.chain_id);
  }

  /**
   * Deletes a version's asset. Its node stays with its blob ids, so its children keep their parent's bytes and
   * inputs, and the tree stays whole. @throws AppError `not_found`
   */
  deleteVersion(versionId: string): ChainView {
    const v = this.mustVersion(versionId);
    if (v.asset_id) this.assets.delete(v.asset_id);
    this.d.bus.emit('chain.changed', { chainId: v.chain_id, versionId: v.id });
    this.d.bus.emit('folders.changed', {});
    return this.view(v.chain_id);
  }

  /** The submit input replaying a step: same parent, prompt, further inputs and mask (if the model takes one). */
  replayInput(versionId: string): { folderId: string; parentVersionId: string; prompt: string; params: Record<string, unknown>; references: { blobId: string; name: string }[]; maskBlobId: string | null; method: StepMethod } {
    const v = this.mustVersion(versionId);
    if (!v.parent_id) throw new AppError('validation', 'the first version of a chain is not a step', { params: { field: 'versionId', reason: 'root' } });
    if (v.method === 'composite') throw new AppError('validation', 'a composite is not a model step', { params: { field: 'versionId', reason: 'composite' } });
    const parent = this.mustVersion(v.parent_id);
    const folder = (v.asset_id ? this.asset(v.asset_id).folder_id : null) ?? (parent.asset_id ? this.asset(parent.asset_id).folder_id : null);
    if (!folder) throw new AppError('not_found', 'the versions of this step were deleted');
    const inputs = (json(v.inputs) as StepInput[] | null) ?? [];
    return {
      folderId: folder,
      parentVersionId: parent.id,
      prompt: v.prompt ?? '',
      params: (json(v.params) as Record<string, unknown> | null) ?? {},
      references: inputs.slice(1).map((i) => ({ blobId: i.blobId, name: i.name })),
      maskBlobId: v.mask_blob_id,
      method: v.method,
    };
  }

  /**
   * Stores a mask for an asset after checking it against the image (see {@link validateMask}).
   * @throws AppError `validation` (`field: 'mask'`), `not_found`
   */
  async stageMask(assetId: string, bytes: Uint8Array): Promise<BlobInfo> {
    const a = this.asset(assetId);
    const info = this.d.store.get(a.blob_id);
    if (!info) throw new AppError('not_found', 'the image is not in the library');
    await validateMask(bytes, info);
    return this.d.store.put(bytes, 'mask.png', { maxBytes: 4_000_000, maxPixels: info.width * info.height });
  }

  private async maskedPixels(v: VersionRow) {
    if (!v.mask_blob_id || !v.parent_blob_id) {
      throw new AppError('validation', 'this version was not made with a mask', { params: { field: 'versionId', reason: 'no_mask' } });
    }
    const parentInfo = this.d.store.get(v.parent_blob_id);
    if (!parentInfo || !this.d.store.exists(v.parent_blob_id) || !this.d.store.exists(v.blob_id)) {
      throw new AppError('bad_file', 'an image of this step is missing from disk', { params: { name: 'parent', reason: 'unreadable' } });
    }
    const size = { width: parentInfo.width, height: parentInfo.height };
    const [before, after, mask] = await Promise.all([
      this.d.store.read(v.parent_blob_id).then((b) => decodeRgba(b)),
      this.d.store.read(v.blob_id).then((b) => decodeRgba(b, size)),
      this.d.store.read(v.mask_blob_id).then((b) => decodeRgba(b, size)),
    ]);
    return { before, after, mask };
  }

  /**
   * How much a masked step changed outside its mask (its output scaled to the parent's size), and a heat map.
   * @throws AppError `validation` (`reason: 'no_mask'`), `not_found`, `bad_file`
   */
  async outsideMask(versionId: string, threshold: number): Promise<OutsideMaskReport> {
    const v = this.mustVersion(versionId);
    const { before, after, mask } = await this.maskedPixels(v);
    const m = measureOutsideMask(before, after, mask, threshold);
    const heat = await encodePng(heatmapPixels(before, after, mask, threshold));
    const heatmap = await this.d.store.put(heat, 'heatmap.png', { maxBytes: 256 * 1024 * 1024, maxPixels: before.width * before.height });
    return { versionId, ...m, threshold, heatmap };
  }

  /**
   * "Keep the original outside the mask": a new version (asset kind `edited`, method `composite`) under the masked
   * step, in the step's folder. @throws as {@link outsideMask}
   */
  async keepOriginalOutsideMask(versionId: string): Promise<AssetSummary> {
    const v = this.mustVersion(versionId);
    const { before, after, mask } = await this.maskedPixels(v);
    const png = await encodePng(compositePixels(before, after, mask));
    const blob = await this.d.store.put(png, 'composite.png', { maxBytes: 256 * 1024 * 1024, maxPixels: before.width * before.height });
    const folderId = v.asset_id ? this.asset(v.asset_id).folder_id : null;
    if (!folderId) throw new AppError('not_found', 'the version was deleted');
    const assetId = randomUUID();
    const id = randomUUID();
    const t = this.now();
    const inputs: StepInput[] = [
      { blobId: v.blob_id, name: 'edit', assetId: v.asset_id },
      { blobId: v.parent_blob_id!, name: 'original', assetId: null },
    ];
    this.d.db.transaction(() => {
      this.assets.insert({ id: assetId, folderId, blobId: blob.id, kind: 'edited', jobId: null, outputIndex: null, createdAt: t });
      this.chains.insertVersion({
        id,
        chainId: v.chain_id,
        parentId: v.id,
        assetId,
        blobId: blob.id,
        parentBlobId: v.blob_id,
        jobId: null,
        method: 'composite',
        inputs: JSON.stringify(inputs),
        maskBlobId: v.mask_blob_id,
        createdAt: t,
      });
    })();
    this.d.bus.emit('asset.created', { assetId, folderId, jobId: null });
    this.d.bus.emit('chain.changed', { chainId: v.chain_id, versionId: id });
    return {
      id: assetId,
      folderId,
      kind: 'edited',
      blob,
      provider: null,
      model: null,
      prompt: null,
      createdAt: t,
    };
  }

  /** Creates versions for chain-step outputs stored before a crash cut `onOutput` short. Call once at start. */
  reconcile(): void {
    for (const r of this.chains.stepOutputsWithoutVersion()) this.onOutput(r.jobId, r.assetId);
  }

  // ── export / import ───────────────────────────────────────────────────────────────────────────────────────

  /**
   * The lineage of an asset as plain data (schema `atelier.lineage/1`), for the export engine's recipe JSON:
   * every step from the chain's root to this asset's version, with blob ids so the chain can be rebuilt even
   * where intermediate assets were deleted. Null when the asset was never part of a chain.
   * @throws AppError `not_found` for an unknown asset
   */
  lineageOf(assetId: string): Lineage | null {
    this.asset(assetId);
    const v = this.versionOfAsset(assetId);
    if (!v) return null;
    const path: LineageStep[] = [];
    for (let cur: VersionRow | null = v; cur; cur = cur.parent_id ? this.version(cur.parent_id) : null) {
      path.unshift({
        versionId: cur.id,
        parentVersionId: cur.parent_id,
        assetId: cur.asset_id,
        blobId: cur.blob_id,
        parentBlobId: cur.parent_blob_id,
        method: cur.method,
        provider: cur.provider,
        model: cur.model,
        prompt: cur.prompt,
        params: (json(cur.params) as Record<string, unknown> | null) ?? {},
        inputs: (json(cur.inputs) as StepInput[] | null) ?? [],
        maskBlobId: cur.mask_blob_id,
        jobId: cur.job_id,
        replayOf: cur.replay_of,
        createdAt: cur.created_at,
      });
    }
    const chosen = this.chains.chain(v.chain_id)!;
    return { schema: 'atelier.lineage/1', chainId: v.chain_id, versionId: v.id, chosenVersionId: chosen.chosen_version_id, path };
  }

  /**
   * Rebuilds chains from exported lineages (import). Steps already present (same version id) are kept; asset ids
   * are mapped through `assetIdOf` (old id → the imported asset's id, or null when it was not imported); job ids
   * are dropped (jobs are not imported). Every blob a step names must already be in the store (import first).
   * @throws AppError `not_found` when a step's blob is missing
   */
  restoreLineage(lineages: readonly Lineage[], assetIdOf: (oldId: string) => string | null): void {
    const has = (id: string | null): string | null => (id && this.d.store.get(id) ? id : null);
    this.d.db.transaction(() => {
      for (const l of lineages) {
        this.chains.insertChainIfMissing(l.chainId, l.path[0]?.createdAt ?? this.now());
        for (const s of l.path) {
          if (!this.d.store.get(s.blobId)) throw new AppError('not_found', `image ${s.blobId} of the lineage is not in the library`);
          if (this.version(s.versionId)) continue;
          const assetId = s.assetId ? assetIdOf(s.assetId) : null;
          this.chains.insertVersion({
            id: s.versionId,
            chainId: l.chainId,
            parentId: s.parentVersionId,
            assetId,
            blobId: s.blobId,
            parentBlobId: has(s.parentBlobId),
            jobId: null,
            method: s.method,
            provider: s.provider,
            model: s.model,
            prompt: s.prompt,
            params: JSON.stringify(s.params),
            inputs: JSON.stringify(s.inputs.map((i) => ({ ...i, assetId: i.assetId ? assetIdOf(i.assetId) : null }))),
            maskBlobId: has(s.maskBlobId),
            replayOf: s.replayOf && this.version(s.replayOf) ? s.replayOf : null,
            createdAt: s.createdAt,
          });
        }
        if (l.chosenVersionId && this.version(l.chosenVersionId)) {
          this.chains.setChosen(l.chainId, l.chosenVersionId);
        }
      }
    })();
  }

  /** The capability a replay runs on. @throws AppError `validation` where the provider does not serve the model */
  static capability(provider: ProviderId, model: ModelId): ModelCapability {
    const cap = capabilityOf(provider, model);
    if (!cap) throw new AppError('validation', `${provider} does not serve ${model}`, { params: { field: 'model', reason: 'unsupported' } });
    return cap;
  }
}
