import { ListPlus, Loader2 } from 'lucide-react';
import { useDeferredValue, useId, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { BATCH_MAX_ROWS, planBatch } from '@shared/batch-template';
import type { AppErrorShape } from '@shared/errors';
import { errorShape, modelLabel, providerLabel } from '../../i18n/format';
import { call } from '../../transport';
import { useComposer } from '../../store/composer';
import { useFolders } from '../../store/folders';
import { useJobs } from '../../store/jobs';
import { usePrices } from '../../store/prices';
import { IconButton } from '../../ui/IconButton';
import { Modal } from '../../ui/Modal';
import { useBatches } from './store';
import { batchIssueText, estimateText, rowIssueText, rowLabel, submitErrorText } from './text';
import './batches.css';
import { OverBudgetDialog } from '../budgets/OverBudgetDialog';

/** How many expanded prompts the preview lists. */
const PREVIEW_ROWS = 8;
/** How many refused rows are listed by name. */
const REFUSED_LISTED = 20;

/** The composer's "Batch…" button (an icon, named and with a tooltip, so the footer keeps its room): opens the template dialog. */
export function BatchButton({ disabled }: { disabled?: boolean }) {
  const { t } = useTranslation();
  return (
    <IconButton
      label={t('batch.open')}
      variant="plain"
      icon={<ListPlus size={16} />}
      disabled={disabled}
      onClick={() => useBatches.getState().setDialogOpen(true)}
    />
  );
}

/** "Batch from a template": a template, a table (typed or pasted CSV/TSV), the expanded prompts, refusals and total. */
export function BatchDialog() {
  const { t } = useTranslation();
  const open = useBatches((s) => s.dialogOpen);
  const setOpen = useBatches((s) => s.setDialogOpen);
  return (
    <Modal open={open} onOpenChange={setOpen} title={t('batch.title')} className="batch-dialog">
      <BatchForm onDone={() => setOpen(false)} />
    </Modal>
  );
}

function BatchForm({ onDone }: { onDone(): void }) {
  const { t, i18n } = useTranslation();
  const id = useId();
  const provider = useComposer((s) => s.provider);
  const model = useComposer((s) => s.model);
  const params = useComposer((s) => s.params);
  const references = useComposer((s) => s.references);
  const folderId = useFolders((s) => s.selectedId);
  const prices = usePrices((s) => s.table);
  const [template, setTemplate] = useState(() => useComposer.getState().prompt);
  const [table, setTable] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<AppErrorShape | null>(null);
  const ready = useMemo(() => references.flatMap((r) => (r.staged ? [{ blobId: r.staged.id, name: r.name }] : [])), [references]);
  // The preview plans from deferred copies of the two texts, so typing (or an input method's composition) in a long
  // template over a large table is never held up by re-planning: 500 rows of a 30,000-character template take ~60 ms.
  const planTemplate = useDeferredValue(template);
  const planTable = useDeferredValue(table);
  const current = planTemplate === template && planTable === table;
  const plan = useMemo(
    () => planBatch({ template: planTemplate, table: planTable, provider, model, params, references: ready, prices }),
    [planTemplate, planTable, provider, model, params, ready, prices],
  );
  const refused = plan.rows.filter((r) => r.issue);
  // One line per table row and reason (a row's alternatives share its refusal).
  const refusals = useMemo(
    () => [...new Set(plan.rows.flatMap((r) => (r.issue ? [`${rowLabel(t, r.row, r.index + 1)}: ${rowIssueText(t, r.issue)}`] : [])))],
    [plan, t],
  );
  // Only a plan of the texts as they are now may be queued.
  const canSubmit = !busy && current && !!folderId && plan.issue === null && plan.count > 0 && refused.length === 0;
  const valueColumns = plan.columns;
  const columnLabel = (c: string): string => (/^\d+$/.test(c) ? t('batch.group', { n: Number(c) }) : c);

  /** `overrideBudget`: the user confirmed passing the project's budget (after a `budget_exceeded` refusal). */
  const submit = async (overrideBudget = false): Promise<void> => {
    if (!canSubmit || !folderId) return;
    setBusy(true);
    setError(null);
    try {
      await call('batches.submit', {
        folderId,
        provider,
        model,
        params,
        template,
        table,
        references: ready,
        ...(overrideBudget ? { overrideBudget: true } : {}),
      });
      onDone();
      useJobs.getState().setDrawerOpen(true);
      await useBatches.getState().load();
    } catch (err) {
      setError(errorShape(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="batch-form">
      <OverBudgetDialog error={error} onCancel={() => setError(null)} onConfirm={() => void submit(true)} />
      <div className="batch-fields">
        <div className="field">
          <label htmlFor={`${id}-template`} className="field-label">
            {t('batch.template')}
          </label>
          <textarea
            id={`${id}-template`}
            className="textarea"
            rows={3}
            value={template}
            aria-describedby={`${id}-template-help`}
            onChange={(e) => {
              setTemplate(e.target.value);
              setError(null);
            }}
          />
          <p id={`${id}-template-help`} className="muted batch-help">
            {t('batch.templateHelp')}
          </p>
        </div>
        <div className="field">
          <label htmlFor={`${id}-table`} className="field-label">
            {t('batch.table')}
          </label>
          <textarea
            id={`${id}-table`}
            className="textarea batch-table-input"
            rows={6}
            value={table}
            spellCheck={false}
            placeholder={'headline,lang\nSummer sale,en'}
            aria-describedby={`${id}-table-help`}
            onChange={(e) => {
              setTable(e.target.value);
              setError(null);
            }}
          />
          <p id={`${id}-table-help`} className="muted batch-help">
            {t('batch.tableHelp')}
          </p>
        </div>
      </div>

      <section className="batch-preview" aria-label={t('batch.preview')}>
        <p className="batch-count" role="status">
          {t('batch.count', { count: plan.count, model: modelLabel(t, model), provider: providerLabel(t, provider) })}
          {refused.length > 0 ? ` · ${t('batch.refusedCount', { count: refused.length })}` : ''}
        </p>
        {plan.issue ? (
          <p className="error-text" role="alert">
            {plan.issue['reason'] === 'too_many' ? t('batch.issue.template_too_many', { count: plan.count, max: BATCH_MAX_ROWS }) : batchIssueText(t, plan.issue)}
          </p>
        ) : null}
        {plan.rows.length > 0 ? (
          <div className="batch-table-wrap">
            <table className="batch-table">
              <caption className="sr-only">{t('batch.previewCaption', { shown: Math.min(PREVIEW_ROWS, plan.rows.length), count: plan.count })}</caption>
              <thead>
                <tr>
                  <th scope="col">#</th>
                  {valueColumns.map((c) => (
                    <th key={c} scope="col">
                      {columnLabel(c)}
                    </th>
                  ))}
                  <th scope="col">{t('batch.expanded')}</th>
                </tr>
              </thead>
              <tbody>
                {plan.rows.slice(0, PREVIEW_ROWS).map((r) => (
                  <tr key={r.index} className={r.issue ? 'is-refused' : undefined}>
                    <td>{r.index + 1}</td>
                    {valueColumns.map((c) => (
                      <td key={c}>{r.values[c] ?? ''}</td>
                    ))}
                    <td className="batch-prompt">{r.prompt}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            {plan.rows.length > PREVIEW_ROWS ? <p className="muted">{t('batch.more', { count: plan.rows.length - PREVIEW_ROWS })}</p> : null}
          </div>
        ) : null}
        {refusals.length > 0 ? (
          <ul className="batch-refused" aria-label={t('batch.refusedList')}>
            {refusals.slice(0, REFUSED_LISTED).map((text) => (
              <li key={text} className="error-text">
                {text}
              </li>
            ))}
            {refusals.length > REFUSED_LISTED ? <li className="muted">{t('batch.more', { count: refusals.length - REFUSED_LISTED })}</li> : null}
          </ul>
        ) : null}
      </section>

      <div className="batch-footer">
        <p className="batch-total">
          <span className="field-label">{t('batch.total')}</span> <span>{plan.issue ? '—' : estimateText(t, i18n.language, provider, plan.estimate)}</span>
        </p>
        <button type="button" className="btn btn-primary" disabled={!canSubmit} aria-busy={busy} onClick={() => void submit()}>
          {busy ? <Loader2 size={16} aria-hidden="true" className="spin" /> : <ListPlus size={16} aria-hidden="true" />}
          <span>{t('batch.submit', { count: plan.count })}</span>
        </button>
      </div>
      {error ? (
        <p role="alert" className="error-text">
          {submitErrorText(t, error)}
        </p>
      ) : null}
    </div>
  );
}
