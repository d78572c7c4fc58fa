import { Download, HardDrive } from 'lucide-react';
import { useEffect, useState } from 'react';
import '../../styles/transfer.css';
import { useTranslation } from 'react-i18next';
import { ImportControls } from '../import/ImportControls';
import { LibraryCareDialog } from '../library-care/LibraryCareDialog';
import { ExportDialog } from './ExportDialog';
import { ariaShortcut, matchesShortcut } from '../../lib/keys';

/** The top bar's import, export and library-care controls. */
export function TransferBar() {
  const { t } = useTranslation();
  const [exportOpen, setExportOpen] = useState(false);
  const [careOpen, setCareOpen] = useState(false);
  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      if (matchesShortcut(e, 'exportImages')) {
        e.preventDefault();
        setExportOpen(true);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
  return (
    <>
      <ImportControls />
      <button type="button" className="btn btn-ghost" aria-keyshortcuts={ariaShortcut('exportImages')} onClick={() => setExportOpen(true)}>
        <Download size={16} aria-hidden="true" />
        <span>{t('transfer.export')}</span>
      </button>
      <button type="button" className="btn btn-ghost" onClick={() => setCareOpen(true)}>
        <HardDrive size={16} aria-hidden="true" />
        <span>{t('transfer.library')}</span>
      </button>
      <ExportDialog open={exportOpen} onOpenChange={setExportOpen} />
      <LibraryCareDialog open={careOpen} onOpenChange={setCareOpen} />
    </>
  );
}
