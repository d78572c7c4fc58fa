import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ExportPreset } from '@shared/contracts/transfer';
import type { AppErrorShape } from '@shared/errors';
import { errorShape } from '../../i18n/format';
import { call } from '../../transport';
import { ErrorText } from '../../ui/ErrorText';
import { Modal } from '../../ui/Modal';
import { presetDisplayName } from './presetName';

/**
 * The export dialog's Delete preset button and its confirmation (`export.deletePreset`). Files already exported
 * with the preset stay as they are.
 * @param preset the preset chosen in the dialog (none: the button is disabled)
 * @param disabled true while it is the only preset left (an export needs one)
 * @param onDeleted called with the deleted preset's id once the service has deleted it
 */
export function DeletePreset({ preset, disabled, onDeleted }: { preset: ExportPreset | undefined; disabled: boolean; onDeleted(id: string): void }) {
  const { t } = useTranslation();
  const [open, setOpen] = useState(false);
  const [error, setError] = useState<AppErrorShape | null>(null);
  const [busy, setBusy] = useState(false);
  const name = preset ? presetDisplayName(t, preset.id, preset.name) : '';

  const confirm = async (): Promise<void> => {
    if (!preset) return;
    setBusy(true);
    setError(null);
    try {
      await call('export.deletePreset', { id: preset.id });
      setOpen(false);
      onDeleted(preset.id);
    } catch (err) {
      setError(errorShape(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <button type="button" className="btn btn-plain" disabled={disabled || !preset} onClick={() => setOpen(true)}>
        {t('transfer.deletePreset')}
      </button>
      <Modal
        open={open}
        onOpenChange={(o) => {
          setOpen(o);
          if (!o) setError(null);
        }}
        role="alertdialog"
        title={t('transfer.deletePresetTitle', { name })}
        description={t('transfer.deletePresetBody')}
      >
        <ErrorText error={error} />
        <div className="form-actions">
          <button type="button" className="btn btn-plain" onClick={() => setOpen(false)}>
            {t('app.cancel')}
          </button>
          <button type="button" className="btn btn-danger" disabled={busy} onClick={() => void confirm()}>
            {t('transfer.deletePresetConfirm')}
          </button>
        </div>
      </Modal>
    </>
  );
}
