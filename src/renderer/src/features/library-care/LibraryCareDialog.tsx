import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { AppErrorShape } from '@shared/errors';
import type { TaskView } from '@shared/contracts/transfer';
import { errorShape } from '../../i18n/format';
import { watchTask } from '../../store/transfer';
import { call, getTransport } from '../../transport';
import { ErrorText } from '../../ui/ErrorText';
import { Modal } from '../../ui/Modal';

/** Library care: integrity check (and lossless repair, after a confirmation), thumbnail rebuild, backup. */
export function LibraryCareDialog({ open, onOpenChange }: { open: boolean; onOpenChange(open: boolean): void }) {
  const { t } = useTranslation();
  return (
    <Modal open={open} onOpenChange={onOpenChange} title={t('transfer.careTitle')} description={t('transfer.careHint')}>
      <CareForm onDone={() => onOpenChange(false)} />
    </Modal>
  );
}

function CareForm({ onDone }: { onDone(): void }) {
  const { t } = useTranslation();
  const id = useId();
  const [target, setTarget] = useState('');
  // Desktop window: the backup folder is picked in the native dialog and sent as its path grant token (a typed path
  // is refused there); web host: typed.
  const electron = getTransport().kind === 'electron';
  const [targetToken, setTargetToken] = useState<string | null>(null);
  const pick = (): void => {
    call('export.pickTarget', {})
      .then((r) => {
        if (r.path && r.token) {
          setTarget(r.path);
          setTargetToken(r.token);
        }
      })
      .catch((err: unknown) => setError(errorShape(err)));
  };
  const [confirmRepair, setConfirmRepair] = useState(false);
  const [error, setError] = useState<AppErrorShape | null>(null);
  const run = (p: Promise<TaskView>): void => {
    p.then((v) => {
      watchTask(v);
      onDone();
    }).catch((err: unknown) => setError(errorShape(err)));
  };
  return (
    <div className="form">
      <div className="care-actions">
        <button type="button" className="btn btn-plain" onClick={() => run(call('library.checkIntegrity', { repair: false, verifyHashes: true }))}>
          {t('transfer.checkIntegrity')}
        </button>
        {confirmRepair ? (
          <div role="alertdialog" aria-label={t('transfer.repairConfirmTitle')} className="care-confirm">
            <p>{t('transfer.repairConfirm')}</p>
            <button type="button" className="btn btn-plain" onClick={() => setConfirmRepair(false)}>{t('app.cancel')}</button>
            <button type="button" className="btn btn-primary" onClick={() => run(call('library.checkIntegrity', { repair: true, verifyHashes: true }))}>
              {t('transfer.repairGo')}
            </button>
          </div>
        ) : (
          <button type="button" className="btn btn-plain" onClick={() => setConfirmRepair(true)}>{t('transfer.checkAndRepair')}</button>
        )}
        <button type="button" className="btn btn-plain" onClick={() => run(call('library.rebuildThumbnails', { missingOnly: false }))}>
          {t('transfer.rebuildThumbs')}
        </button>
      </div>
      <label className="field-label" htmlFor={`${id}-backup`}>{t('transfer.backupFolder')}</label>
      <div className="export-target">
        <input id={`${id}-backup`} className="input" value={target} spellCheck={false} placeholder={t('transfer.targetPlaceholder')} readOnly={electron} onChange={(e) => setTarget(e.target.value)} />
        {electron ? (
          <button type="button" className="btn btn-plain" onClick={pick}>{t('transfer.choose')}</button>
        ) : null}
        <button type="button" className="btn btn-primary" disabled={!target.trim()} onClick={() => run(call('library.backup', { targetDir: electron ? (targetToken ?? '') : target.trim() }))}>
          {t('transfer.backup')}
        </button>
      </div>
      <p className="muted export-help">{t('transfer.backupHelp')}</p>
      <ErrorText error={error} id={`${id}-err`} />
    </div>
  );
}
