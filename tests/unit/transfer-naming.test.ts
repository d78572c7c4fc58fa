/**
 * Export naming templates: the refusals, the rendering, and (fast-check) that no accepted template with any
 * token values ever names a path outside the chosen folder or a segment Windows would not take.
 */
import { posix, win32 } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseTemplate, renderName, safeSegment, TOKENS, type TokenValues } from '../../src/main/services/transfer/naming';
import { AppError } from '../../src/shared/errors';

const values = (over: Partial<TokenValues> = {}): TokenValues => ({
  project: 'P',
  folder: 'F',
  date: '2026-01-02',
  model: 'gpt-image-2',
  provider: 'sandbox',
  rating: '5',
  index: 7,
  original: 'photo',
  ...over,
});

const reason = (t: string): string | undefined => {
  try {
    parseTemplate(t);
    return undefined;
  } catch (e) {
    expect(e).toBeInstanceOf(AppError);
    return String((e as AppError).params?.['reason']);
  }
};

const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?$/i;

describe('naming templates', () => {
  it('refuses what could escape or is not portable, naming the reason', () => {
    expect(reason('../x')).toBe('parent');
    expect(reason('a/..')).toBe('parent');
    expect(reason('/abs')).toBe('absolute');
    expect(reason('C:\\x')).toBe('absolute');
    expect(reason('c:x')).toBe('absolute');
    expect(reason('\\\\srv\\x')).toBe('absolute');
    expect(reason('a\\b')).toBe('illegal_character');
    expect(reason('CON')).toBe('reserved_name');
    expect(reason('x/lpt1.txt')).toBe('reserved_name');
    expect(reason('aux.{index}')).toBe('reserved_name');
    expect(reason('name.')).toBe('trailing_dot_or_space');
    expect(reason('name ')).toBe('trailing_dot_or_space');
    expect(reason('a?b')).toBe('illegal_character');
    expect(reason('a\u0001b')).toBe('illegal_character');
    expect(reason('a//b')).toBe('empty_segment');
    expect(reason('a/')).toBe('empty_segment');
    expect(reason('{foo}')).toBe('unknown_token');
    expect(reason('{index')).toBe('unclosed_brace');
    expect(reason('   ')).toBe('empty');
    expect(reason('{project}/{folder}/{date} {index} {original}')).toBeUndefined();
    expect(reason('console-{index}')).toBeUndefined();
  });

  it('renders tokens, pads the index and neutralises hostile values', () => {
    const p = parseTemplate('{project}/{date}_{index}_{original}');
    expect(renderName(p, values(), 3)).toBe('P/2026-01-02_007_photo');
    expect(renderName(parseTemplate('{project}/{original}'), values({ project: '..', original: '../../etc/passwd' }), 3)).toBe('_/.._.._etc_passwd');
    expect(renderName(parseTemplate('{original}'), values({ original: 'CON' }), 1)).toBe('_CON');
    expect(renderName(parseTemplate('{original}'), values({ original: 'a:b*c?' }), 1)).toBe('a_b_c_');
    expect(renderName(parseTemplate('{original}'), values({ original: '' }), 1)).toBe('_');
    expect(safeSegment('x'.repeat(400)).length).toBeLessThanOrEqual(180);
  });

  it('property: no accepted template with any values escapes the folder or makes a non-portable segment', () => {
    const piece = fc.oneof(
      fc.constantFrom(...TOKENS.map((t) => `{${t}}`)),
      fc.constantFrom('/', '..', '.', ' ', 'CON', 'nul', 'com1', ':', '\\', '~', 'C:', '_', '-', 'a', '한', '…', '\u0000'),
      fc.string({ maxLength: 4 }),
    );
    const template = fc.array(piece, { minLength: 1, maxLength: 8 }).map((a) => a.join(''));
    const value = fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('..', '.', '/', '\\', 'CON', 'lpt9.txt', '../..', 'C:\\x', ' . '));
    const vals = fc.record({
      project: value,
      folder: value,
      date: value,
      model: value,
      provider: value,
      rating: value,
      original: value,
      index: fc.nat(100000),
    });
    fc.assert(
      fc.property(template, vals, (t, v) => {
        let parsed;
        try {
          parsed = parseTemplate(t);
        } catch {
          return true; // refused: fine
        }
        const rel = renderName(parsed, v, 3);
        const root = '/export/root';
        const full = posix.resolve(root, rel);
        expect(full.startsWith(root + '/')).toBe(true);
        const winFull = win32.resolve('C:\\export\\root', rel);
        expect(winFull.startsWith('C:\\export\\root\\')).toBe(true);
        for (const seg of rel.split('/')) {
          expect(seg).not.toBe('');
          expect(seg).not.toBe('.');
          expect(seg).not.toBe('..');
          // eslint-disable-next-line no-control-regex
          expect(seg).not.toMatch(/[<>:"|?*\\\u0000-\u001f]/);
          expect(seg).not.toMatch(/[. ]$/);
          expect(WINDOWS_RESERVED.test(seg)).toBe(false);
          expect(WINDOWS_RESERVED.test(seg.split('.')[0]!)).toBe(false);
        }
        return true;
      }),
      { numRuns: 3000 },
    );
  });
});
