import { useMemo, useRef, useState, type RefObject } from 'react';
import { useTranslation } from 'react-i18next';
import type { FolderNode } from '@shared/domain';
import type { AppErrorShape } from '@shared/errors';
import { errorShape } from '../../i18n/format';
import { useFolders } from '../../store/folders';
import { ErrorText } from '../../ui/ErrorText';
import { Modal } from '../../ui/Modal';
import { childMap, deleteCounts } from './tree';

/**
 * Confirms a delete, naming what goes with it: the folders, and how many images move to the trash (restorable to
 * the same folders); focus starts on Cancel.
 */
export function DeleteDialog({ folder, onOpenChange }: { folder: FolderNode | null; onOpenChange(open: boolean): void }) {
  const { t } = useTranslation();
  const nodes = useFolders((s) => s.nodes);
  const cancelRef = useRef<HTMLButtonElement>(null);
  const counts = useMemo(
    () => (folder ? deleteCounts(nodes, childMap(nodes), folder.id) : { folders: 0, images: 0 }),
    [nodes, folder],
  );
  return (
    <Modal
      open={folder !== null}
      onOpenChange={onOpenChange}
      role="alertdialog"
      title={t('folders.deleteTitle', { name: folder?.name ?? '' })}
      description={t(counts.images > 0 ? 'folders.deleteBody' : 'folders.deleteBodyEmpty', {
        folders: t('folders.folderCount', { count: counts.folders }),
        images: t('folders.imageCount', { count: counts.images }),
      })}
      returnFocusFallback={() => document.querySelector<HTMLElement>('[role="tree"] [tabindex="0"]')}
      onOpenAutoFocus={(e) => {
        e.preventDefault();
        cancelRef.current?.focus();
      }}
    >
      {folder ? <DeleteActions folder={folder} cancelRef={cancelRef} onDone={() => onOpenChange(false)} /> : null}
    </Modal>
  );
}

function DeleteActions({
  folder,
  cancelRef,
  onDone,
}: {
  folder: FolderNode;
  cancelRef: RefObject<HTMLButtonElement | null>;
  onDone(): void;
}) {
  const { t } = useTranslation();
  const remove = useFolders((s) => s.remove);
  const [error, setError] = useState<AppErrorShape | null>(null);
  const [busy, setBusy] = useState(false);

  const confirm = async (): Promise<void> => {
    setBusy(true);
    setError(null);
    try {
      await remove(folder.id);
      onDone();
    } catch (err) {
      setError(errorShape(err));
      setBusy(false);
    }
  };

  return (
    <>
      <ErrorText error={error} />
      <div className="form-actions">
        <button ref={cancelRef} type="button" className="btn btn-plain" onClick={onDone}>
          {t('app.cancel')}
        </button>
        <button type="button" className="btn btn-danger" disabled={busy} onClick={() => void confirm()}>
          {t('folders.delete')}
        </button>
      </div>
    </>
  );
}
