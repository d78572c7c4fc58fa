import { FolderInput, ImagePlus } from 'lucide-react';
import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { useFolders } from '../../store/folders';
import { filesOfDrop, pathsOfDrop, startImport, type ImportFile } from '../../store/transfer';
import { useToasts } from '../../store/toasts';
import { getTransport } from '../../transport';

/**
 * Import into the selected folder: "Import images" (a file picker), "Import folder" (a folder picker), and files
 * or folders dropped on the gallery. The desktop window sends paths (the main process walks folders); a browser
 * sends the files' bytes in batches.
 */
export function ImportControls() {
  const { t } = useTranslation();
  const folderId = useFolders((s) => s.selectedId);
  const filesRef = useRef<HTMLInputElement>(null);
  const dirRef = useRef<HTMLInputElement>(null);

  useEffect(() => {
    if (!folderId) return;
    // Drops on the gallery import; the composer's reference drop zone handles its own drops.
    const onDrop = (e: DragEvent): void => {
      const target = e.target as Element | null;
      if (!e.dataTransfer || !target?.closest?.('.gallery')) return;
      if (!Array.from(e.dataTransfer.types).includes('Files')) return;
      e.preventDefault();
      // Desktop window: the dropped files' path grant tokens (read now: the DataTransfer empties after the event).
      const dropped = getTransport().kind === 'electron' ? Array.from(e.dataTransfer.files) : null;
      const run = dropped
        ? pathsOfDrop(dropped).then((paths) =>
            startImport(folderId, paths ? { paths } : { files: dropped.map((file) => ({ file, name: file.name })) }),
          )
        : filesOfDrop(e.dataTransfer).then((files) => startImport(folderId, { files }));
      run.catch((err: unknown) => useToasts.getState().error(err));
    };
    window.addEventListener('drop', onDrop, true);
    return () => window.removeEventListener('drop', onDrop, true);
  }, [folderId]);

  const picked = (input: HTMLInputElement): void => {
    if (!folderId || !input.files) return;
    const list = Array.from(input.files);
    input.value = '';
    if (list.length === 0) return;
    const files: ImportFile[] = list.map((file) => ({ file, name: file.webkitRelativePath || file.name }));
    // Desktop window: picked files go by path grant token when every one has a path, else by bytes.
    const run = pathsOfDrop(list).then((paths) =>
      paths && paths.length === list.length ? startImport(folderId, { paths }) : startImport(folderId, { files }),
    );
    run.catch((err: unknown) => useToasts.getState().error(err));
  };

  return (
    <>
      <button type="button" className="btn btn-ghost" disabled={!folderId} title={folderId ? undefined : t('transfer.needFolder')} onClick={() => filesRef.current?.click()}>
        <ImagePlus size={16} aria-hidden="true" />
        <span>{t('transfer.importImages')}</span>
      </button>
      <button type="button" className="btn btn-ghost" disabled={!folderId} onClick={() => dirRef.current?.click()}>
        <FolderInput size={16} aria-hidden="true" />
        <span>{t('transfer.importFolder')}</span>
      </button>
      <input
        ref={filesRef}
        type="file"
        multiple
        accept="image/png,image/jpeg,image/webp,.png,.jpg,.jpeg,.webp,.xmp"
        hidden
        aria-label={t('transfer.importImages')}
        data-testid="import-files"
        onChange={(e) => picked(e.currentTarget)}
      />
      <input
        ref={dirRef}
        type="file"
        multiple
        hidden
        aria-label={t('transfer.importFolder')}
        data-testid="import-folder"
        {...{ webkitdirectory: '' }}
        onChange={(e) => picked(e.currentTarget)}
      />
    </>
  );
}
