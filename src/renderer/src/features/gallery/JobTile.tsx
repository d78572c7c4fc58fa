import { AlertTriangle, X } from 'lucide-react';
import { useTranslation } from 'react-i18next';
import type { JobView } from '@shared/domain';
import { describeError } from '../../i18n/format';
import { useJobs } from '../../store/jobs';
import { ProgressBar } from '../../ui/ProgressBar';
import { jobStateLabel } from '../jobs/labels';
import { RetryButton } from '../jobs/RetryButton';

interface JobTileProps {
  job: JobView;
  tabIndex: number;
  index: number;
  onDismiss(id: string): void;
}

/**
 * Where a job's image will appear: its state and progress, or why it failed. While a provider streams partial
 * images (live previews, `job.partial`), the latest one fills the tile with a "preview" badge, until the final
 * image takes the tile's place.
 */
export function JobTile({ job, tabIndex, index, onDismiss }: JobTileProps) {
  const { t } = useTranslation();
  const failed = job.state === 'failed' || job.state === 'expired' || job.state === 'canceled';
  const partial = useJobs((s) => s.partials[job.id]);
  const preview = !failed && partial ? partial : null;
  const state = jobStateLabel(t, job);
  const progress =
    job.state === 'running' ? job.progress : job.state === 'downloading' ? null : job.state === 'queued' ? 0 : null;
  return (
    <div
      className={`job-tile${failed ? ' is-failed' : ''}${preview ? ' has-preview' : ''}`}
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
      {preview ? (
        <>
          <img className="job-tile-preview" src={preview.image} alt={t('gallery.partialPreview')} draggable={false} />
          <span className="job-tile-badge" aria-hidden="true">
            {t('gallery.previewBadge')}
          </span>
        </>
      ) : null}
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
