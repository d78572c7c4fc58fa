import { KeyRound, ShieldAlert, ShieldCheck } from 'lucide-react';
import type { KeyboardEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { ProviderSettings } from '@shared/domain';

/**
 * A provider's key as Settings and the welcome show it: whether one is saved (its last four only) and where it is
 * kept (the keychain, or this session only: a warning).
 * @param settings the provider's settings; absent while they load (the key line reads "No key", no storage line)
 */
export function KeyStatus({ settings }: { settings: ProviderSettings | undefined }) {
  const { t } = useTranslation();
  return (
    <>
      <p className="key-status">
        <KeyRound size={14} aria-hidden="true" />
        <span>{settings?.keySet ? t('settings.keySet', { last4: settings.keyLast4 ?? '' }) : t('settings.noKey')}</span>
        {settings && !settings.keySet && settings.keyOptional ? <span className="muted small">{t('settings.keyOptional')}</span> : null}
      </p>
      {settings ? (
        <p className={`note${settings.keyStorage === 'session' ? ' note-warn' : ''}`}>
          {settings.keyStorage === 'keychain' ? <ShieldCheck size={14} aria-hidden="true" /> : <ShieldAlert size={14} aria-hidden="true" />}
          <span>{settings.keyStorage === 'keychain' ? t('settings.storageKeychain') : t('settings.storageSession')}</span>
        </p>
      ) : null}
    </>
  );
}

interface KeyFieldProps {
  /** The input's id. */
  id: string;
  label: string;
  value: string;
  onChange(value: string): void;
  onKeyDown?(e: KeyboardEvent<HTMLInputElement>): void;
}

/** A key's password field (never filled from a saved key: the renderer does not get it back). */
export function KeyField({ id, label, value, onChange, onKeyDown }: KeyFieldProps) {
  const { t } = useTranslation();
  return (
    <div className="field grow">
      <label htmlFor={id} className="field-label">
        {label}
      </label>
      <input
        id={id}
        className="input"
        type="password"
        autoComplete="off"
        spellCheck={false}
        placeholder={t('settings.apiKeyPlaceholder')}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        onKeyDown={onKeyDown}
      />
    </div>
  );
}
