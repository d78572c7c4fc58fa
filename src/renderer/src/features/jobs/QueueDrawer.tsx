import { FolderOpen, Pause, Play, X } from 'lucide-react';
import { useEffect, useMemo, useState } from 'react';
import type { TFunction } from 'i18next';
import { useTranslation } from 'react-i18next';
import type { JobView } from '@shared/domain';
import { jobActions, jobShortfall } from '@shared/jobs';
import { describeError, formatTime, formatUsd, modelLabel, providerShortLabel } from '../../i18n/format';
import { useFolders } from '../../store/folders';
import { isActive, sortJobs, useJobs } from '../../store/jobs';
import { ProgressBar } from '../../ui/ProgressBar';
import { jobStateLabel } from './labels';
import { RetryButton } from './RetryButton';
import { BatchList } from '../batches/BatchList';
import { useBatches } from '../batches/store';

/** The queue drawer: every job, newest first, with state, progress, provider/model and errors. */
export function QueueDrawer({ id }: { id: string }) {
  const { t, i18n } = useTranslation();
  const byId = useJobs((s) => s.byId);
  const setOpen = useJobs((s) => s.setDrawerOpen);
  const queue = useJobs((s) => s.queue);
  const pause = useJobs((s) => s.pause);
  const resume = useJobs((s) => s.resume);
  // A batch's rows are listed as that one batch (BatchList), not job by job.
  const batchJobs = useBatches((s) => s.jobIds);
  const jobs = useMemo(() => sortJobs(Object.values(byId).filter((j) => !batchJobs.has(j.id))), [byId, batchJobs]);
  const pausedAll = queue?.paused.includes('all') ?? false;
  const now = useNow(queue?.cooldowns.length ? 5_000 : null);
  return (
    <aside id={id} className="drawer" aria-label={t('jobs.drawer')}>
      <div className="drawer-head">
        <h2 className="drawer-title">{t('jobs.drawer')}</h2>
        {queue ? (
          <button
            type="button"
            className="btn btn-ghost btn-sm"
            onClick={() => void (pausedAll ? resume('all') : pause('all'))}
          >
            {pausedAll ? <Play size={14} aria-hidden="true" /> : <Pause size={14} aria-hidden="true" />}
            <span>{pausedAll ? t('jobs.resumeAll') : t('jobs.pauseAll')}</span>
          </button>
        ) : null}
        <button type="button" className="btn btn-ghost btn-icon" aria-label={t('app.close')} onClick={() => setOpen(false)}>
          <X size={16} aria-hidden="true" />
        </button>
      </div>
      {queue && (pausedAll || queue.paused.length > 0 || queue.cooldowns.some((c) => c.until > now)) ? (
        <div className="drawer-notes" role="status">
          {pausedAll ? <p>{t('jobs.paused')}</p> : null}
          {queue.paused
            .filter((p) => p !== 'all')
            .map((p) => (
              <p key={p}>{t('jobs.pausedProvider', { provider: providerShortLabel(t, p) })}</p>
            ))}
          {queue.cooldowns
            .filter((c) => c.until > now)
            .map((c) => (
              <p key={c.provider}>
                {t('jobs.cooldown', { provider: providerShortLabel(t, c.provider), time: formatTime(c.until, i18n.language) })}
              </p>
            ))}
        </div>
      ) : null}
      <BatchList />
      {jobs.length === 0 && batchJobs.size === 0 ? <p className="muted drawer-empty">{t('jobs.empty')}</p> : null}
      <ul className="job-list" aria-label={t('jobs.list')}>
        {jobs.map((job) => (
          <JobRow key={job.id} job={job} />
        ))}
      </ul>
    </aside>
  );
}

