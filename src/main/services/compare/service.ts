/**
 * Comparison sets: fan-out of one prompt to 2–4 runs (each an ordinary job made by `submitJob`, so one failing
 * does not touch the others), sets of images picked in the gallery, blind order and labels, verdicts and win
 * rates. Plain Node, synchronous SQLite.
 */
import { randomInt, randomUUID } from 'node:crypto';
import type { ModelId, ProviderId } from '@shared/capabilities';
import type { CallInputParsed } from '@shared/contract';
import type {
  CompareItemDetails,
  CompareItemView,
  CompareSetSummary,
  CompareSetView,
  CompareStats,
  CompareStatRow,
} from '@shared/contracts/compare';
import { AppErrorShape, AppError, toAppError } from '@shared/errors';
import type { BlobInfo, JobState, JobView } from '@shared/domain';
import type { EventBus } from '../../dispatcher';
import type { CheckedJob } from '../../app';
import type { Db } from '../library/db';
import type { BlobStore } from '../library/store';
import type { JobJournal } from '../jobs/journal';
import { diffImages } from './diff';
import { shuffledOrder } from './shuffle';
import { tallyVotes, type VoteInput } from './stats';
import {
  ComparisonsRepository,
  type CompareAssetRow,
  type CompareItemRow as ItemRow,
  type CompareSetRow,
  type CompareVerdictRow,
} from '../repositories/comparisons';

/** What the service needs from the app. */
export interface CompareDeps {
  db: Db;
  bus: EventBus;
  journal: JobJournal;
  store: BlobStore;
  /** `submitJob`'s checks, creating nothing. */
  checkJob(input: CallInputParsed<'jobs.submit'>): CheckedJob;
  submitJob(input: CallInputParsed<'jobs.submit'>): JobView;
  /**
   * The project budget's check over every run's estimate together, before anything is created (so a set never stops
   * half-way); throws AppError `budget_exceeded`. Absent: no budget check beyond each `submitJob`'s.
   */
  checkBudget?(inputs: CallInputParsed<'jobs.submit'>[]): void;
  now?: () => number;
  /** The blind-order seed of a new set (tests fix it). Default: a random 31-bit integer. */
  seed?: () => number;
}

export class CompareService {
  private readonly now: () => number;
  private readonly seed: () => number;
  private readonly repo: ComparisonsRepository;

  constructor(private readonly d: CompareDeps) {
    this.repo = new ComparisonsRepository(d.db);
    this.now = d.now ?? Date.now;
    this.seed = d.seed ?? (() => randomInt(0, 2 ** 31 - 1));
  }

  /**
   * Fans a prompt out to 2–4 runs as one set. Every run is checked (by `checkJob`, plus each reference against
   * the run's model limits) before any job is created; the set, its jobs and its items are written in one
   * transaction.
   * @throws AppError the first failing run's error, with `params.run` (1-based), `params.provider` and
   *   `params.model` added; `budget_exceeded` where the runs together would pass the project's budget and
   *   `overrideBudget` is not true; nothing is created
   */
  run(input: CallInputParsed<'compare.run'>): CompareSetView {
    const jobInputs = input.runs.map((r) => ({
      folderId: input.folderId,
      provider: r.provider,
      model: r.model,
      prompt: input.prompt,
      params: r.params,
      references: input.references,
      ...(input.overrideBudget === true ? { overrideBudget: true } : {}),
    }));
    jobInputs.forEach((job, i) => {
      try {
        const { cap } = this.d.checkJob(job);
        for (const ref of job.references) {
          const info = this.d.store.get(ref.blobId);
          if (info && info.bytes > cap.maxReferenceBytes) {
            throw new AppError('bad_file', `${ref.name} is over ${cap.model}'s limit of ${cap.maxReferenceBytes} bytes`, {
              params: { name: ref.name, reason: 'too_large', maxBytes: cap.maxReferenceBytes },
            });
          }
        }
      } catch (err) {
        throw withRun(toAppError(err), i, job.provider, job.model);
      }
    });
    this.d.checkBudget?.(jobInputs);
    const setId = randomUUID();
    const jobs: JobView[] = [];
    this.d.db.transaction(() => {
      this.insertSet(setId, input.folderId, 'runs', input.prompt.trim(), input.blind);
      jobInputs.forEach((job, i) => {
        const view = this.d.submitJob(job);
        jobs.push(view);
        this.repo.insertItem(setId, { id: randomUUID(), position: i, job_id: view.id, asset_id: null, provider: view.provider, model: view.model });
      });
    })();
    this.d.bus.emit('compare.changed', { setId });
    return this.get(setId);
  }

