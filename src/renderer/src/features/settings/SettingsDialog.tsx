import { useEffect, useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import * as Tabs from '@radix-ui/react-tabs';
import { KeyRound } from 'lucide-react';
import { KEYED_PROVIDERS, type KeyedProviderId } from '@shared/capabilities';
import { LOCALES, THEMES, type Locale, type ProviderSettings, type Theme } from '@shared/domain';
import type { AppErrorShape } from '@shared/errors';
import { errorShape, providerShortLabel } from '../../i18n/format';
import { matchesShortcut } from '../../lib/keys';
import { useSettings } from '../../store/settings';
import { ErrorText } from '../../ui/ErrorText';
import { Modal } from '../../ui/Modal';
import { ProviderSection } from './ProviderSection';
import { NotificationSettings } from './NotificationSettings';
import { PricesSection } from './PricesSection';

/** Settings (button in the top bar, or Ctrl/⌘+,): language, each keyed provider, and the price table. */
export function SettingsDialog() {
  const { t } = useTranslation();
  const open = useSettings((s) => s.open);
  const setOpen = useSettings((s) => s.setOpen);

  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      if (matchesShortcut(e, 'openSettings')) {
        e.preventDefault();
        setOpen(true);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [setOpen]);

  return (
    <Modal open={open} onOpenChange={(o) => setOpen(o)} title={t('settings.title')} className="settings">
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
  const theme = useSettings((s) => s.theme);
  const setTheme = useSettings((s) => s.setTheme);
  const providers = useSettings((s) => s.providers);
  const providersError = useSettings((s) => s.providersError);
  const loadProviders = useSettings((s) => s.loadProviders);
  const version = useSettings((s) => s.version);
  const [error, setError] = useState<AppErrorShape | null>(null);
  const [tab, setTab] = useState<KeyedProviderId | 'prices' | null>(() => useSettings.getState().focusProvider);
  const listed = KEYED_PROVIDERS.map((p) => providers[p]).filter((p): p is ProviderSettings => !!p);

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
      </div>
      <div className="field">
        <label htmlFor={`${id}-theme`} className="field-label">
          {t('settings.theme')}
        </label>
        <select
          id={`${id}-theme`}
          className="select"
          value={theme}
          onChange={(e) => {
            setError(null);
            setTheme(e.target.value as Theme).catch((err: unknown) => setError(errorShape(err)));
          }}
        >
          {THEMES.map((th) => (
            <option key={th} value={th}>
              {t(`settings.themes.${th}`)}
            </option>
          ))}
        </select>
      </div>
      <ErrorText error={error} />
      <NotificationSettings />

      <h3 className="settings-section-title" id={`${id}-providers`}>
        {t('settings.providers')}
      </h3>
      <p className="note">{t('settings.sandboxNote')}</p>
      <ErrorText error={providersError} />
      {listed.length > 0 ? (
        // One tab per keyed provider, then Prices: only the chosen one's fields exist, so "API key" names one field.
        <Tabs.Root
          value={tab === 'prices' || (tab && listed.some((p) => p.provider === tab)) ? tab : listed[0]!.provider}
          onValueChange={(v) => setTab(v as KeyedProviderId | 'prices')}
        >
          <Tabs.List className="tabs" aria-labelledby={`${id}-providers`}>
            {listed.map((p) => (
              <Tabs.Trigger key={p.provider} value={p.provider} className="tab">
                {providerShortLabel(t, p.provider)}
                {p.keySet ? <KeyRound size={12} aria-hidden="true" className="tab-key" /> : null}
              </Tabs.Trigger>
            ))}
            <Tabs.Trigger value="prices" className="tab">
              {t('prices.tab')}
            </Tabs.Trigger>
          </Tabs.List>
          {listed.map((p) => (
            <Tabs.Content key={p.provider} value={p.provider} className="tab-panel">
              <ProviderSection settings={p} />
            </Tabs.Content>
          ))}
          <Tabs.Content value="prices" className="tab-panel">
            <PricesSection />
          </Tabs.Content>
        </Tabs.Root>
      ) : null}
      {version ? <p className="muted small settings-version">{t('settings.version', { version })}</p> : null}
    </div>
  );
}
