/**
 * Export naming's batch tokens (issue 13): `{var:name}` takes the value of a batch row (a column, or an alternatives
 * group by number); no value, however hostile, makes a name leave the chosen folder or add a level.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseTemplate, renderName, type TokenValues } from '../../src/main/services/transfer/naming';
import { AppError } from '../../src/shared/errors';

const base: TokenValues = { project: 'P', folder: 'F', date: '2026-12-01', model: 'gpt-image-2', provider: 'apiframe', rating: '0', index: 3, original: 'x' };

describe('{var:name} in naming templates', () => {
  it('renders a row’s values, by column or group number; a missing value is a placeholder', () => {
    const t = parseTemplate('{var:lang}/{var:headline} {var:1} {index}');
    expect(renderName(t, { ...base, vars: { lang: 'ko', headline: '여름 세일', '1': 'warm' } }, 3)).toBe('ko/여름 세일 warm 003');
    expect(renderName(parseTemplate('{var:product}/{index}'), base, 2)).toBe('_/03');
  });

  it('refuses a token that names no variable', () => {
    for (const bad of ['{var:}', '{var:two words}', '{var:0}', '{var:a/b}']) {
      let reason: unknown = null;
      try {
        parseTemplate(bad);
      } catch (err) {
        reason = err instanceof AppError ? err.params?.['reason'] : err;
      }
      expect(reason, bad).toBe(bad.includes('/') ? 'unclosed_brace' : 'unknown_token');
    }
  });

  it('property: no value adds a level, leaves the folder or names a parent', () => {
    const t = parseTemplate('{project}/{var:product} {index}');
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('.', '/', '\\', ':', 'a', ' ', 'C', 'O', 'N', '\u0000', '한'), maxLength: 12 }), (v) => {
        const name = renderName(t, { ...base, vars: { product: v } }, 1);
        const parts = name.split('/');
        expect(parts).toHaveLength(2);
        for (const p of parts) {
          expect(p).not.toBe('..');
          expect(p).not.toBe('.');
          // eslint-disable-next-line no-control-regex
          expect(p).not.toMatch(/[\\:\u0000]/);
        }
      }),
      { numRuns: 300 },
    );
  });
});