  /**
   * A set of 2–4 images picked in the gallery; it belongs to the first image's folder.
   * @throws AppError `not_found` for an unknown image
   */
  create(input: CallInputParsed<'compare.create'>): CompareSetView {
    const assets = input.assetIds.map((id) => {
      const row = this.repo.pickedAsset(id);
      if (!row) throw new AppError('not_found', `image ${id} does not exist`, { params: { id } });
      return row;
    });
    const setId = randomUUID();
    this.d.db.transaction(() => {
      this.insertSet(setId, assets[0]!.folderId, 'picked', null, input.blind);
      assets.forEach((a, i) =>
        this.repo.insertItem(setId, { id: randomUUID(), position: i, job_id: a.jobId, asset_id: a.id, provider: a.provider, model: a.model }),
      );
    })();
    this.d.bus.emit('compare.changed', { setId });
    return this.get(setId);
  }

  /**
   * The set in display order (shuffled by its seed while blind), labels hidden while blind and undecided.
   * @throws AppError `not_found`
   */
  get(id: string): CompareSetView {
    const set = this.setRow(id);
    const items = this.itemRows(id);
    const verdict = this.verdictRow(id);
    const blind = set.blind === 1;
    const labelsHidden = blind && !verdict;
    const order = blind ? shuffledOrder(items.length, set.seed) : items.map((_, i) => i);
    const ranking = verdict ? (JSON.parse(verdict.ranking) as string[]) : [];
    const views: CompareItemView[] = order.map((pos, slot) => {
      const item = items[pos]!;
      return this.itemView(item, set.kind, slot, labelsHidden, ranking);
    });
    return {
      id: set.id,
      folderId: set.folder_id,
      kind: set.kind,
      prompt: set.prompt,
      blind,
      labelsHidden,
      createdAt: set.created_at,
      items: views,
      verdict: verdict
        ? { ranking, blind: verdict.blind === 1, createdAt: verdict.created_at }
        : null,
    };
  }

  /** A folder's sets, newest first. */
  list(folderId: string): CompareSetSummary[] {
    return this.repo.setsOfFolder(folderId).map((r) => ({ ...r, decided: r.decided === 1 }));
  }

  /**
   * Turns blind mode on or off for a set.
   * @throws AppError `not_found`
   */
  setBlind(id: string, blind: boolean): CompareSetView {
    this.setRow(id);
    this.repo.setBlind(id, blind);
    this.d.bus.emit('compare.changed', { setId: id });
    return this.get(id);
  }

  /**
   * Records the set's verdict (replacing an earlier one): `ranking` holds item ids best first.
   * @throws AppError `not_found`; `validation` (`field` `ranking`, `reason` `unknown_item` / `no_image`) for an id
   *   not in the set or an item without an image; `conflict` (`reason` `not_ready`) while fewer than two items
   *   have an image
   */
  verdict(id: string, ranking: readonly string[]): CompareSetView {
    const set = this.setRow(id);
    const items = this.itemRows(id);
    const withImage = items.filter((i) => this.assetOf(i, set.kind) !== null);
    if (withImage.length < 2) {
      throw new AppError('conflict', 'a verdict needs at least two images', { params: { reason: 'not_ready' } });
    }
    for (const r of ranking) {
      const item = items.find((i) => i.id === r);
      if (!item) throw new AppError('validation', `item ${r} is not in the set`, { params: { field: 'ranking', reason: 'unknown_item' } });
      if (!withImage.includes(item)) {
        throw new AppError('validation', `item ${r} has no image`, { params: { field: 'ranking', reason: 'no_image' } });
      }
    }
    this.repo.putVerdict(id, {
      ranking: JSON.stringify(ranking),
      candidates: JSON.stringify(withImage.map((i) => i.id)),
      blind: set.blind,
      created_at: this.now(),
    });
    this.d.bus.emit('compare.changed', { setId: id });
    return this.get(id);
  }

  /**
   * Win rates per project and per tag (an image's tags count for its set). Two reads whatever the number of
   * verdicts: the verdicts with their projects, and every decided set's items with their images' tags.
   */
  stats(): CompareStats {
    type Item = { id: string; provider: ProviderId | null; model: ModelId | null; tags: Map<string, string> };
    const itemsOf = new Map<string, Map<string, Item>>();
    for (const r of this.repo.verdictItemTags()) {
      const items = itemsOf.get(r.setId) ?? new Map<string, Item>();
      itemsOf.set(r.setId, items);
      const item = items.get(r.itemId) ?? { id: r.itemId, provider: r.provider as ProviderId | null, model: r.model as ModelId | null, tags: new Map() };
      items.set(r.itemId, item);
      if (r.tagId !== null && r.tagName !== null) item.tags.set(r.tagId, r.tagName);
    }
    const byProject: VoteInput[] = [];
    const byTag: VoteInput[] = [];
    for (const r of this.repo.verdictsWithProject()) {
      const ids = new Set(JSON.parse(r.candidates) as string[]);
      const candidates = [...(itemsOf.get(r.setId)?.values() ?? [])].filter((i) => ids.has(i.id));
      const vote = { blind: r.blind === 1, ranking: JSON.parse(r.ranking) as string[], candidates };
      byProject.push({ key: r.project, label: r.projectName, ...vote });
      // Tags on any candidate image of the set, each once.
      const tags = new Map(candidates.flatMap((c) => [...c.tags]));
      for (const [id, name] of tags) byTag.push({ key: id, label: name, ...vote });
    }
    return { byProject: tallyVotes(byProject), byTag: tallyVotes(byTag) };
  }

