import { create } from 'zustand';
import type { KeyedProviderId } from '@shared/capabilities';
import type { ConnectionCheck, Locale, ProviderSettings, Theme } from '@shared/domain';
import type { AppErrorShape } from '@shared/errors';
import { applyLocale } from '../i18n';
import { errorShape } from '../i18n/format';
import { applyTheme } from '../lib/theme';
import { call } from '../transport';

/** Settings' connection check (`settings.check`): the provider's answer (ok or its error) with the latency. */
export type AccountCheck =
  | { status: 'idle' }
  | { status: 'loading' }
  | { status: 'done'; result: ConnectionCheck }
  | { status: 'error'; error: AppErrorShape };

interface SettingsState {
  open: boolean;
  /** The provider tab Settings opens on (set by "Add API key" in the composer). */
  focusProvider: KeyedProviderId | null;
  version: string | null;
  transport: 'electron' | 'web' | null;
  locale: Locale;
  /** The theme chosen in Settings (kept in the library); applied to the page by lib/theme.ts. */
  theme: Theme;
  /** Whether the first-run welcome was finished or skipped on this library; null until `app.info` answers. */
  welcomeDone: boolean | null;
  providers: Partial<Record<KeyedProviderId, ProviderSettings>>;
  providersLoaded: boolean;
  providersError: AppErrorShape | null;
  account: Partial<Record<KeyedProviderId, AccountCheck>>;
  setOpen(open: boolean, provider?: KeyedProviderId): void;
  loadInfo(): Promise<void>;
  loadProviders(): Promise<void>;
  setLocale(locale: Locale): Promise<void>;
  /** Shows the theme at once and stores it; on failure shows the previous one again and throws. */
  setTheme(theme: Theme): Promise<void>;
  /** The theme changed elsewhere (another window): shows it. */
  themeChanged(theme: Theme): void;
  /** The language changed elsewhere (another window or tab): shows it. */
  localeChanged(locale: Locale): Promise<void>;
  /** Marks the welcome done in the library (it is not shown again). @throws AppError */
  completeWelcome(): Promise<void>;
  /** The calls below throw `AppError` for the form to show. */
  setKey(provider: KeyedProviderId, key: string): Promise<void>;
  clearKey(provider: KeyedProviderId): Promise<void>;
  setBaseUrl(provider: KeyedProviderId, baseUrl: string | null): Promise<void>;
  /** The model names of the OpenAI-compatible server (plain names). */
  setCustomModels(models: string[]): Promise<void>;
  /** Live previews on or off (OpenAI). */
  setStreamPartials(enabled: boolean): Promise<void>;
  checkConnection(provider: KeyedProviderId): Promise<void>;
}

export const useSettings = create<SettingsState>()((set, get) => {
  const store = (p: ProviderSettings): void =>
    set((s) => ({ providers: { ...s.providers, [p.provider]: p }, account: { ...s.account, [p.provider]: { status: 'idle' } } }));
  return {
    open: false,
    focusProvider: null,
    version: null,
    transport: null,
    locale: 'en',
    theme: 'system',
    welcomeDone: null,
    providers: {},
    providersLoaded: false,
    providersError: null,
    account: {},

    setOpen: (open, provider) => set({ open, focusProvider: provider ?? null }),

    async loadInfo() {
      const info = await call('app.info', {});
      set({ version: info.version, transport: info.transport, locale: info.locale, theme: info.theme, welcomeDone: info.welcomeDone });
      applyTheme(info.theme);
      await applyLocale(info.locale);
    },

    async loadProviders() {
      try {
        const list = await call('settings.providers', {});
        const providers: SettingsState['providers'] = {};
        for (const p of list) providers[p.provider] = p;
        set({ providers, providersLoaded: true, providersError: null });
      } catch (err) {
        set({ providersLoaded: true, providersError: errorShape(err) });
      }
    },

    async setLocale(locale) {
      const previous = get().locale;
      set({ locale });
      await applyLocale(locale);
      try {
        await call('app.setLocale', { locale });
      } catch (err) {
        set({ locale: previous });
        await applyLocale(previous);
        throw err;
      }
    },

    async setTheme(theme) {
      const previous = get().theme;
      set({ theme });
      applyTheme(theme);
      try {
        await call('app.setTheme', { theme });
      } catch (err) {
        set({ theme: previous });
        applyTheme(previous);
        throw err;
      }
    },

    themeChanged(theme) {
      if (theme === get().theme) return;
      set({ theme });
      applyTheme(theme);
    },

    async localeChanged(locale) {
      if (locale === get().locale) return;
      set({ locale });
      await applyLocale(locale);
    },

    async completeWelcome() {
      await call('app.completeWelcome', {});
      set({ welcomeDone: true });
    },

    async setKey(provider, key) {
      store(await call('settings.setKey', { provider, key }));
    },
    async clearKey(provider) {
      store(await call('settings.clearKey', { provider }));
    },
    async setBaseUrl(provider, baseUrl) {
      store(await call('settings.setBaseUrl', { provider, baseUrl }));
    },
    async setCustomModels(models) {
      store(await call('settings.setCustomModels', { provider: 'openai-compatible', models }));
    },

    async setStreamPartials(enabled) {
      store(await call('settings.setStreamPartials', { provider: 'openai', enabled }));
    },

    async checkConnection(provider) {
      set((s) => ({ account: { ...s.account, [provider]: { status: 'loading' } } }));
      try {
        const result = await call('settings.check', { provider });
        set((s) => ({ account: { ...s.account, [provider]: { status: 'done', result } } }));
      } catch (err) {
        set((s) => ({ account: { ...s.account, [provider]: { status: 'error', error: errorShape(err) } } }));
      }
    },
  };
});
