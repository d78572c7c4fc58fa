import * as Tabs from '@radix-ui/react-tabs';
import { Coins } from 'lucide-react';
import { useEffect, useId, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { SpendRow } from '@shared/domain';
import type { AppErrorShape } from '@shared/errors';
import { errorShape } from '../../i18n/format';
import { useJobs } from '../../store/jobs';
import { call } from '../../transport';
import { ErrorText } from '../../ui/ErrorText';
import { Modal } from '../../ui/Modal';
import { SPEND_GROUPS, dayBound, formatCount, formatUsd, rowLabel, totalOf, type SpendGroup } from './format';
import './spend.css';
import { DateField } from '../../ui/DateField';
import { BudgetUse, KeptCost } from './BudgetUse';

/** "Spend" in the top bar: opens what finished jobs cost. */
export function SpendButton() {
  const { t } = useTranslation();
  const [open, setOpen] = useState(false);
  return (
    <>
      <button type="button" className="btn btn-ghost" aria-haspopup="dialog" onClick={() => setOpen(true)}>
        <Coins size={16} aria-hidden="true" />
        <span>{t('app.spend')}</span>
      </button>
      <Modal open={open} onOpenChange={setOpen} title={t('spend.title')} className="spend">
        <SpendBody />
      </Modal>
    </>
  );
}

interface Result {
  request: string;
  rows: SpendRow[] | null;
  error: AppErrorShape | null;
}

/** Mounted only while the dialog is open, so each opening reads afresh. */
function SpendBody() {
  const { t, i18n } = useTranslation();
  const locale = i18n.language;
  const id = useId();
  const [group, setGroup] = useState<SpendGroup>('project');
  const [fromText, setFromText] = useState('');
  const [toText, setToText] = useState('');
  // A job that finishes while the view is open is counted at once.
  const completed = useJobs((s) => Object.values(s.byId).reduce((n, j) => n + (j.state === 'completed' ? 1 : 0), 0));
  const from = dayBound(fromText, false);
  const to = dayBound(toText, true);
  const badRange = from !== null && to !== null && from > to;
  const request = `${group}|${from}|${to}|${completed}`;
  const [result, setResult] = useState<Result | null>(null);

  useEffect(() => {
    if (badRange) return;
    let live = true;
    call('spend.summary', { groupBy: group, from, to }).then(
      (rows) => {
        if (live) setResult({ request, rows, error: null });
      },
      (err: unknown) => {
        if (live) setResult({ request, rows: null, error: errorShape(err) });
      },
    );
    return () => {
      live = false;
    };
  }, [request, group, from, to, badRange]);

  const loading = !badRange && result?.request !== request;
  // While a new answer is on its way the previous rows stay, marked busy, if they were for the same grouping.
  const shown = result && result.request.startsWith(`${group}|`) ? result : null;

  return (
    <div className="spend-body">
      <p className="muted">{t('spend.intro')}</p>
      <fieldset className="spend-range">
        <legend className="field-label">{t('spend.range')}</legend>
        <div className="field">
          <label htmlFor={`${id}-from`} className="field-label">
            {t('spend.from')}
          </label>
          <DateField id={`${id}-from`} value={fromText} aria-describedby={`${id}-utc`} onChange={setFromText} />
        </div>
        <div className="field">
          <label htmlFor={`${id}-to`} className="field-label">
            {t('spend.to')}
          </label>
          <DateField id={`${id}-to`} value={toText} aria-describedby={`${id}-utc`} onChange={setToText} />
        </div>
        <button
          type="button"
          className="btn btn-plain"
          disabled={!fromText && !toText}
          onClick={() => {
            setFromText('');
            setToText('');
          }}
        >
          {t('spend.allDates')}
        </button>
        <span id={`${id}-utc`} className="muted small">
          {t('spend.utc')}
        </span>
      </fieldset>
      {badRange ? (
        <p role="alert" className="error-text">
          {t('spend.badRange')}
        </p>
      ) : null}

      <Tabs.Root value={group} onValueChange={(v) => setGroup(v as SpendGroup)}>
        <Tabs.List className="tabs" aria-label={t('spend.groupBy')}>
          {SPEND_GROUPS.map((g) => (
            <Tabs.Trigger key={g} value={g} className="tab">
              {t(`spend.group.${g}`)}
            </Tabs.Trigger>
          ))}
        </Tabs.List>
        {SPEND_GROUPS.map((g) => (
          <Tabs.Content key={g} value={g} className="tab-panel spend-panel" aria-busy={loading}>
            {shown?.error ? <ErrorText error={shown.error} /> : null}
            {!shown && loading ? <p className="muted">{t('spend.loading')}</p> : null}
            {shown?.rows && shown.rows.length === 0 ? <p className="muted spend-empty">{t('spend.empty')}</p> : null}
            {shown?.rows && shown.rows.length > 0 ? (
              <SpendTable group={g} rows={shown.rows} locale={locale} describedBy={`${id}-legend`} />
            ) : null}
          </Tabs.Content>
        ))}
      </Tabs.Root>
      <p id={`${id}-legend`} className="note spend-legend">
        {t('spend.legend')}
      </p>
      <BudgetUse refresh={completed} />
      <KeptCost refresh={completed} />
    </div>
  );
}

/** A value, or a dash (read as "none") where there is nothing to show. */
function Dash() {
  const { t } = useTranslation();
  return (
    <>
      <span aria-hidden="true">—</span>
      <span className="sr-only">{t('spend.none')}</span>
    </>
  );
}

function SpendTable({
  group,
  rows,
  locale,
  describedBy,
}: {
  group: SpendGroup;
  rows: SpendRow[];
  locale: string;
  describedBy: string;
}) {
  const { t } = useTranslation();
  const total = totalOf(rows);
  return (
    <div className="spend-scroll">
      <table className="spend-table" aria-describedby={describedBy}>
        <caption className="sr-only">{t('spend.caption', { group: t(`spend.group.${group}`) })}</caption>
        <thead>
          <tr>
            <th rowSpan={2} scope="col" className="spend-key">
              {t(`spend.group.${group}`)}
            </th>
            <th rowSpan={2} scope="col" className="num">
              {t('spend.jobs')}
            </th>
            <th rowSpan={2} scope="col" className="num">
              {t('spend.images')}
            </th>
            <th colSpan={2} scope="colgroup" className="spend-group">
              {t('spend.charged')}
            </th>
            <th rowSpan={2} scope="col" className="num spend-group derived">
              {t('spend.derived')}
            </th>
            <th colSpan={3} scope="colgroup" className="spend-group est">
              {t('spend.estimates')}
            </th>
          </tr>
          <tr>
            <th scope="col" className="num">
              {t('spend.credits')}
            </th>
            <th scope="col" className="num">
              {t('spend.usd')}
            </th>
            <th scope="col" className="num est">
              {t('spend.unpricedJobs')}
            </th>
            <th scope="col" className="num est">
              {t('spend.creditsEstimated')}
            </th>
            <th scope="col" className="num est">
              {t('spend.usdEstimated')}
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <Row key={r.key} label={rowLabel(t, group, r, locale)} row={r} locale={locale} />
          ))}
        </tbody>
        {rows.length > 1 ? (
          <tfoot>
            <Row label={t('spend.total')} row={total} locale={locale} />
          </tfoot>
        ) : null}
      </table>
    </div>
  );
}

