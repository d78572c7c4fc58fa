import { Brush, GitBranch, X } from 'lucide-react';
import { useTranslation } from 'react-i18next';
import { useCapability } from '../../store/composer';
import { MediaImg } from '../../ui/MediaImg';
import { offersResponses } from '@shared/contracts/chains';
import { useChainUi } from './store';

/**
 * The composer's edit input: the image being edited (the first input of the step, before the references), its
 * mask where the model takes one, and the way to the chain view. Renders nothing for a plain generation.
 */
export function EditBar() {
  const { t } = useTranslation();
  const parent = useChainUi((s) => s.parent);
  const mask = useChainUi((s) => s.mask);
  const clearEdit = useChainUi((s) => s.clearEdit);
  const clearMask = useChainUi((s) => s.clearMask);
  const setMaskEditorOpen = useChainUi((s) => s.setMaskEditorOpen);
  const openChain = useChainUi((s) => s.openChain);
  const chainMethod = useChainUi((s) => s.chainMethod);
  const setChainMethod = useChainUi((s) => s.setChainMethod);
  const cap = useCapability();
  if (!parent) return null;
  const name = parent.prompt?.trim() || t('chains.untitled');
  return (
    <div role="group" aria-label={t('chains.editing')} className="edit-bar">
      <MediaImg blobId={parent.blob.id} variant="thumb" alt={name} className="edit-thumb" draggable={false} />
      <div className="edit-text">
        <span className="field-label">{t('chains.editing')}</span>
        <span className="edit-name" title={name}>
          {name}
        </span>
      </div>
      {cap.takesMask ? (
        <>
          {mask ? <img className="edit-thumb edit-mask" src={mask.previewUrl} alt={t('mask.preview')} /> : null}
          <button type="button" className="btn btn-plain btn-sm" onClick={() => setMaskEditorOpen(true)}>
            <Brush size={14} aria-hidden="true" />
            <span>{mask ? t('mask.editMask') : t('mask.paintMask')}</span>
          </button>
          {mask ? (
            <button type="button" className="btn btn-ghost btn-sm" onClick={clearMask}>
              {t('mask.removeMask')}
            </button>
          ) : null}
        </>
      ) : mask ? (
        <span className="muted">{t('mask.notTaken')}</span>
      ) : null}
      {offersResponses(cap.provider, cap.model) ? (
        // OpenAI: how the edit continues the image (https://platform.openai.com/docs/api-reference/responses). Images API by default.
        <fieldset className="edit-way">
          <legend className="sr-only">{t('chains.way')}</legend>
          {(['images', 'responses'] as const).map((m) => (
            <label key={m} className="edit-way-option">
              <input type="radio" name="edit-way" value={m} checked={chainMethod === m} onChange={() => setChainMethod(m)} />
              <span>{m === 'responses' ? t('chains.wayResponses') : t('chains.wayImages')}</span>
            </label>
          ))}
        </fieldset>
      ) : null}
      <button type="button" className="btn btn-ghost btn-sm" onClick={() => openChain(parent.id)}>
        <GitBranch size={14} aria-hidden="true" />
        <span>{t('chains.versions')}</span>
      </button>
      <button type="button" className="btn btn-ghost btn-icon btn-xs" aria-label={t('chains.stopEditing')} onClick={clearEdit}>
        <X size={14} aria-hidden="true" />
      </button>
    </div>
  );
}
