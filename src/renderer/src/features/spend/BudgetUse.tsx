import { useEffect, useId, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { BudgetStatus, KeptGroup, KeptRow } from '@shared/contracts/budgets';
import type { AppErrorShape } from '@shared/errors';
import { budgetAmount, errorShape } from '../../i18n/format';
import { useFolders } from '../../store/folders';
import { call } from '../../transport';
import { ErrorText } from '../../ui/ErrorText';
import { Modal } from '../../ui/Modal';
import { BudgetForm } from '../budgets/BudgetDialog';
import { useBudgetUi, type BudgetTarget } from '../budgets/store';
import { formatCount, formatUsd } from './format';

/** "12 credits · $1.20", or "no cap". */
function capText(t: ReturnType<typeof useTranslation>['t'], credits: number | null, usd: number | null): string {
  const parts: string[] = [];
  if (credits !== null) parts.push(budgetAmount(t, 'credits', credits));
  if (usd !== null) parts.push(budgetAmount(t, 'USD', usd));
  return parts.length ? parts.join(' · ') : t('budget.noCap');
}

/**
 * Budget use per project in the spend view: cap, used (charges, derived USD and estimates, said where estimates
 * are part of it), left, period, and a Budget… button per project (projects without a budget too).
 * `refresh` changes when a job finishes, so the figures follow.
 */
export function BudgetUse({ refresh }: { refresh: number }) {
  const { t } = useTranslation();
  const id = useId();
  const version = useBudgetUi((s) => s.version);
  const nodes = useFolders((s) => s.nodes);
  const projects = useMemo(() => nodes.filter((f) => f.parentId === null), [nodes]);
  const [rows, setRows] = useState<BudgetStatus[] | null>(null);
  const [error, setError] = useState<AppErrorShape | null>(null);
  const [editing, setEditing] = useState<BudgetTarget | null>(null);
  useEffect(() => {
    let live = true;
    call('budgets.list', {}).then(
      (r) => live && setRows(r),
      (err: unknown) => live && setError(errorShape(err)),
    );
    return () => {
      live = false;
    };
  }, [version, refresh]);
  const withBudget = new Set(rows?.map((r) => r.projectId));
  const others = projects.filter((p) => !withBudget.has(p.id));
  return (
    <section className="spend-section" aria-labelledby={`${id}-h`}>
      <h3 id={`${id}-h`} className="spend-section-title">
        {t('spend.budgets')}
      </h3>
      <ErrorText error={error} />
      {rows && rows.length === 0 ? <p className="muted">{t('budget.none')}</p> : null}
      {rows && rows.length > 0 ? (
        <div className="spend-scroll">
        <table className="spend-table">
          <thead>
            <tr>
              <th scope="col" className="spend-key">{t('budget.project')}</th>
              <th scope="col" className="num">{t('budget.cap')}</th>
              <th scope="col" className="num">{t('budget.used')}</th>
              <th scope="col" className="num">{t('budget.left')}</th>
              <th scope="col">{t('budget.periodCol')}</th>
              <th scope="col"><span className="sr-only">{t('budget.action')}</span></th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => {
              const b = r.budget!;
              const usedCredits = r.used.credits + r.used.creditsEstimated;
              const usedUsd = r.used.usd + r.used.usdDerived + r.used.usdEstimated;
              const estimated = r.used.creditsEstimated > 0 || r.used.usdEstimated > 0;
              return (
                <tr key={r.projectId}>
                  <th scope="row" className="spend-key spend-wrap">{r.projectName}</th>
                  <td className="num">{capText(t, b.credits, b.usd)}</td>
                  <td className="num">
                    {capText(t, b.credits === null ? null : usedCredits, b.usd === null ? null : usedUsd)}
                    {estimated ? <span className="muted small"> ({t('budget.estimatedPart')})</span> : null}
                  </td>
                  <td className="num">{capText(t, r.left.credits, r.left.usd)}</td>
                  <td>{t(`budget.${b.period}`)}</td>
                  <td>
                    {/* The row names the project; the button's name says it too. */}
                    <button
                      type="button"
                      className="btn btn-plain"
                      aria-label={t('budget.edit', { project: r.projectName })}
                      onClick={() => setEditing({ projectId: r.projectId, projectName: r.projectName })}
                    >
                      {t('budget.action')}
                    </button>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
        </div>
      ) : null}
      {others.length > 0 ? (
        <p className="spend-budget-add">
          {others.map((p) => (
            <button key={p.id} type="button" className="btn btn-plain" onClick={() => setEditing({ projectId: p.id, projectName: p.name })}>
              {t('budget.edit', { project: p.name })}
            </button>
          ))}
        </p>
      ) : null}
      <Modal open={editing !== null} onOpenChange={(o) => !o && setEditing(null)} title={t('budget.title', { project: editing?.projectName ?? '' })}>
        {editing ? <BudgetForm key={editing.projectId} target={editing} onDone={() => setEditing(null)} /> : null}
      </Modal>
    </section>
  );
}

const KEPT_GROUPS: readonly KeptGroup[] = ['project', 'model', 'provider'];

/** The cost per kept image: spend ÷ images picked or rated ≥ the rating chosen (default ★3), per project, model, provider. */
export function KeptCost({ refresh }: { refresh: number }) {
  const { t, i18n } = useTranslation();
  const locale = i18n.language;
  const id = useId();
  const [minRating, setMinRating] = useState(3);
  const [group, setGroup] = useState<KeptGroup>('project');
  const [rows, setRows] = useState<KeptRow[] | null>(null);
  const [error, setError] = useState<AppErrorShape | null>(null);
  useEffect(() => {
    let live = true;
    call('spend.kept', { groupBy: group, minRating }).then(
      (r) => live && setRows(r),
      (err: unknown) => live && setError(errorShape(err)),
    );
    return () => {
      live = false;
    };
  }, [group, minRating, refresh]);
  const estimated = rows?.some((r) => r.estimated) ?? false;
  return (
    <section className="spend-section" aria-labelledby={`${id}-h`}>
      <h3 id={`${id}-h`} className="spend-section-title">
        {t('spend.keptTitle')}
      </h3>
      <p className="muted small">{t('spend.keptIntro')}</p>
      <div className="spend-kept-controls">
        <div className="field">
          <label htmlFor={`${id}-rating`} className="field-label">
            {t('spend.minRating')}
          </label>
          <select id={`${id}-rating`} className="select" value={minRating} onChange={(e) => setMinRating(Number(e.target.value))}>
            {[1, 2, 3, 4, 5].map((n) => (
              <option key={n} value={n}>
                {'★'.repeat(n)} {t('spend.stars', { count: n })}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${id}-group`} className="field-label">
            {t('spend.groupBy')}
          </label>
          <select id={`${id}-group`} className="select" value={group} onChange={(e) => setGroup(e.target.value as KeptGroup)}>
            {KEPT_GROUPS.map((g) => (
              <option key={g} value={g}>
                {t(`spend.group.${g}`)}
              </option>
            ))}
          </select>
        </div>
      </div>
      <ErrorText error={error} />
      {rows && rows.length === 0 ? <p className="muted">{t('spend.keptEmpty')}</p> : null}
      {rows && rows.length > 0 ? (
        <div className="spend-scroll">
        <table className="spend-table" aria-label={t('spend.keptTitle')}>
          <thead>
            <tr>
              <th scope="col" className="spend-key">{t(`spend.group.${group}`)}</th>
              <th scope="col" className="num">{t('spend.images')}</th>
              <th scope="col" className="num">{t('spend.kept')}</th>
              <th scope="col" className="num">{t('spend.perKeptCredits')}</th>
              <th scope="col" className="num">{t('spend.perKeptUsd')}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.key}>
                <th scope="row" className="spend-key spend-wrap">{r.label}</th>
                <td className="num">{formatCount(r.images, locale)}</td>
                <td className="num">{formatCount(r.kept, locale)}</td>
                <td className="num">{r.creditsPerKept === null ? '—' : `${r.estimated ? '≈ ' : ''}${formatCount(r.creditsPerKept, locale)}`}</td>
                <td className="num">{r.usdPerKept === null ? '—' : `${r.estimated ? '≈ ' : ''}${formatUsd(r.usdPerKept, locale)}`}</td>
              </tr>
            ))}
          </tbody>
        </table>
        </div>
      ) : null}
      {estimated ? <p className="note">{t('spend.keptEstimated')}</p> : null}
    </section>
  );
}
