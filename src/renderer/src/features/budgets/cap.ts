/**
 * A budget cap as typed: empty is none; else a finite number ≥ 0. The text is NFKC-normalised first, so full-width
 * digits and punctuation from a Japanese or Korean input method read as ASCII ("１，０００" is 1000). Commas are the
 * thousands separator of every language the app speaks (en, ko, ja): "1,000" and "12,500.5" read as 1000 and
 * 12500.5. A single comma that is not a thousands group ("1,5") is read as a decimal comma. Anything else
 * (letters, "$5", "1,00,0", two decimal marks) is `'bad'`.
 * @returns the cap (credits or USD, as the field says), null for none, or `'bad'`
 */
export function parseCap(text: string): number | null | 'bad' {
  const s = text.normalize('NFKC').trim().replace(/\s+/g, '');
  if (s === '') return null;
  let plain: string;
  if (/^\d{1,3}(,\d{3})+(\.\d+)?$/.test(s)) plain = s.replace(/,/g, '');
  else if (/^\d*,\d+$/.test(s)) plain = s.replace(',', '.');
  else if (/^(\d+\.?\d*|\.\d+)$/.test(s)) plain = s;
  else return 'bad';
  const n = Number(plain);
  return Number.isFinite(n) && n >= 0 ? n : 'bad';
}