  /**
   * |A − B| of two stored images.
   * @throws AppError `not_found` for an unknown blob
   */
  async diff(a: string, b: string, gain: number): Promise<{ width: number; height: number; dataUrl: string; meanDelta: number; changedShare: number }> {
    for (const id of [a, b]) if (!this.d.store.get(id)) throw new AppError('not_found', `image ${id} is not in the library`);
    // Bytes read through the store (openInside), never a path sharp would open through a symbolic link.
    const r = await diffImages(await this.d.store.read(a), await this.d.store.read(b), gain);
    return {
      width: r.width,
      height: r.height,
      dataUrl: `data:image/png;base64,${r.png.toString('base64')}`,
      meanDelta: r.meanDelta,
      changedShare: r.changedShare,
    };
  }

  private insertSet(id: string, folderId: string, kind: 'runs' | 'picked', prompt: string | null, blind: boolean): void {
    if (!this.repo.folderIsLive(folderId)) {
      throw new AppError('not_found', `folder ${folderId} does not exist`);
    }
    this.repo.insertSet({ id, folder_id: folderId, kind, prompt, seed: this.seed(), blind: blind ? 1 : 0, created_at: this.now() });
  }

  private setRow(id: string): CompareSetRow {
    const row = this.repo.set(id);
    if (!row) throw new AppError('not_found', `comparison ${id} does not exist`, { params: { id } });
    return row;
  }

  private itemRows(setId: string): ItemRow[] {
    return this.repo.items(setId);
  }

  private verdictRow(setId: string): CompareVerdictRow | null {
    return this.repo.verdict(setId);
  }

  /**
   * The image an item shows: a picked item its own asset (null once that image is deleted for good, never another
   * output of its job), a run its job's first output outside the trash (null while there is none). Where that image,
   * or every output of the run, is in the trash, the row says `trashed`: the item shows it as in the trash, not as
   * an image of the set (the gallery and stacks leave trashed images out too), and it takes no part in a verdict.
   */
  private imageOf(item: Pick<ItemRow, 'asset_id' | 'job_id'>, kind: CompareSetRow['kind']): CompareAssetRow | null {
    if (item.asset_id) return this.repo.asset(item.asset_id);
    return kind === 'runs' && item.job_id ? this.repo.firstOutputOf(item.job_id) : null;
  }

  /** The live image an item shows (see {@link imageOf}), or null. */
  private assetOf(item: Pick<ItemRow, 'asset_id' | 'job_id'>, kind: CompareSetRow['kind']): CompareAssetRow | null {
    const image = this.imageOf(item, kind);
    return image && !image.trashed ? image : null;
  }

  private itemView(item: ItemRow, kind: CompareSetRow['kind'], slot: number, hidden: boolean, ranking: readonly string[]): CompareItemView {
    const job = item.job_id ? this.d.journal.get(item.job_id) : null;
    const image = this.imageOf(item, kind);
    const asset = image && !image.trashed ? image : null;
    const blob: BlobInfo | null = asset ? this.d.store.get(asset.blobId) : null;
    const rankIndex = ranking.indexOf(item.id);
    let details: CompareItemDetails | null = null;
    if (!hidden) {
      details = {
        provider: (job?.provider ?? item.provider) as ProviderId | null,
        model: (job?.model ?? item.model) as ModelId | null,
        params: job?.params ?? {},
        prompt: job?.prompt ?? null,
        credits: job?.credits ?? null,
        creditsEstimate: job?.creditsEstimate ?? null,
        costUsd: job?.costUsd ?? null,
        usdEstimate: job?.usdEstimate ?? null,
        durationMs: job && asset ? asset.createdAt - job.createdAt : null,
      };
    }
    return {
      id: item.id,
      slot,
      jobId: job?.id ?? null,
      state: (job?.state ?? null) as JobState | null,
      progress: job?.progress ?? null,
      error: (job?.error ?? null) as AppErrorShape | null,
      assetId: asset?.id ?? null,
      blob,
      trashedAssetId: image?.trashed ? image.id : null,
      details,
      rank: rankIndex >= 0 ? rankIndex + 1 : null,
    };
  }
}

/** Adds the run (1-based), provider and model to an error so the UI can point at the run that failed. */
function withRun(e: AppError, index: number, provider: string, model: string): AppError {
  return new AppError(e.code, `run ${index + 1} (${provider} ${model}): ${e.message}`, {
    params: { ...(e.params ?? {}), run: index + 1, provider, model },
    ...(e.providerMessage !== undefined ? { providerMessage: e.providerMessage } : {}),
    ...(e.details ? { details: e.details } : {}),
    ...(e.status !== undefined ? { status: e.status } : {}),
    retryable: e.retryable,
    cause: e,
  });
}

export type { CompareStatRow };
