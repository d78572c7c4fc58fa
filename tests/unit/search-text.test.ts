import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { foldLatin, matchExpression, searchDocument, tagKey } from '../../src/main/services/library/search-text';

describe('search text', () => {
  it('indexes CJK runs as unigrams and bigrams and the rest as words', () => {
    expect(searchDocument(['고양이 Café', null, '夕焼けの海'])).toBe('고 양 이 고양 양이 café 夕 焼 け の 海 夕焼 焼け けの の海');
    expect(searchDocument(['猫cat'])).toBe('猫 cat');
    expect(searchDocument(['ＡＢＣ ｶﾀｶﾅ'])).toBe('abc カ タ カ ナ カタ タカ カナ');
  });

  it('queries words by prefix and CJK text by its bigrams', () => {
    expect(matchExpression('Cafe  NEON')).toBe('"cafe"* AND "neon"*');
    expect(matchExpression('고양')).toBe('"고양"');
    expect(matchExpression('고양이')).toBe('"고양 양이"');
    expect(matchExpression('桜')).toBe('"桜"');
    expect(matchExpression(' ,, ')).toBeNull();
    expect(matchExpression('say "hi"')).toBe('"say"* AND "hi"*');
  });

  it('folds Latin accents only', () => {
    expect(foldLatin('Étude café')).toBe('Etude cafe');
    expect(foldLatin('がぎぐ')).toBe('がぎぐ');
    expect(foldLatin('한국어')).toBe('한국어');
    expect(tagKey('  Ｓｕｎｓｅｔ   Glow ')).toBe('sunset glow');
  });

  it('every CJK substring of a document is found by its query (property)', () => {
    const cjk = fc.constantFrom(...'고양이바다창가夕焼け海富士山桜花カタナ'.split(''));
    fc.assert(
      fc.property(fc.array(cjk, { minLength: 1, maxLength: 12 }), fc.nat(), fc.nat(), (chars, a, b) => {
        const text = chars.join('');
        const start = a % chars.length;
        const end = start + 1 + (b % (chars.length - start));
        const tokens = new Set(searchDocument([text]).split(' '));
        const sub = chars.slice(start, end);
        const needed = sub.length === 1 ? sub : sub.slice(0, -1).map((c, i) => c + sub[i + 1]);
        expect(needed.every((t) => tokens.has(t))).toBe(true);
        expect(matchExpression(sub.join(''))).toBe(`"${needed.join(' ')}"`);
      }),
    );
  });
});