/** " · 23 credits", " · estimated 23 credits" while no charge is known, " · $0.04" where priced in USD; '' for free. */
function costText(t: TFunction, job: JobView, locale: string): string {
  if (job.provider === 'sandbox') return '';
  const parts: string[] = [];
  if (job.credits !== null) parts.push(t('jobs.credits', { count: job.credits }));
  else if (job.creditsEstimate !== null) parts.push(t('jobs.estimatedCredits', { count: job.creditsEstimate }));
  if (job.costUsd !== null) parts.push(formatUsd(job.costUsd, locale));
  else if (job.costUsdDerived != null) parts.push(t('jobs.derivedUsd', { amount: formatUsd(job.costUsdDerived, locale) }));
  else if (job.usdEstimate !== null) parts.push(t('jobs.estimatedUsd', { amount: formatUsd(job.usdEstimate, locale) }));
  return parts.map((p) => ` · ${p}`).join('');
}

/**
 * Why a completed job holds fewer images than it asked for, and what the charge covers: "The provider returned 1
 * of the 3 images asked for; nothing more can be fetched. Charged for 1 image." (or "Charge unknown."); null
 * where nothing is missing.
 */
function shortfallText(t: TFunction, job: JobView): string | null {
  const s = jobShortfall(job);
  if (!s) return null;
  const charge =
    s.chargedFor === null ? t('jobs.shortfallChargeUnknown') : t('jobs.shortfallCharged', { count: s.chargedFor });
  return `${t('jobs.shortfall', { returned: s.returned, expected: s.expected })} ${charge}`;
}

/** The current time, refreshed every `everyMs` (or not at all for null). */
function useNow(everyMs: number | null): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (everyMs === null) return;
    const timer = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now;
}

function JobRow({ job }: { job: JobView }) {
  const { t, i18n } = useTranslation();
  const select = useFolders((s) => s.select);
  const cancel = useJobs((s) => s.cancel);
  const folderExists = useFolders((s) => s.nodes.some((n) => n.id === job.folderId));
  const active = isActive(job);
  const actions = jobActions(job); // the same rule the engine applies: every button shown is accepted
  const failed = job.state === 'failed' || job.state === 'expired';
  const shortfall = shortfallText(t, job);
  return (
    <li className={`job${failed ? ' is-failed' : ''}`}>
      <div className="job-top">
        <span className={`job-state state-${job.state}`}>{jobStateLabel(t, job)}</span>
        <span className="muted job-time">{t(job.state === 'queued' ? 'jobs.queuedWhen' : 'jobs.when', { time: formatTime(job.createdAt, i18n.language) })}</span>
      </div>
      <p className="job-prompt" title={job.prompt}>
        {job.prompt}
      </p>
      <p className="muted job-meta">
        {providerShortLabel(t, job.provider)} · {modelLabel(t, job.model)}
        {job.expectedCount > 1 ? ` · ${t('jobs.images', { done: job.assetIds.length, expected: job.expectedCount })}` : ''}
        {costText(t, job, i18n.language)}
      </p>
      {active ? (
        <ProgressBar
          value={job.state === 'running' ? job.progress : job.state === 'queued' ? 0 : null}
          label={t('jobs.progress')}
        />
      ) : null}
      {shortfall ? <p className="muted job-meta job-shortfall">{shortfall}</p> : null}
      {job.error ? <p className="error-text job-error">{describeError(t, job.error)}</p> : null}
      {job.cancelRequested && active ? <p className="muted job-meta">{t('jobs.cancelRequested')}</p> : null}
      <div className="job-actions">
        {folderExists ? (
          <button type="button" className="link" onClick={() => select(job.folderId)}>
            <FolderOpen size={12} aria-hidden="true" /> {t('jobs.showFolder')}
          </button>
        ) : null}
        <span className="spacer" />
        {actions.cancel ? (
          <button type="button" className="btn btn-plain btn-sm" onClick={() => void cancel(job.id)}>
            {t('jobs.cancel')}
          </button>
        ) : null}
        <RetryButton job={job} />
      </div>
    </li>
  );
}
