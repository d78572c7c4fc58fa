import type { TFunction } from 'i18next';
import type { JobView } from '@shared/domain';

/** "Running 42%", "Queued", "Failed"… */
export function jobStateLabel(t: TFunction, job: Pick<JobView, 'state' | 'progress'>): string {
  if (job.state === 'running' && job.progress !== null) {
    return t('jobState.runningProgress', { progress: Math.round(job.progress) });
  }
  return t(`jobState.${job.state}`);
}
