import { Fragment } from 'react';
import { useTranslation } from 'react-i18next';
import type { ForeignRecipe } from '@shared/domain';
import './foreign-recipe.css';

/**
 * The recipe an imported image came in with, from the tool that made it ("Made with ComfyUI"): prompt, negative
 * prompt, model, seed, steps, CFG scale, sampler and size, each only where the file said it. Rows of the recipe
 * panel's description list.
 */
export function ForeignRecipeRows({ recipe: r }: { recipe: ForeignRecipe }) {
  const { t, i18n } = useTranslation();
  const locale = i18n.language;
  const tool = t(`viewer.foreign.tools.${r.tool}`);
  const rows: Array<[string, string, string?]> = [];
  if (r.negativePrompt !== null) rows.push([t('viewer.foreign.negativePrompt'), r.negativePrompt, 'recipe-prompt']);
  if (r.model !== null) rows.push([t('viewer.model'), r.model]);
  if (r.seed !== null) rows.push([t('viewer.foreign.seed'), r.seed, 'mono']);
  if (r.steps !== null) rows.push([t('viewer.foreign.steps'), r.steps.toLocaleString(locale)]);
  if (r.cfg !== null) rows.push([t('viewer.foreign.cfg'), r.cfg.toLocaleString(locale)]);
  if (r.sampler !== null) rows.push([t('viewer.foreign.sampler'), r.sampler]);
  if (r.width !== null && r.height !== null) rows.push([t('viewer.foreign.size'), `${r.width.toLocaleString(locale)} × ${r.height.toLocaleString(locale)}`]);
  if (r.toolVersion !== null) rows.push([t('viewer.foreign.version'), r.toolVersion]);
  return (
    <>
      <dt className="recipe-foreign-tool">{t('viewer.foreign.madeWith', { tool })}</dt>
      <dd className="muted small">{t('viewer.foreign.note')}</dd>
      {r.prompt !== null ? (
        <>
          <dt>{t('viewer.prompt')}</dt>
          <dd className="recipe-prompt">{r.prompt}</dd>
        </>
      ) : null}
      {rows.map(([label, value, cls]) => (
        <Fragment key={label}>
          <dt>{label}</dt>
          <dd className={cls}>{value}</dd>
        </Fragment>
      ))}
    </>
  );
}
