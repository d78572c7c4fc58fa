/**
 * Issue 11, bug 13: Korean and Japanese leave no English in. Every string of ko.json and ja.json is checked: it may
 * not be en.json's value (unless that value has no words), and once placeholders ({{count}}, {project}, <pid>) and
 * the names that stay as they are (brands, models, formats, units, keys, the terminal's literal output) are taken
 * out, no ASCII word of two or more letters may be left.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/paths';

type Tree = { [k: string]: string | Tree };
const load = (lang: string): Record<string, string> => {
  const out: Record<string, string> = {};
  const walk = (t: Tree, prefix: string): void => {
    for (const [k, v] of Object.entries(t)) {
      if (typeof v === 'string') out[prefix + k] = v;
      else walk(v, `${prefix}${k}.`);
    }
  };
  walk(JSON.parse(readFileSync(join(REPO_ROOT, 'src/renderer/src/i18n', `${lang}.json`), 'utf8')) as Tree, '');
  return out;
};

/**
 * What stays in Latin letters in every language: product, provider, model and tool names; file formats and
 * standards; units and abbreviations; key names; literal text the app or the OS prints in English (the terminal's
 * "Atelier is running at", the backup folder's name, lost+found, kill -USR1); OpenAI's API names (Images,
 * Responses); an example model name.
 * Longest first, so "GPT Image 1 mini" goes before "GPT".
 */
const ALLOWED = [
  'Atelier is running at',
  'Atelier backup',
  'AUTOMATIC1111 / Forge',
  'GPT Image 1 mini',
  'GPT Image',
  'gpt-image-2',
  'gpt-image-1.5',
  'gpt-image-1',
  'Responses API',
  'Images API',
  'Responses',
  'kill -USR1',
  'lost+found',
  'stablediffusion',
  'Atelier',
  'Apiframe',
  'EvoLink',
  'OpenAI',
  'ComfyUI',
  'InvokeAI',
  'NovelAI',
  'Fooocus',
  'SwarmUI',
  'Lightroom',
  'Bridge',
  'English',
  'SIGUSR1',
  'localhost',
  'https',
  'http',
  'fe80',
  'C2PA',
  'JPEG',
  'WebP',
  'PNG',
  'XMP',
  'xmp',
  'JSON',
  'URL',
  'API',
  'USD',
  'UTC',
  'CFG',
  'Esc',
  'Enter',
  'ID',
  'AI',
  'px',
  'ms',
].sort((a, b) => b.length - a.length);

/** The string with placeholders and allowed names taken out. */
function leftover(s: string): string {
  let out = s
    .replace(/\{\{[^}]*\}\}/g, ' ')
    .replace(/\{[a-z_]+(:[^{}]*)?\}/g, ' ') // file-name template tokens: {project} {date} … {var:name}
    .replace(/<[a-z]+>/g, ' '); // <pid>
  for (const word of ALLOWED) out = out.split(word).join(' ');
  return out;
}

/** ASCII words of two or more letters left in a string. */
const englishWords = (s: string): string[] => leftover(s).match(/[A-Za-z]{2,}/g) ?? [];

describe('Korean and Japanese strings carry no English', () => {
  const en = load('en');
  for (const lang of ['ko', 'ja'] as const) {
    it(`${lang}.json`, () => {
      const strings = load(lang);
      const offenders: string[] = [];
      for (const [key, value] of Object.entries(strings)) {
        const words = englishWords(value);
        const sameAsEnglish = en[key] === value && /[A-Za-z]{2,}/.test(leftover(value));
        if (words.length > 0 || sameAsEnglish) offenders.push(`${key}: ${JSON.stringify(value)}`);
      }
      expect(offenders).toEqual([]);
    });
  }

  it('catches an English string, and lets names and placeholders through', () => {
    expect(englishWords('Paint mask')).toEqual(['Paint', 'mask']);
    expect(englishWords('/Users/me/Pictures/Export')).toEqual(['Users', 'me', 'Pictures', 'Export']);
    expect(englishWords('마스크 칠하기')).toEqual([]);
    expect(englishWords('{{count, number}}개의 GPT Image 2 이미지 (PNG, {{size}} px)')).toEqual([]);
    expect(englishWords('토큰: {project} {date}')).toEqual([]);
  });
});
