import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { BudgetStatus } from '@shared/contracts/budgets';
import { budgetAmount } from '../../i18n/format';
import { useJobs } from '../../store/jobs';
import { call } from '../../transport';
import { periodEnd, periodWaitMs } from './period';
import { useBudgetUi } from './store';

/** While jobs keep changing, the budget is read again at most this often (ms): a batch's rows do not each cost a read. */
const JOB_REREAD_MS = 1000;

/**
 * The budget of the project `folderId` is in, read afresh when a budget is saved (here or elsewhere), at most once a
 * second while jobs start or end, and when the month it counts rolls over (a timer to the next 1st, 00:00 UTC, and
 * on window focus or the page shown again after that: a laptop asleep over the month's end); null while unknown or
 * where the folder is not known.
 */
export function useBudget(folderId: string | null): BudgetStatus | null {
  const version = useBudgetUi((s) => s.version);
  const jobsKey = useJobs((s) => Object.values(s.byId).map((j) => j.state[0]).join(''));
  const [status, setStatus] = useState<{ folderId: string; s: BudgetStatus } | null>(null);
  // Job changes bump `jobsTick` once per JOB_REREAD_MS at most, after the first change of each window.
  const [jobsTick, setJobsTick] = useState(0);
  const seenKey = useRef(jobsKey);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(() => {
    if (jobsKey === seenKey.current || timer.current) return;
    seenKey.current = jobsKey;
    timer.current = setTimeout(() => {
      timer.current = null;
      setJobsTick((n) => n + 1);
    }, JOB_REREAD_MS);
  }, [jobsKey]);
  useEffect(
    () => () => {
      if (timer.current) clearTimeout(timer.current);
      timer.current = null;
    },
    [],
  );
  // The month's end: `periodTick` reads again once the page's clock is past it (nothing else changes then).
  const [periodTick, setPeriodTick] = useState(0);
  const periodStart = status && status.folderId === folderId ? status.s.periodStart : null;
  useEffect(() => {
    if (!folderId || periodStart === null) return;
    const end = periodEnd(periodStart);
    let wait: ReturnType<typeof setTimeout> | null = null;
    const reread = (): void => setPeriodTick((n) => n + 1);
    const arm = (): void => {
      wait = setTimeout(() => (Date.now() >= end ? reread() : arm()), periodWaitMs(end, Date.now()));
    };
    arm();
    const onWake = (): void => {
      if (document.visibilityState === 'visible' && Date.now() >= end) reread();
    };
    window.addEventListener('focus', onWake);
    document.addEventListener('visibilitychange', onWake);
    return () => {
      if (wait) clearTimeout(wait);
      window.removeEventListener('focus', onWake);
      document.removeEventListener('visibilitychange', onWake);
    };
  }, [folderId, periodStart, periodTick]);
  useEffect(() => {
    if (!folderId) return;
    let live = true;
    call('budgets.get', { folderId }).then(
      (s) => live && setStatus({ folderId, s }),
      () => live && setStatus(null),
    );
    return () => {
      live = false;
    };
  }, [folderId, version, jobsTick, periodTick]);
  return status && status.folderId === folderId ? status.s : null;
}

/**
 * What a submit's estimate leaves of its project's budget: "≈ 12 credits of 40 left this month", in the unit of
 * the estimate (credits or USD) where the budget caps it, else what is left of the other cap. Nothing where the
 * project has no budget. Marked "over the budget" where the estimate is more than what is left.
 */
export function BudgetLine({ folderId, credits, usd, id }: { folderId: string | null; credits: number | null; usd: number | null; id?: string }) {
  const { t, i18n } = useTranslation();
  const status = useBudget(folderId);
  const b = status?.budget;
  if (!status || !b) return null;
  const period = b.period;
  const pick =
    credits !== null && status.left.credits !== null
      ? { unit: 'credits' as const, estimate: credits, left: status.left.credits }
      : usd !== null && credits === null && status.left.usd !== null
        ? { unit: 'USD' as const, estimate: usd, left: status.left.usd }
        : null;
  const left = (unit: 'credits' | 'USD', v: number): string => (unit === 'USD' ? budgetAmount(t, 'USD', v) : t('budget.creditsAmount', { count: v }));
  let text: string;
  let over = false;
  if (pick) {
    over = pick.estimate > pick.left + 1e-9;
    text = t(`budget.left_${period}`, {
      estimate: budgetAmount(t, pick.unit, pick.estimate),
      left: pick.unit === 'USD' ? budgetAmount(t, 'USD', pick.left) : new Intl.NumberFormat(i18n.language, { maximumFractionDigits: 2 }).format(pick.left),
    });
  } else {
    const parts: string[] = [];
    if (status.left.credits !== null) parts.push(left('credits', status.left.credits));
    if (status.left.usd !== null) parts.push(left('USD', status.left.usd));
    text = t(`budget.leftOnly_${period}`, { left: parts.join(' · ') });
  }
  return (
    <span id={id} className={`budget-line${over ? ' is-over' : ''}`}>
      {text}
      {over ? <strong> · {t('budget.over')}</strong> : null}
    </span>
  );
}
