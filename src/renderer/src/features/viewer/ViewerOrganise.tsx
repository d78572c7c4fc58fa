import { SlidersHorizontal } from 'lucide-react';
import { useTranslation } from 'react-i18next';
import type { AssetDetail } from '@shared/domain';
import { useToasts } from '../../store/toasts';
import { useViewer } from '../../store/viewer';
import { FlagField, RatingField, TagsField } from '../inspector/fields';
import { useInspected } from '../inspector/useInspected';
import { patchAssets } from '../organise/actions';
import { applyRecipeSettings } from './recipeSettings';
import { matchesShortcut, type KeyLike } from '../../lib/keys';
import '../inspector/inspector.css';

/**
 * The viewer's keys for the image shown, as Lightroom's: 0–5 rate, P pick, X reject, U unflag. Returns true when
 * the key was one of them (the caller prevents its default). Keys typed into a field are not shortcuts.
 */
export function viewerOrganiseKey(e: KeyLike & { target: EventTarget | null }, assetId: string): boolean {
  const el = e.target instanceof HTMLElement ? e.target : null;
  if (el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName))) return false;
  if (matchesShortcut(e, 'rate')) void patchAssets([assetId], { rating: Number(e.key) });
  else if (matchesShortcut(e, 'pick')) void patchAssets([assetId], { flag: 1 });
  else if (matchesShortcut(e, 'reject')) void patchAssets([assetId], { flag: -1 });
  else if (matchesShortcut(e, 'unflag')) void patchAssets([assetId], { flag: 0 });
  else return false;
  return true;
}

/** Rating, flag and tags of the image in the viewer, and "Use these settings" (its recipe into the composer). */
export function ViewerOrganise({ assetId, detail, inTrash }: { assetId: string; detail: AssetDetail | undefined; inTrash: boolean }) {
  const { t } = useTranslation();
  const { metas, reload } = useInspected([assetId]);
  const meta = metas?.find((m) => m.id === assetId);
  const recipe = detail?.id === assetId ? detail.recipe : null;
  return (
    <section className="viewer-organise" aria-label={t('viewer.organise')}>
      {recipe ? (
        <button
          type="button"
          className="btn btn-primary btn-sm"
          onClick={() => {
            const used = applyRecipeSettings(recipe);
            useViewer.getState().close();
            if (!used.modelKept) useToasts.getState().info('viewer.settingsUsedOtherModel');
            else if (used.refused > 0) useToasts.getState().info('viewer.settingsRefused', { count: used.refused });
            else useToasts.getState().info('viewer.settingsUsed');
            requestAnimationFrame(() => document.querySelector<HTMLTextAreaElement>('.composer textarea')?.focus());
          }}
        >
          <SlidersHorizontal size={14} aria-hidden="true" />
          <span>{t('viewer.useSettings')}</span>
        </button>
      ) : null}
      {meta ? (
        <fieldset className="inspector-fields" disabled={inTrash}>
          <span className="field-label">{t('organise.rating')}</span>
          <RatingField ids={[assetId]} value={meta.rating} onChanged={reload} />
          <span className="field-label">{t('inspector.flag')}</span>
          <FlagField ids={[assetId]} value={meta.flag as -1 | 0 | 1} onChanged={reload} />
          <span className="field-label">{t('organise.tags')}</span>
          <TagsField ids={[assetId]} common={meta.tags} partial={[]} onChanged={reload} />
        </fieldset>
      ) : (
        <p className="muted small">{t('viewer.loading')}</p>
      )}
    </section>
  );
}
