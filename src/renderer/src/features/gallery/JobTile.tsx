import { AlertTriangle, X } from 'lucide-react';
import { useTranslation } from 'react-i18next';
import type { JobView } from '@shared/domain';
import { describeError } from '../../i18n/format';
import { ProgressBar } from '../../ui/ProgressBar';
import { jobStateLabel } from '../jobs/labels';
import { RetryButton } from '../jobs/RetryButton';

interface JobTileProps {
  job: JobView;
  tabIndex: number;
  index: number;
  onDismiss(id: string): void;
}

/** Where a job's image will appear: its state and progress, or why it failed. */
export function JobTile({ job, tabIndex, index, onDismiss }: JobTileProps) {
  const { t } = useTranslation();
  const failed = job.state === 'failed' || job.state === 'expired' || job.state === 'canceled';
  const state = jobStateLabel(t, job);
  const progress =
    job.state === 'running' ? job.progress : job.state === 'downloading' ? null : job.state === 'queued' ? 0 : null;
  return (
    <div
      className={`job-tile${failed ? ' is-failed' : ''}`}
      tabIndex={tabIndex}
      data-tile-index={index}
      aria-label={t('gallery.jobTile', { state, prompt: job.prompt })}
      aria-keyshortcuts={failed ? 'Delete' : undefined}
      onKeyDown={(e) => {
        if (failed && (e.key === 'Delete' || e.key === 'Backspace')) {
          e.preventDefault();
          onDismiss(job.id);
        }
      }}
    >
      <div className="job-tile-body">
        {failed ? <AlertTriangle size={18} aria-hidden="true" className="job-tile-icon" /> : null}
        <span className="job-tile-state">{state}</span>
        {failed && job.error ? <p className="job-tile-error">{describeError(t, job.error)}</p> : null}
        {/* Retry where the engine accepts it, asking first where it would pay again (src/shared/jobs.ts). */}
        {failed ? <RetryButton job={job} /> : null}
        {!failed ? <ProgressBar value={progress} label={t('jobs.progress')} /> : null}
        {job.expectedCount > 1 && !failed ? (
          <span className="job-tile-meta">{t('jobs.images', { done: job.assetIds.length, expected: job.expectedCount })}</span>
        ) : null}
      </div>
      {failed ? (
        <button
          type="button"
          className="btn btn-ghost btn-icon job-tile-dismiss"
          aria-label={t('gallery.dismissJob')}
          onClick={() => onDismiss(job.id)}
        >
          <X size={14} aria-hidden="true" />
        </button>
      ) : null}
    </div>
  );
}
