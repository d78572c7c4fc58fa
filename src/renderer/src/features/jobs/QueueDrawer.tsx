import { FolderOpen, X } from 'lucide-react';
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import type { JobView } from '../../../../shared/domain';
import { describeError, formatTime, modelLabel, providerShortLabel } from '../../i18n/format';
import { useFolders } from '../../store/folders';
import { isActive, sortJobs, useJobs } from '../../store/jobs';
import { ProgressBar } from '../../ui/ProgressBar';
import { jobStateLabel } from './labels';

/** The queue drawer: every job, newest first, with state, progress, provider/model and errors. */
export function QueueDrawer({ id }: { id: string }) {
  const { t } = useTranslation();
  const byId = useJobs((s) => s.byId);
  const setOpen = useJobs((s) => s.setDrawerOpen);
  const jobs = useMemo(() => sortJobs(Object.values(byId)), [byId]);
  return (
    <aside id={id} className="drawer" aria-label={t('jobs.drawer')}>
      <div className="drawer-head">
        <h2 className="drawer-title">{t('jobs.drawer')}</h2>
        <button type="button" className="btn btn-ghost btn-icon" aria-label={t('app.close')} onClick={() => setOpen(false)}>
          <X size={16} aria-hidden="true" />
        </button>
      </div>
      {jobs.length === 0 ? <p className="muted drawer-empty">{t('jobs.empty')}</p> : null}
      <ul className="job-list" aria-label={t('jobs.list')}>
        {jobs.map((job) => (
          <JobRow key={job.id} job={job} />
        ))}
      </ul>
    </aside>
  );
}

function JobRow({ job }: { job: JobView }) {
  const { t, i18n } = useTranslation();
  const select = useFolders((s) => s.select);
  const folderExists = useFolders((s) => s.nodes.some((n) => n.id === job.folderId));
  const active = isActive(job);
  const failed = job.state === 'failed' || job.state === 'expired';
  return (
    <li className={`job${failed ? ' is-failed' : ''}`}>
      <div className="job-top">
        <span className={`job-state state-${job.state}`}>{jobStateLabel(t, job)}</span>
        <span className="muted job-time">{t('jobs.when', { time: formatTime(job.createdAt, i18n.language) })}</span>
      </div>
      <p className="job-prompt" title={job.prompt}>
        {job.prompt}
      </p>
      <p className="muted job-meta">
        {providerShortLabel(t, job.provider)} · {modelLabel(t, job.model)}
        {job.expectedCount > 1 ? ` · ${t('jobs.images', { done: job.assetIds.length, expected: job.expectedCount })}` : ''}
        {job.credits !== null && job.provider !== 'sandbox' ? ` · ${t('jobs.credits', { count: job.credits })}` : ''}
      </p>
      {active ? (
        <ProgressBar
          value={job.state === 'running' ? job.progress : job.state === 'queued' ? 0 : null}
          label={t('jobs.progress')}
        />
      ) : null}
      {job.error ? <p className="error-text job-error">{describeError(t, job.error)}</p> : null}
      {folderExists ? (
        <button type="button" className="link job-folder" onClick={() => select(job.folderId)}>
          <FolderOpen size={12} aria-hidden="true" /> {t('jobs.showFolder')}
        </button>
      ) : null}
    </li>
  );
}
