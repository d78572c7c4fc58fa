import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { BudgetPeriod, BudgetStatus } from '@shared/contracts/budgets';
import type { AppErrorShape } from '@shared/errors';
import { errorShape } from '../../i18n/format';
import { useToasts } from '../../store/toasts';
import { call } from '../../transport';
import { ErrorText } from '../../ui/ErrorText';
import { Modal } from '../../ui/Modal';
import { parseCap } from './cap';
import { useBudgetUi, type BudgetTarget } from './store';

/** The budget dialog of the project in {@link useBudgetUi} (mounted once, beside the sidebar). */
export function BudgetDialogHost() {
  const { t } = useTranslation();
  const target = useBudgetUi((s) => s.dialog);
  const close = useBudgetUi((s) => s.close);
  return (
    <Modal open={target !== null} onOpenChange={(o) => !o && close()} title={t('budget.title', { project: target?.projectName ?? '' })}>
      {target ? <BudgetForm key={target.projectId} target={target} onDone={close} /> : null}
    </Modal>
  );
}

/** Caps in credits and USD, the period, Save and Remove: saved at once, no confirmation; `onDone` after either. */
export function BudgetForm({ target, onDone }: { target: BudgetTarget; onDone(): void }) {
  const { t } = useTranslation();
  const id = useId();
  const [credits, setCredits] = useState('');
  const [usd, setUsd] = useState('');
  const [period, setPeriod] = useState<BudgetPeriod>('month');
  const [current, setCurrent] = useState<BudgetStatus | null>(null);
  const [error, setError] = useState<AppErrorShape | null>(null);
  const [busy, setBusy] = useState(false);
  // Set once the person changes a field: the budget read on opening then fills only what they have not touched.
  const edited = useRef(false);

  useEffect(() => {
    let live = true;
    call('budgets.get', { folderId: target.projectId }).then(
      (s) => {
        if (!live) return;
        setCurrent(s);
        if (s.budget && !edited.current) {
          setCredits(s.budget.credits === null ? '' : String(s.budget.credits));
          setUsd(s.budget.usd === null ? '' : String(s.budget.usd));
          setPeriod(s.budget.period);
        }
      },
      (err: unknown) => live && setError(errorShape(err)),
    );
    return () => {
      live = false;
    };
  }, [target.projectId]);

  const c = parseCap(credits);
  const u = parseCap(usd);
  const save = async (caps: { credits: number | null; usd: number | null }): Promise<void> => {
    setBusy(true);
    setError(null);
    try {
      await call('budgets.set', { projectId: target.projectId, ...caps, period });
      useBudgetUi.getState().changed();
      useToasts.getState().info(caps.credits === null && caps.usd === null ? 'budget.removed' : 'budget.saved', { project: target.projectName });
      onDone();
    } catch (err) {
      setError(errorShape(err));
      setBusy(false);
    }
  };
  const submit = (e: FormEvent): void => {
    e.preventDefault();
    if (c === 'bad' || u === 'bad') return;
    void save({ credits: c, usd: u });
  };

  return (
    <form className="form budget-form" onSubmit={submit}>
      <p className="muted">{t('budget.intro')}</p>
      <div className="field">
        <label htmlFor={`${id}-credits`} className="field-label">
          {t('budget.credits')}
        </label>
        <input
          id={`${id}-credits`}
          className="input"
          inputMode="decimal"
          value={credits}
          aria-invalid={c === 'bad'}
          aria-describedby={`${id}-hint${c === 'bad' ? ` ${id}-bad` : ''}`}
          onChange={(e) => {
            edited.current = true;
            setCredits(e.target.value);
          }}
        />
      </div>
      <div className="field">
        <label htmlFor={`${id}-usd`} className="field-label">
          {t('budget.usd')}
        </label>
        <input
          id={`${id}-usd`}
          className="input"
          inputMode="decimal"
          value={usd}
          aria-invalid={u === 'bad'}
          aria-describedby={`${id}-hint${u === 'bad' ? ` ${id}-bad` : ''}`}
          onChange={(e) => {
            edited.current = true;
            setUsd(e.target.value);
          }}
        />
      </div>
      <p id={`${id}-hint`} className="muted small">
        {t('budget.empty')}
      </p>
      {c === 'bad' || u === 'bad' ? (
        <p id={`${id}-bad`} role="alert" className="error-text">
          {t('budget.invalid')}
        </p>
      ) : null}
      <fieldset className="budget-period">
        <legend className="field-label">{t('budget.period')}</legend>
        {(['month', 'total'] as const).map((p) => (
          <label key={p} className="radio">
            <input type="radio" name={`${id}-period`} value={p} checked={period === p} onChange={() => {
                edited.current = true;
                setPeriod(p);
              }} />
            <span>{t(`budget.${p}`)}</span>
          </label>
        ))}
      </fieldset>
      <ErrorText error={error} />
      <div className="form-actions">
        {current?.budget ? (
          <button type="button" className="btn btn-plain" disabled={busy} onClick={() => void save({ credits: null, usd: null })}>
            {t('budget.remove')}
          </button>
        ) : null}
        <button type="button" className="btn btn-plain" onClick={onDone}>
          {t('app.cancel')}
        </button>
        <button type="submit" className="btn btn-primary" disabled={busy || c === 'bad' || u === 'bad'}>
          {t('budget.save')}
        </button>
      </div>
    </form>
  );
}
