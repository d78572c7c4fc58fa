import { Bell } from 'lucide-react';
import { useTranslation } from 'react-i18next';
import { requestNotifications, useNotify } from '../../store/notify';

/**
 * Settings → Notifications: what is told and when (store/notify.ts), whether this window may, and in a browser the
 * button that asks for the permission (only from this click, never on load).
 */
export function NotificationSettings() {
  const { t } = useTranslation();
  const permission = useNotify((s) => s.permission);
  return (
    <section className="field" aria-labelledby="settings-notify-heading">
      <h3 className="settings-section-title" id="settings-notify-heading">
        {t('notify.heading')}
      </h3>
      <p className="note">{t('notify.help')}</p>
      <p className="note" role="status">
        {t(`notify.state_${permission}`)}
      </p>
      {permission === 'default' ? (
        <div>
          <button type="button" className="btn btn-plain" onClick={() => void requestNotifications()}>
            <Bell size={14} aria-hidden="true" />
            <span>{t('notify.allow')}</span>
          </button>
        </div>
      ) : null}
    </section>
  );
}
