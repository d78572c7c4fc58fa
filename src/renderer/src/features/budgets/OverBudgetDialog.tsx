import { useTranslation } from 'react-i18next';
import type { AppErrorShape } from '@shared/errors';
import { describeError } from '../../i18n/format';
import { Modal } from '../../ui/Modal';

/**
 * Asks before passing a project's budget: the server's refusal (`budget_exceeded`, with its numbers) and two
 * buttons, Cancel and Submit anyway (which sends the same submit again with `overrideBudget: true`).
 */
export function OverBudgetDialog({
  error,
  onCancel,
  onConfirm,
}: {
  error: AppErrorShape | null;
  onCancel(): void;
  onConfirm(): void;
}) {
  const { t } = useTranslation();
  const open = error?.code === 'budget_exceeded';
  return (
    <Modal
      open={open}
      onOpenChange={(o) => !o && onCancel()}
      title={t('budget.overTitle')}
      role="alertdialog"
      description={open ? describeError(t, error) : undefined}
    >
      <div className="form-actions">
        <button type="button" className="btn btn-plain" onClick={onCancel}>
          {t('app.cancel')}
        </button>
        <button type="button" className="btn btn-primary" onClick={onConfirm}>
          {t('budget.overConfirm')}
        </button>
      </div>
    </Modal>
  );
}
