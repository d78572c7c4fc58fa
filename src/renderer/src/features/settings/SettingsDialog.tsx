import { useEffect, useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { KEYED_PROVIDERS } from '../../../../shared/capabilities';
import { LOCALES, type Locale } from '../../../../shared/domain';
import type { AppErrorShape } from '../../../../shared/errors';
import { errorShape } from '../../i18n/format';
import { isModKey } from '../../lib/platform';
import { useSettings } from '../../store/settings';
import { ErrorText } from '../../ui/ErrorText';
import { Modal } from '../../ui/Modal';
import { ProviderSection } from './ProviderSection';

/** Settings (button in the top bar, or Ctrl/⌘+,): language, and each keyed provider. */
export function SettingsDialog() {
  const { t } = useTranslation();
  const open = useSettings((s) => s.open);
  const setOpen = useSettings((s) => s.setOpen);

  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      if (e.key === ',' && isModKey(e)) {
        e.preventDefault();
        setOpen(true);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [setOpen]);

  return (
    <Modal open={open} onOpenChange={setOpen} title={t('settings.title')} className="settings">
      <SettingsBody />
    </Modal>
  );
}

/** Mounted only while the dialog is open: it re-reads the providers each time and starts without old errors. */
function SettingsBody() {
  const { t } = useTranslation();
  const id = useId();
  const locale = useSettings((s) => s.locale);
  const setLocale = useSettings((s) => s.setLocale);
  const providers = useSettings((s) => s.providers);
  const providersError = useSettings((s) => s.providersError);
  const loadProviders = useSettings((s) => s.loadProviders);
  const version = useSettings((s) => s.version);
  const [error, setError] = useState<AppErrorShape | null>(null);

  useEffect(() => {
    void loadProviders();
  }, [loadProviders]);

  return (
    <div className="settings-body">
      <div className="field">
        <label htmlFor={`${id}-lang`} className="field-label">
          {t('settings.language')}
        </label>
        <select
          id={`${id}-lang`}
          className="select"
          value={locale}
          onChange={(e) => {
            setError(null);
            setLocale(e.target.value as Locale).catch((err: unknown) => setError(errorShape(err)));
          }}
        >
          {LOCALES.map((l) => (
            <option key={l} value={l} lang={l}>
              {t(`languages.${l}`)}
            </option>
          ))}
        </select>
        <ErrorText error={error} />
      </div>

      <h3 className="settings-section-title">{t('settings.providers')}</h3>
      <p className="note">{t('settings.sandboxNote')}</p>
      <ErrorText error={providersError} />
      {KEYED_PROVIDERS.map((p) => {
        const s = providers[p];
        return s ? <ProviderSection key={p} settings={s} /> : null;
      })}
      {version ? <p className="muted small settings-version">{t('settings.version', { version })}</p> : null}
    </div>
  );
}
