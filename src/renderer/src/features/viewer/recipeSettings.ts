/**
 * "Use these settings": a stored recipe back in the composer — provider, model, parameters, prompt and reference
 * images — so the image can be made again or varied. The reference images are already in the library's store
 * (their blob ids are what `jobs.submit` takes), so they are re-staged as the edit chain stages a library image
 * (features/chains/inputs.ts): within the model's reference count and byte limit, a refusal listed beside the
 * drop zone like a refused file. Whatever edit was set up in the composer is left (the recipe is a new job).
 */
import { capabilityOf, carryParams, isCustomModel, modelsOf, type ModelId } from '@shared/capabilities';
import type { Recipe } from '@shared/domain';
import { AppError } from '@shared/errors';
import { useComposer, type RefError, type RefItem } from '../../store/composer';
import { useSettings } from '../../store/settings';
import { useChainUi } from '../chains/store';

let seq = 0;

/** What {@link applyRecipeSettings} did: whether the recipe's model could be chosen, and the references refused. */
export interface UsedSettings {
  /** False when the model is no longer offered (e.g. a custom model removed from Settings): the provider's first is kept. */
  modelKept: boolean;
  /** References left out (over the model's count or byte limit). */
  refused: number;
}

/**
 * Puts `recipe` into the composer (replacing its prompt, parameters and reference images).
 * Parameters the model does not take are dropped and missing ones get the model's defaults (`carryParams`).
 */
export function applyRecipeSettings(recipe: Recipe): UsedSettings {
  const st = useComposer.getState();
  const named = useSettings.getState().providers['openai-compatible']?.customModels ?? [];
  const customModels = named.filter(isCustomModel);
  st.setProvider(recipe.provider, customModels);
  const offered = modelsOf(recipe.provider, customModels).includes(recipe.model as ModelId) && capabilityOf(recipe.provider, recipe.model) !== undefined;
  if (offered) st.setModel(recipe.model as ModelId);
  const { provider, model } = useComposer.getState();
  const cap = capabilityOf(provider, model)!;
  for (const r of st.references) if (r.previewUrl) URL.revokeObjectURL(r.previewUrl);
  const references: RefItem[] = [];
  const refErrors: RefError[] = [];
  for (const ref of recipe.references) {
    const key = `recipe-${Date.now().toString(36)}-${(seq++).toString(36)}`;
    if (references.length >= cap.maxReferenceImages) {
      refErrors.push({ key, name: ref.name, kind: 'tooMany', max: cap.maxReferenceImages });
    } else if (ref.bytes > cap.maxReferenceBytes) {
      const err = new AppError('bad_file', `${ref.name} is larger than the limit`, {
        params: { name: ref.name, reason: 'too_large', maxBytes: cap.maxReferenceBytes },
      });
      refErrors.push({ key, name: ref.name, kind: 'error', error: err.toShape() });
    } else {
      references.push({ key, name: ref.name, previewUrl: null, staged: { ...ref } });
    }
  }
  useComposer.setState({ params: carryParams(cap, recipe.params), references, refErrors, submitError: null });
  // setPrompt stores provider, model, parameters and prompt for the next start.
  useComposer.getState().setPrompt(recipe.prompt);
  useChainUi.getState().clearEdit();
  return { modelKept: offered, refused: refErrors.length };
}
