import { RotateCcw } from 'lucide-react';
import { useRef, useState } from 'react';
import type { TFunction } from 'i18next';
import { useTranslation } from 'react-i18next';
import type { JobView } from '@shared/domain';
import { jobActions } from '@shared/jobs';
import { formatUsd } from '../../i18n/format';
import { useJobs } from '../../store/jobs';
import { Modal } from '../../ui/Modal';
import type { AppErrorShape } from '@shared/errors';
import { OverBudgetDialog } from '../budgets/OverBudgetDialog';

/** "9 credits", "$0.04", "9 credits and $0.04", or null where nothing is known. */
function amountText(t: TFunction, credits: number | null, usd: number | null, locale: string): string | null {
  const parts: string[] = [];
  if (credits !== null) parts.push(t('jobs.credits', { count: credits }));
  if (usd !== null) parts.push(formatUsd(usd, locale));
  return parts.length ? parts.join(' · ') : null;
}

/**
 * Retry, where {@link jobActions} offers it (nothing otherwise). A retry that would pay again for a job that may
 * already have been charged first asks in an alert dialog naming what it was charged (or that it may have been) and
 * the estimated cost of the new attempt; only "Pay again and retry" sends it, with `confirmPaid`. A fresh submit the
 * project's budget refuses asks in the over-budget dialog, whose Submit anyway sends it again with `overrideBudget`.
 */
export function RetryButton({ job }: { job: JobView }) {
  const { t, i18n } = useTranslation();
  const retry = useJobs((s) => s.retry);
  const [asking, setAsking] = useState(false);
  const [overBudget, setOverBudget] = useState<{ error: AppErrorShape; confirmPaid: boolean } | null>(null);
  const cancelRef = useRef<HTMLButtonElement>(null);
  const action = jobActions(job).retry;
  if (!action) return null;
  const charged = job.charge === 'charged' ? amountText(t, job.credits, job.costUsd, i18n.language) : null;
  const cost = amountText(t, job.creditsEstimate, job.usdEstimate, i18n.language);
  const send = async (confirmPaid: boolean, overrideBudget = false): Promise<void> => {
    const refused = await retry(job.id, { confirmPaid, overrideBudget });
    setOverBudget(refused ? { error: refused, confirmPaid } : null);
  };
  return (
    <>
      <button
        type="button"
        className="btn btn-plain btn-sm"
        onClick={() => (action.confirm ? setAsking(true) : void send(false))}
      >
        <RotateCcw size={12} aria-hidden="true" />
        <span>{t('jobs.retry')}</span>
      </button>
      {action.confirm ? (
        <Modal
          open={asking}
          onOpenChange={setAsking}
          role="alertdialog"
          title={t('jobs.retryPaidTitle')}
          description={
            <>
              {charged ? t('jobs.retryPaidCharged', { charged }) : t('jobs.retryPaidUnknown')}{' '}
              {cost ? t('jobs.retryPaidCost', { cost }) : t('jobs.retryPaidCostUnknown')}
            </>
          }
          onOpenAutoFocus={(e) => {
            e.preventDefault();
            cancelRef.current?.focus();
          }}
        >
          <div className="form-actions">
            <button ref={cancelRef} type="button" className="btn btn-plain" onClick={() => setAsking(false)}>
              {t('app.cancel')}
            </button>
            <button
              type="button"
              className="btn btn-danger"
              onClick={() => {
                setAsking(false);
                void send(true);
              }}
            >
              {t('jobs.retryPaidConfirm')}
            </button>
          </div>
        </Modal>
      ) : null}
      <OverBudgetDialog
        error={overBudget?.error ?? null}
        onCancel={() => setOverBudget(null)}
        onConfirm={() => void send(overBudget?.confirmPaid ?? false, true)}
      />
    </>
  );
}
