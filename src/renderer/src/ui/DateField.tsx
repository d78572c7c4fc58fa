import { useState, type CSSProperties } from 'react';
import { useTranslation } from 'react-i18next';

/**
 * Reads a typed date as an ISO day (`YYYY-MM-DD`): year first, as Korean, Japanese and ISO write it, with `-`, `/`
 * or `.` between the parts, or 년/월/일 and 年/月/日 after them ("2026-12-01", "2026/12/1", "2026. 12. 1.",
 * "2026년 12월 1일", "2026年12月1日").
 * @returns the ISO day, '' for an empty text, or null when the text is not a real date
 */
export function parseDay(text: string): string | null {
  const s = text.trim();
  if (s === '') return '';
  const m = /^(\d{4})\s*[-/.년年]\s*(\d{1,2})\s*[-/.월月]\s*(\d{1,2})\s*[.일日]?$/.exec(s);
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d) return null;
  return `${m[1]}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

interface DateFieldProps {
  id: string;
  /** The day as `YYYY-MM-DD`, or '' for none (what `<input type="date">` gives). */
  value: string;
  /** Called with a valid day or '' (never with a half-typed or impossible date). */
  onChange(value: string): void;
  className?: string;
  style?: CSSProperties;
  'aria-describedby'?: string;
}

/**
 * A date typed in the UI's language's order. Chromium draws `<input type="date">` in the browser's own locale
 * (mm/dd/yyyy on an English system, whatever the page's `lang`), so Korean and Japanese users got an American
 * field: this is a text field with a translated hint, refusing what is not a real date (aria-invalid).
 */
export function DateField({ id, value, onChange, className = 'input', style, 'aria-describedby': describedBy }: DateFieldProps) {
  const { t } = useTranslation();
  const [text, setText] = useState(value);
  // The value changed from outside (cleared, reset): show it.
  const [shown, setShown] = useState(value);
  if (shown !== value) {
    setShown(value);
    if (parseDay(text) !== value) setText(value);
  }
  const invalid = parseDay(text) === null;
  return (
    <input
      id={id}
      className={`${className}${invalid ? ' is-invalid' : ''}`}
      style={style}
      type="text"
      inputMode="numeric"
      autoComplete="off"
      spellCheck={false}
      placeholder={t('app.datePlaceholder')}
      title={invalid ? t('app.dateInvalid') : t('app.datePlaceholder')}
      aria-invalid={invalid}
      aria-describedby={describedBy}
      value={text}
      onChange={(e) => {
        setText(e.target.value);
        const day = parseDay(e.target.value);
        if (day !== null && day !== value) {
          setShown(day);
          onChange(day);
        }
      }}
    />
  );
}
