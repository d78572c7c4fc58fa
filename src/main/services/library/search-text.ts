/**
 * Text for the full-text index, and search text turned into an FTS5 query. Pure functions (unit-tested).
 *
 * Why this shape (measured on the 100k bench library; see bench/library/search.ts): the FTS5 `trigram` tokenizer
 * finds any substring of 3+ characters but nothing shorter, so a 2-syllable Korean word (고양 "cat" stem, 바다
 * "sea") or a 2-kanji Japanese word (夕焼, 桜花) cannot be found with it, and its index is about 3× larger. Instead
 * one `unicode61 remove_diacritics 2` table indexes a document built here: Latin (and every other script that
 * separates words) as words, found by prefix (`cafe` finds "Café au lait", case- and accent-insensitively); runs
 * of CJK characters (Han, Hiragana, Katakana, Hangul) as their single characters plus every overlapping pair
 * (bigrams, as Lucene's CJK analyzer does), so any CJK substring of 1+ characters is found: one character by its
 * unigram, two by their bigram, longer ones as a phrase of consecutive bigrams. NFKC folds full-width Latin and
 * half-width Katakana first.
 */

const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}ー々〆]/u;
const CJK_RUN = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}ー々〆]+/gu;
/** Word characters unicode61 keeps (letters, numbers, marks); everything else separates tokens. */
const WORD_RUN = /[\p{L}\p{N}\p{M}]+/gu;

/** NFKC, lower case. */
export function normaliseText(s: string): string {
  return s.normalize('NFKC').toLowerCase();
}

/** Removes diacritics from Latin letters only (é → e), leaving Japanese (dakuten) and Korean untouched. */
export function foldLatin(s: string): string {
  return s
    .normalize('NFD')
    .replace(/(\p{Script=Latin})\p{Mn}+/gu, '$1')
    .normalize('NFC');
}

function cjkTokens(run: string): string[] {
  const chars = [...run];
  const out = [...chars];
  for (let i = 0; i + 1 < chars.length; i++) out.push(chars[i]! + chars[i + 1]!);
  return out;
}

/**
 * The document indexed for one asset: its prompt, title, note and tags, each normalised; CJK runs replaced by
 * their unigrams and bigrams.
 * @returns space-separated tokens (may be empty)
 */
export function searchDocument(parts: readonly (string | null | undefined)[]): string {
  const out: string[] = [];
  for (const part of parts) {
    if (!part) continue;
    const text = normaliseText(part);
    for (const m of text.matchAll(WORD_RUN)) {
      const word = m[0];
      if (!CJK.test(word)) {
        out.push(word);
        continue;
      }
      // Split a mixed word ("猫cat") into its CJK runs and the rest.
      let last = 0;
      for (const c of word.matchAll(CJK_RUN)) {
        if (c.index > last) out.push(word.slice(last, c.index));
        out.push(...cjkTokens(c[0]));
        last = c.index + c[0].length;
      }
      if (last < word.length) out.push(word.slice(last));
    }
  }
  return out.join(' ');
}

const quote = (t: string): string => `"${t.replace(/"/g, '""')}"`;

/**
 * The FTS5 MATCH expression for what the user typed: every term must match (AND). A non-CJK word matches as a
 * prefix; a CJK run of one character matches that character, of two or more the phrase of its bigrams.
 * @returns the expression, or null when the text has no searchable term (then there is no text condition)
 */
export function matchExpression(text: string): string | null {
  const terms: string[] = [];
  for (const m of normaliseText(text).matchAll(WORD_RUN)) {
    const word = m[0];
    let last = 0;
    const pushLatin = (w: string): void => {
      if (w) terms.push(`${quote(w)}*`);
    };
    for (const c of word.matchAll(CJK_RUN)) {
      pushLatin(word.slice(last, c.index));
      const chars = [...c[0]];
      if (chars.length === 1) terms.push(quote(chars[0]!));
      else {
        const grams: string[] = [];
        for (let i = 0; i + 1 < chars.length; i++) grams.push(chars[i]! + chars[i + 1]!);
        terms.push(quote(grams.join(' ')));
      }
      last = c.index + c[0].length;
    }
    pushLatin(word.slice(last));
  }
  return terms.length > 0 ? terms.join(' AND ') : null;
}

/**
 * The key a tag is stored under (NFKC, lower case, inner white space collapsed): "Sunset", "SUNSET" and
 * "ｓｕｎｓｅｔ" are one tag.
 */
export function tagKey(name: string): string {
  return normaliseText(name).trim().replace(/\s+/g, ' ');
}

/** A value as a token unicode61 keeps whole: its UTF-8 bytes in lower-case hex (ids and names may hold '-', ':' or spaces). */
function hex(value: string): string {
  return Buffer.from(value, 'utf8').toString('hex');
}

/**
 * Tokens of the full-text index's `meta` column (migration 0017): one per value an image is filtered on by equality.
 * Each is a short ASCII prefix and a value, so a filter is a token (or an OR of tokens) in the `meta` column; user
 * text is only ever matched in `body`.
 */
export const metaToken = {
  /** Live (1) or in the trash (0). */
  live: (live: boolean): string => (live ? 'lv1' : 'lv0'),
  folder: (folderId: string): string => `fo${hex(folderId)}`,
  /** Rating 0–5. */
  rating: (rating: number): string => `ra${rating}`,
  /** Flag -1, 0 or 1 (as 0, 1, 2). */
  flag: (flag: number): string => `fl${flag + 1}`,
  kind: (kind: string): string => `ki${hex(kind)}`,
  provider: (provider: string): string => `pv${hex(provider)}`,
  model: (model: string): string => `md${hex(model)}`,
  /** Whether the image's job had reference images. */
  refs: (has: boolean): string => (has ? 'hr1' : 'hr0'),
  /** A tag by its row id in `tags`. */
  tag: (tagId: number): string => `tg${tagId}`,
  /** A token no image carries (a filter that matches nothing, e.g. an unknown tag). */
  none: 'nomatch',
  /** A stack member a collapsed listing hides (not the cover, and the cover is live). */
  hidden: 'sh1',
};

/** What {@link metaDocument} indexes for one image. */
export interface MetaFields {
  live: boolean;
  folderId: string;
  rating: number;
  flag: number;
  kind: string;
  provider: string | null;
  model: string | null;
  hasRefs: boolean;
  tagIds: readonly number[];
  /** A stack member a collapsed listing hides. */
  hidden: boolean;
}

/** The `meta` column's text for one image: its tokens ({@link metaToken}), space-separated. */
export function metaDocument(f: MetaFields): string {
  const out = [metaToken.live(f.live), metaToken.folder(f.folderId), metaToken.rating(f.rating), metaToken.flag(f.flag), metaToken.kind(f.kind)];
  if (f.provider) out.push(metaToken.provider(f.provider));
  if (f.model) out.push(metaToken.model(f.model));
  out.push(metaToken.refs(f.hasRefs));
  for (const id of f.tagIds) out.push(metaToken.tag(id));
  if (f.hidden) out.push(metaToken.hidden);
  return out.join(' ');
}

/** An FTS5 expression matching any of `tokens` in the `meta` column (`meta : (a OR b)`); {@link metaToken.none} for none. */
export function metaAny(tokens: readonly string[]): string {
  const list = tokens.length ? [...new Set(tokens)] : [metaToken.none];
  return `meta : (${list.join(' OR ')})`;
}
