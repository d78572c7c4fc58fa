import { Check } from 'lucide-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { COMPARE_MAX, COMPARE_MIN } from '@shared/contracts/compare';
import type { AppErrorShape } from '@shared/errors';
import { errorShape } from '../../i18n/format';
import { useGallery } from '../../store/gallery';
import { ErrorText } from '../../ui/ErrorText';
import { MediaImg } from '../../ui/MediaImg';
import { Modal } from '../../ui/Modal';
import { useCompare } from './store';

/** Picks 2–4 images of the folder on screen to compare (when the gallery's selection does not already hold them). */
export function PickDialog({ initial }: { initial: readonly string[] }) {
  const { t } = useTranslation();
  const open = useCompare((s) => s.pickOpen);
  const setOpen = useCompare((s) => s.setPickOpen);
  return (
    <Modal open={open} onOpenChange={setOpen} title={t('compare.pickTitle')} className="cmp-pick-dialog">
      <PickBody initial={initial} />
    </Modal>
  );
}

function PickBody({ initial }: { initial: readonly string[] }) {
  const { t } = useTranslation();
  const items = useGallery((s) => s.items);
  const [picked, setPicked] = useState<string[]>(() => initial.filter((id) => items.some((a) => a.id === id)).slice(0, COMPARE_MAX));
  const [error, setError] = useState<AppErrorShape | null>(null);
  const [busy, setBusy] = useState(false);
  const toggle = (id: string): void =>
    setPicked((p) => (p.includes(id) ? p.filter((x) => x !== id) : p.length >= COMPARE_MAX ? p : [...p, id]));
  return (
    <div className="cmp-pick">
      <p className="muted">{t('compare.pickHint', { min: COMPARE_MIN, max: COMPARE_MAX })}</p>
      <ul className="cmp-pick-grid" aria-label={t('gallery.images')}>
        {items.slice(0, 200).map((a) => {
          const on = picked.includes(a.id);
          return (
            <li key={a.id}>
              <button
                type="button"
                className={`cmp-pick-tile${on ? ' is-on' : ''}`}
                aria-pressed={on}
                disabled={!on && picked.length >= COMPARE_MAX}
                onClick={() => toggle(a.id)}
              >
                <MediaImg blobId={a.blob.id} variant="thumb" alt={a.prompt?.trim() || a.id} loading="lazy" />
                {on ? (
                  <span className="cmp-pick-mark" aria-hidden="true">
                    <Check size={14} /> {picked.indexOf(a.id) + 1}
                  </span>
                ) : null}
              </button>
            </li>
          );
        })}
      </ul>
      <ErrorText error={error} />
      <div className="form-actions">
        <button type="button" className="btn btn-plain" onClick={() => useCompare.getState().setPickOpen(false)}>
          {t('app.cancel')}
        </button>
        <button
          type="button"
          className="btn btn-primary"
          disabled={busy || picked.length < COMPARE_MIN}
          onClick={() => {
            setBusy(true);
            useCompare
              .getState()
              .comparePicked(picked)
              .catch((err: unknown) => setError(errorShape(err)))
              .finally(() => setBusy(false));
          }}
        >
          {t('compare.compareCount', { count: picked.length })}
        </button>
      </div>
    </div>
  );
}
