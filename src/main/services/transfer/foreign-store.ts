/**
 * What an import does with the metadata read from a file (foreign.ts): the recipe goes to `foreign_recipes`
 * (migration 0014; its prompt, negative prompt and model are then in the asset's full-text document), the XMP
 * title, caption (as the image's note), tags, rating and pick/reject go onto the new asset, and an image exported
 * by Atelier keeps the ids that let its lineage be rebuilt once its parent is in this library
 * ({@link restoreWaitingLineage}).
 *
 * Values are cleaned as the organise service cleans what a user types (NFC, trimmed, no control characters) and
 * kept within the library's limits (title 200, note 5,000, tag 64 characters); a tag that cannot be kept is
 * reported, never fatal. Runs inside the import's transaction.
 */
import { randomUUID } from 'node:crypto';
import type { Db } from '../library/db';
import { foldLatin, tagKey } from '../library/search-text';
import { MAX_NOTE_LENGTH, MAX_TAG_LENGTH, MAX_TITLE_LENGTH } from '@shared/organise';
import type { StepMethod } from '@shared/contracts/chains';
import { ModelIdSchema, ProviderIdSchema } from '@shared/capabilities';
import type { Lineage, LineageStep } from '../chains/service';
import type { ForeignMetadata, SkippedMetadata } from './foreign';
import { AssetsRepository } from '../repositories/assets';
import { ForeignRecipesRepository } from '../repositories/foreign-recipes';

/** Rebuilds chains from lineages (ChainService.restoreLineage). */
export type RestoreLineage = (lineages: readonly Lineage[], assetIdOf: (oldId: string) => string | null) => void;

/** Largest `raw` JSON kept per recipe, bytes; a larger one is replaced by a note that it was left out. */
export const MAX_RAW_BYTES = 2 * 1024 * 1024;

/** C0/C1 control characters other than tab and line breaks (as the organise service refuses them). */
const CONTROL = /(?![\t\n\r])\p{Cc}/gu;

function clean(s: string | null, max: number, keepLines: boolean): string | null {
  if (s === null) return null;
  let t = s.normalize('NFC');
  t = keepLines ? t.replace(CONTROL, '') : t.replace(/[\r\n\t]+/g, ' ').replace(CONTROL, '');
  t = t.trim();
  if (t === '') return null;
  const cps = [...t];
  return cps.length > max ? cps.slice(0, max).join('').trim() : t;
}

/**
 * Stores what `meta` holds for the new asset `assetId` (see the module comment).
 * @returns the notes for the import report (tags that could not be kept)
 */
export function storeForeignMetadata(db: Db, assetId: string, meta: ForeignMetadata, now: number): SkippedMetadata[] {
  const notes: SkippedMetadata[] = [];
  if (meta.recipe) {
    const r = meta.recipe;
    let raw = JSON.stringify(r.raw);
    if (Buffer.byteLength(raw, 'utf8') > MAX_RAW_BYTES) {
      raw = JSON.stringify({ omitted: `the source texts were over ${MAX_RAW_BYTES} bytes` });
      notes.push({ source: 'recipe', reason: 'too_large', message: `the source texts were over ${MAX_RAW_BYTES} bytes and are not kept; the fields are` });
    }
    ForeignRecipesRepository.of(db).put({
      ...r, assetId, raw, sourceAssetId: meta.atelier?.assetId ?? null, parentSourceId: meta.atelier?.parentAssetId ?? null, createdAt: now,
    });
  }
  const assets = AssetsRepository.of(db);
  const title = clean(meta.title, MAX_TITLE_LENGTH, false);
  const note = clean(meta.description, MAX_NOTE_LENGTH, true);
  assets.setMeta(assetId, {
    ...(title !== null ? { title } : {}),
    ...(note !== null ? { note } : {}),
    ...(meta.rating !== null ? { rating: Math.max(0, Math.min(5, meta.rating)) } : {}),
    ...(meta.flag !== null ? { flag: meta.flag } : {}),
  });
  if (meta.tags.length > 0) {
    for (const raw of meta.tags) {
      const name = clean(raw, Number.MAX_SAFE_INTEGER, false);
      if (name === null) continue;
      if ([...name].length > MAX_TAG_LENGTH) {
        notes.push({ source: 'xmp:tags', reason: 'too_long', message: `tag "${[...name].slice(0, 40).join('')}…" is longer than ${MAX_TAG_LENGTH} characters and was not added` });
        continue;
      }
      const key = tagKey(name);
      const id = assets.tagIdByKey(key) ?? assets.insertTag(name, key, foldLatin(key));
      assets.addTag(assetId, id);
    }
  }
  return notes;
}

/** How a step made by `provider` continues its parent, where the export did not say (import only knows this). */
function methodFor(provider: string | null): StepMethod {
  if (provider === 'sandbox') return 'sandbox_reference';
  if (provider === 'openai' || provider === 'openai-compatible') return 'images_edit';
  return 'input_upload';
}

/**
 * Rebuilds the lineage of imported Atelier exports whose parent is now in this library: the parent is the asset
 * exported as `parent_source_id` (found by the `source_asset_id` it came in with, or by its id when the file comes
 * back into the library it left). The child becomes a version under the parent's (a new chain rooted at the parent
 * when it has none); done rows lose their `parent_source_id`. An image whose parent is not here keeps waiting (a
 * later import may bring it).
 * @returns how many lineages were rebuilt
 */
export function restoreWaitingLineage(db: Db, restore: RestoreLineage, now: number): number {
  const repo = ForeignRecipesRepository.of(db);
  let n = 0;
  for (const w of repo.waitingLineages()) {
    const parent = repo.assetFromSource(w.parentSrc);
    if (!parent || parent.id === w.childId) continue;
    if (repo.versionOf(w.childId)) {
      repo.lineageDone(w.childId);
      continue;
    }
    const pv = repo.versionOf(parent.id);
    const provider = providerOf(w.raw);
    const path: LineageStep[] = [];
    let chainId: string;
    let parentVersionId: string;
    if (pv) {
      chainId = pv.chain_id;
      parentVersionId = pv.id;
    } else {
      chainId = randomUUID();
      parentVersionId = randomUUID();
      const pr = repo.recipeOf(parent.id);
      path.push({
        versionId: parentVersionId, parentVersionId: null, assetId: parent.id, blobId: parent.blob, parentBlobId: null, method: 'root',
        provider: pr ? providerOf(pr.raw) : null, model: modelOf(pr?.model ?? null), prompt: pr?.prompt ?? null, params: {}, inputs: [],
        maskBlobId: null, jobId: null, replayOf: null, createdAt: now,
      });
    }
    const versionId = randomUUID();
    path.push({
      versionId, parentVersionId, assetId: w.childId, blobId: w.childBlob, parentBlobId: parent.blob, method: methodFor(provider),
      provider, model: modelOf(w.model), prompt: w.prompt, params: {}, inputs: [], maskBlobId: null, jobId: null, replayOf: null, createdAt: now,
    });
    restore([{ schema: 'atelier.lineage/1', chainId, versionId, chosenVersionId: null, path }], (id) => id);
    repo.lineageDone(w.childId);
    n++;
  }
  return n;
}

/** The provider an Atelier export named, when this version knows it (chain views list only known ones). */
function providerOf(raw: string): string | null {
  try {
    const v = JSON.parse(raw) as { provider?: unknown };
    return ProviderIdSchema.safeParse(v.provider).success ? (v.provider as string) : null;
  } catch {
    return null;
  }
}

function modelOf(model: string | null): string | null {
  return ModelIdSchema.safeParse(model).success ? model : null;
}
