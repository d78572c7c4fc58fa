import { X } from 'lucide-react';
import { useEffect, useId, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { AssetMeta } from '@shared/organise';
import type { AppErrorShape } from '@shared/errors';
import { errorShape } from '../../i18n/format';
import { useGallery } from '../../store/gallery';
import { tagAssets, updateAssets } from '../../store/undo-ops';
import { call } from '../../transport';
import { ErrorText } from '../../ui/ErrorText';
import { Modal } from '../../ui/Modal';

/** One image's title, note and tags (a tag can be removed here). */
export function DetailsDialog({ assetId, onOpenChange }: { assetId: string | null; onOpenChange(open: boolean): void }) {
  const { t } = useTranslation();
  return (
    <Modal open={assetId !== null} onOpenChange={onOpenChange} title={t('organise.detailsTitle')}>
      {assetId ? <DetailsForm assetId={assetId} onDone={() => onOpenChange(false)} /> : null}
    </Modal>
  );
}

function DetailsForm({ assetId, onDone }: { assetId: string; onDone(): void }) {
  const { t } = useTranslation();
  const id = useId();
  const [meta, setMeta] = useState<AssetMeta | null>(null);
  const [title, setTitle] = useState('');
  const [note, setNote] = useState('');
  const [error, setError] = useState<AppErrorShape | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    let live = true;
    call('assets.meta', { id: assetId })
      .then((m) => {
        if (!live) return;
        setMeta(m);
        setTitle(m.title ?? '');
        setNote(m.note ?? '');
      })
      .catch((err: unknown) => live && setError(errorShape(err)));
    return () => {
      live = false;
    };
  }, [assetId]);

  const removeTag = async (tag: string): Promise<void> => {
    try {
      await tagAssets([assetId], [], [tag]);
      setMeta((m) => (m ? { ...m, tags: m.tags.filter((x) => x !== tag) } : m));
    } catch (err) {
      setError(errorShape(err));
    }
  };

  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await updateAssets([assetId], { title: title.trim() || null, note: note.trim() || null });
      useGallery.getState().patchItems([assetId], { title: title.trim() || null });
      onDone();
    } catch (err) {
      setError(errorShape(err));
      setBusy(false);
    }
  };

  return (
    <form className="form" onSubmit={(e) => void submit(e)} aria-busy={meta === null}>
      <label htmlFor={`${id}-title`} className="field-label">
        {t('organise.title')}
      </label>
      <input id={`${id}-title`} className="input" value={title} maxLength={200} onChange={(e) => setTitle(e.target.value)} />
      <label htmlFor={`${id}-note`} className="field-label">
        {t('organise.note')}
      </label>
      <textarea id={`${id}-note`} className="input textarea" rows={4} value={note} maxLength={5000} onChange={(e) => setNote(e.target.value)} />
      {meta && meta.tags.length > 0 ? (
        <ul className="tag-chips" aria-label={t('organise.tags')}>
          {meta.tags.map((tag) => (
            <li key={tag} className="tag-chip">
              <span>{tag}</span>
              <button
                type="button"
                className="btn btn-ghost btn-icon btn-xs"
                aria-label={t('organise.removeTag', { tag })}
                onClick={() => void removeTag(tag)}
              >
                <X size={12} aria-hidden="true" />
              </button>
            </li>
          ))}
        </ul>
      ) : null}
      <ErrorText error={error} />
      <div className="form-actions">
        <button type="button" className="btn btn-plain" onClick={onDone}>
          {t('app.cancel')}
        </button>
        <button type="submit" className="btn btn-primary" disabled={busy || meta === null}>
          {t('folders.save')}
        </button>
      </div>
    </form>
  );
}