function Row({ label, row, locale }: { label: string; row: SpendRow; locale: string }) {
  const { t } = useTranslation();
  const noPrice = row.unpricedJobs > 0 && row.creditsEstimated === 0 && row.usdEstimated === 0;
  const cell = (value: number, show: (v: number) => ReactNode): ReactNode => (value > 0 ? show(value) : <Dash />);
  return (
    <tr>
      <th scope="row" className="spend-key">
        {label}
      </th>
      <td className="num">{formatCount(row.jobs, locale)}</td>
      <td className="num">{formatCount(row.images, locale)}</td>
      <td className="num">{cell(row.credits, (v) => formatCount(v, locale))}</td>
      <td className="num">{cell(row.usd, (v) => formatUsd(v, locale))}</td>
      <td className="num derived">{cell(row.usdDerived, (v) => formatUsd(v, locale))}</td>
      <td className="num est">{cell(row.unpricedJobs, (v) => formatCount(v, locale))}</td>
      <td className="num est">
        {cell(row.creditsEstimated, (v) => t('spend.estimated', { amount: formatCount(v, locale) }))}
      </td>
      <td className="num est">
        {noPrice ? (
          <span className="muted">{t('spend.noPrice')}</span>
        ) : (
          cell(row.usdEstimated, (v) => t('spend.estimated', { amount: formatUsd(v, locale) }))
        )}
      </td>
    </tr>
  );
}
