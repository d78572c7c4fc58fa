import i18next, { type i18n as I18n } from 'i18next';
import { initReactI18next } from 'react-i18next';
import { LOCALES, type Locale } from '@shared/domain';
import { resources } from './resources';

/** The best of our locales for the browser's language list (used until `app.info` says otherwise). */
export function guessLocale(languages: readonly string[] = navigator.languages ?? []): Locale {
  for (const lang of languages) {
    const base = lang.toLowerCase().split('-')[0];
    const hit = LOCALES.find((l) => l === base);
    if (hit) return hit;
  }
  return 'en';
}

export const i18n: I18n = i18next.createInstance();

void i18n.use(initReactI18next).init({
  resources,
  lng: guessLocale(),
  fallbackLng: 'en',
  supportedLngs: [...LOCALES],
  // Option values such as "1:1" and model ids contain ':' and '.', so namespaces are off.
  nsSeparator: false,
  interpolation: { escapeValue: false },
  returnNull: false,
  initAsync: false,
});

/** Switches the UI language and tells the document (for screen readers and fonts). */
export async function applyLocale(locale: Locale): Promise<void> {
  document.documentElement.lang = locale;
  if (i18n.language !== locale) await i18n.changeLanguage(locale);
}

// Outside a page (the stores' unit tests) there is no document to label.
if (typeof document !== 'undefined') document.documentElement.lang = i18n.language;
