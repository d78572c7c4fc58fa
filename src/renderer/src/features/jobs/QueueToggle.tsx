import { ListOrdered } from 'lucide-react';
import { useTranslation } from 'react-i18next';
import { isActive, useJobs } from '../../store/jobs';

/** "Queue" in the top bar, with the number of jobs still running. */
export function QueueToggle({ drawerId }: { drawerId: string }) {
  const { t } = useTranslation();
  const open = useJobs((s) => s.drawerOpen);
  const setOpen = useJobs((s) => s.setDrawerOpen);
  const active = useJobs((s) => Object.values(s.byId).filter(isActive).length);
  return (
    <button
      type="button"
      className={`btn btn-ghost${open ? ' is-on' : ''}`}
      aria-expanded={open}
      aria-controls={open ? drawerId : undefined}
      aria-label={t('app.queue')}
      aria-describedby={`${drawerId}-count`}
      onClick={() => setOpen(!open)}
    >
      <ListOrdered size={16} aria-hidden="true" />
      <span aria-hidden="true">{t('app.queue')}</span>
      {active > 0 ? (
        <span className="count-badge" aria-hidden="true">
          {active.toLocaleString()}
        </span>
      ) : null}
      <span id={`${drawerId}-count`} className="sr-only">
        {t('app.queueActive', { count: active })}
      </span>
    </button>
  );
}
