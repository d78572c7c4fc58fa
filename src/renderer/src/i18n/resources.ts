import en from './en.json';
import ja from './ja.json';
import ko from './ko.json';

/** The three translation resources (one `translation` namespace each); exported so a test can check key parity. */
export { en, ko, ja };

export const resources = {
  en: { translation: en },
  ko: { translation: ko },
  ja: { translation: ja },
} as const;
