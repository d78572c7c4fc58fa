import { useId, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { KeyedProviderId } from '@shared/capabilities';
import type { ProviderSettings } from '@shared/domain';
import type { AppErrorShape } from '@shared/errors';
import { errorShape, providerShortLabel } from '../../i18n/format';
import { useSettings } from '../../store/settings';
import { ErrorText } from '../../ui/ErrorText';
import { ConnectionResult } from './ConnectionResult';
import { KeyField, KeyStatus } from './KeyField';

/** One keyed provider: its key (never shown, only its last four), base URL and a connection check. */
export function ProviderSection({ settings }: { settings: ProviderSettings }) {
  const { t } = useTranslation();
  const id = useId();
  const provider: KeyedProviderId = settings.provider;
  const setKey = useSettings((s) => s.setKey);
  const clearKey = useSettings((s) => s.clearKey);
  const setBaseUrl = useSettings((s) => s.setBaseUrl);
  const checkConnection = useSettings((s) => s.checkConnection);
  const setCustomModels = useSettings((s) => s.setCustomModels);
  const setStreamPartials = useSettings((s) => s.setStreamPartials);
  // The checkbox follows a click at once; the saved setting (or a refusal) then brings it back in line.
  const [streamOn, setStreamOn] = useState(settings.streamPartials);
  const [savedStream, setSavedStream] = useState(settings.streamPartials);
  if (savedStream !== settings.streamPartials) {
    setSavedStream(settings.streamPartials);
    setStreamOn(settings.streamPartials);
  }
  const savedModels = settings.customModels.map((m) => m.replace(/^custom:/, '')).join('\n');
  const [models, setModelsText] = useState(savedModels);
  const [shownModels, setShownModels] = useState(savedModels);
  if (shownModels !== savedModels) {
    setShownModels(savedModels);
    setModelsText(savedModels);
  }
  const account = useSettings((s) => s.account[provider]) ?? { status: 'idle' as const };
  const [key, setKeyText] = useState('');
  const [baseUrl, setBaseUrlText] = useState(settings.baseUrl);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<AppErrorShape | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  // A saved or reset base URL replaces what the field shows.
  const [savedUrl, setSavedUrl] = useState(settings.baseUrl);
  if (savedUrl !== settings.baseUrl) {
    setSavedUrl(settings.baseUrl);
    setBaseUrlText(settings.baseUrl);
  }

  const run = async (action: () => Promise<void>, done: string): Promise<void> => {
    setBusy(true);
    setError(null);
    setNotice(null);
    try {
      await action();
      setNotice(done);
    } catch (err) {
      setError(errorShape(err));
    } finally {
      setBusy(false);
    }
  };

  const saveKey = (e: FormEvent): void => {
    e.preventDefault();
    const trimmed = key.trim();
    if (!trimmed) return;
    void run(async () => {
      await setKey(provider, trimmed);
      setKeyText('');
    }, t('settings.keySaved'));
  };

  const saveBaseUrl = (e: FormEvent): void => {
    e.preventDefault();
    void run(() => setBaseUrl(provider, baseUrl.trim() || null), t('settings.baseUrlSaved'));
  };

  return (
    <section className="settings-provider" aria-labelledby={`${id}-title`}>
      <h3 id={`${id}-title`} className="settings-subtitle">
        {providerShortLabel(t, provider)}
      </h3>

      <KeyStatus settings={settings} />

      <form className="form-row" onSubmit={saveKey}>
        <KeyField id={`${id}-key`} label={t('settings.apiKey')} value={key} onChange={setKeyText} />
        <button type="submit" className="btn btn-primary" disabled={busy || key.trim() === ''}>
          {t('settings.saveKey')}
        </button>
        <button
          type="button"
          className="btn btn-plain"
          disabled={busy || !settings.keySet}
          onClick={() => void run(() => clearKey(provider), t('settings.keyRemoved'))}
        >
          {t('settings.removeKey')}
        </button>
      </form>

      <form className="form-row" onSubmit={saveBaseUrl}>
        <div className="field grow">
          <label htmlFor={`${id}-url`} className="field-label">
            {t('settings.baseUrl')}
          </label>
          <input
            id={`${id}-url`}
            className="input mono"
            type="url"
            spellCheck={false}
            value={baseUrl}
            readOnly={settings.baseUrlFromEnv}
            aria-describedby={`${id}-url-note`}
            onChange={(e) => setBaseUrlText(e.target.value)}
          />
        </div>
        {settings.baseUrlFromEnv ? null : (
          <>
            <button type="submit" className="btn btn-plain" disabled={busy || baseUrl.trim() === settings.baseUrl}>
              {t('settings.saveBaseUrl')}
            </button>
            <button
              type="button"
              className="btn btn-plain"
              disabled={busy || settings.baseUrl === settings.defaultBaseUrl}
              onClick={() => void run(() => setBaseUrl(provider, null), t('settings.baseUrlSaved'))}
            >
              {t('settings.resetBaseUrl')}
            </button>
          </>
        )}
      </form>
      <p id={`${id}-url-note`} className="muted small">
        {settings.baseUrlFromEnv ? t('settings.baseUrlFromEnv') : t('settings.baseUrlDefault', { url: settings.defaultBaseUrl })}
      </p>

      {provider === 'openai-compatible' ? (
        <form
          className="form"
          onSubmit={(e) => {
            e.preventDefault();
            const list = models
              .split(/[\n,]/)
              .map((m) => m.trim())
              .filter(Boolean);
            void run(() => setCustomModels(list), t('settings.modelsSaved'));
          }}
        >
          <label htmlFor={`${id}-models`} className="field-label">
            {t('settings.customModels')}
          </label>
          <textarea
            id={`${id}-models`}
            className="textarea mono"
            rows={3}
            spellCheck={false}
            value={models}
            aria-describedby={`${id}-models-hint`}
            onChange={(e) => setModelsText(e.target.value)}
          />
          <p id={`${id}-models-hint`} className="muted small">
            {t('settings.customModelsHint')}
          </p>
          <div>
            <button type="submit" className="btn btn-plain" disabled={busy || models === savedModels}>
              {t('settings.saveModels')}
            </button>
          </div>
        </form>
      ) : null}

      {settings.streamPartials !== null ? (
        <div className="form">
          <label className="checkbox">
            <input
              type="checkbox"
              checked={streamOn ?? false}
              disabled={busy}
              aria-describedby={`${id}-stream-hint`}
              onChange={(e) => {
                const on = e.target.checked;
                setStreamOn(on);
                void run(async () => {
                  try {
                    await setStreamPartials(on);
                  } catch (err) {
                    setStreamOn(settings.streamPartials);
                    throw err;
                  }
                }, on ? t('settings.livePreviewsOn') : t('settings.livePreviewsOff'));
              }}
            />
            <span>{t('settings.livePreviews')}</span>
          </label>
          <p id={`${id}-stream-hint`} className="muted small">
            {t('settings.livePreviewsHint')}
          </p>
        </div>
      ) : null}

      <ErrorText error={error} />
      {notice ? (
        <p className="muted small" role="status">
          {notice}
        </p>
      ) : null}

      <div className="balance-row">
        <button
          type="button"
          className="btn btn-plain"
          disabled={account.status === 'loading'}
          onClick={() => void checkConnection(provider)}
        >
          {t('settings.checkConnection')}
        </button>
        <ConnectionResult check={account} />
      </div>
    </section>
  );
}
