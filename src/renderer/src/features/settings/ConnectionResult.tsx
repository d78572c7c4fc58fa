import { CircleCheck, CircleX } from 'lucide-react';
import { useTranslation } from 'react-i18next';
import { describeError } from '../../i18n/format';
import type { AccountCheck } from '../../store/settings';
import './connection.css';

/** What a connection check found, in plain words: connected in N ms with the balance where known, or the error. */
export function ConnectionResult({ check }: { check: AccountCheck }) {
  const { t } = useTranslation();
  return (
    <div role="status" className="balance">
      {check.status === 'loading' ? <span className="muted">{t('settings.checking')}</span> : null}
      {check.status === 'done' && check.result.ok ? (
        <span className="check-result is-ok">
          <CircleCheck size={14} aria-hidden="true" />
          <span>
            {t('settings.connectionOk', { ms: check.result.latencyMs })}{' '}
            {check.result.credits !== null ? t('settings.balance', { count: check.result.credits }) : t('settings.noBalance')}
            {check.result.email ? <span className="muted"> · {t('settings.account', { email: check.result.email })}</span> : null}
          </span>
        </span>
      ) : null}
      {check.status === 'done' && !check.result.ok ? (
        <span className="check-result error-text">
          <CircleX size={14} aria-hidden="true" />
          <span>
            {t('settings.connectionFailed', {
              ms: check.result.latencyMs,
              error: describeError(t, check.result.error),
            })}
          </span>
        </span>
      ) : null}
      {check.status === 'error' ? <span className="error-text">{describeError(t, check.error)}</span> : null}
    </div>
  );
}
