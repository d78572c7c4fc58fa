import { X } from 'lucide-react';
import { useTranslation } from 'react-i18next';
import { describeError } from '../i18n/format';
import { useToasts } from '../store/toasts';

/** Passing messages in the corner; errors stay longer. */
export function Toasts() {
  const { t } = useTranslation();
  const toasts = useToasts((s) => s.toasts);
  const dismiss = useToasts((s) => s.dismiss);
  return (
    <div className="toasts" role="region" aria-label={t('app.notifications')} aria-live="polite">
      {toasts.map((toast) => (
        <div key={toast.id} className={`toast toast-${toast.kind}`} role={toast.kind === 'error' ? 'alert' : 'status'}>
          <span>
            {toast.error
              ? describeError(t, toast.error)
              : t(toast.messageKey ?? '', { ...toast.values, ...(toast.what ? { what: t(toast.what.key, toast.what.values ?? {}) } : {}) })}
          </span>
          {toast.action ? (
            <button
              type="button"
              className="btn btn-plain btn-sm"
              onClick={() => {
                dismiss(toast.id);
                toast.action?.run();
              }}
            >
              {t(toast.action.labelKey)}
            </button>
          ) : null}
          <button type="button" className="btn btn-ghost btn-icon btn-xs" aria-label={t('app.dismiss')} onClick={() => dismiss(toast.id)}>
            <X size={12} aria-hidden="true" />
          </button>
        </div>
      ))}
    </div>
  );
}
