import { Trash } from 'lucide-react';
import { useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useCollections } from '../../store/collections';
import { useGallery } from '../../store/gallery';
import { useSelection } from '../../store/selection';
import { useToasts } from '../../store/toasts';
import { call } from '../../transport';
import { Modal } from '../../ui/Modal';
import { formatBytes } from '../../i18n/format';

/** "Empty trash" in the trash view, behind a confirmation that says it cannot be undone; focus starts on Cancel. */
export function EmptyTrashButton() {
  const { t, i18n } = useTranslation();
  const count = useCollections((s) => s.trashCount);
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const cancelRef = useRef<HTMLButtonElement>(null);
  const confirm = async (): Promise<void> => {
    setBusy(true);
    try {
      const r = await call('trash.empty', {});
      useSelection.getState().clear();
      useToasts.getState().info('trash.emptied', { count: r.deletedAssets, size: formatBytes(r.freedBytes, i18n.language) });
      void useCollections.getState().load();
      void useGallery.getState().reload();
      setOpen(false);
    } catch (err) {
      useToasts.getState().error(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <button type="button" className="btn btn-danger btn-sm" disabled={count === 0} onClick={() => setOpen(true)}>
        <Trash size={14} aria-hidden="true" />
        <span>{t('trash.empty')}</span>
      </button>
      <Modal
        open={open}
        onOpenChange={setOpen}
        role="alertdialog"
        title={t('trash.confirmTitle')}
        description={t('trash.confirmBody', { count })}
        onOpenAutoFocus={(e) => {
          e.preventDefault();
          cancelRef.current?.focus();
        }}
      >
        <div className="form-actions">
          <button ref={cancelRef} type="button" className="btn btn-plain" onClick={() => setOpen(false)}>
            {t('app.cancel')}
          </button>
          <button type="button" className="btn btn-danger" disabled={busy} onClick={() => void confirm()}>
            {t('trash.confirm')}
          </button>
        </div>
      </Modal>
    </>
  );
}
