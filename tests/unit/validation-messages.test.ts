/**
 * Issue 11, bug 13: a schema's refusal reaches Korean and Japanese users in their language, naming the field — not
 * as zod's English ("入力内容が正しくありません: Unrecognized key: createdAt"). The params come from the real
 * schemas through src/shared/validation-issue.ts (as the dispatcher and the job service build them) and are said by
 * the renderer's one error formatter.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { describeError } from '../../src/renderer/src/i18n/format';
import { i18n } from '../../src/renderer/src/i18n';
import { AppError } from '../../src/shared/errors';
import { issueParams } from '../../src/shared/validation-issue';
import { contract } from '../../src/shared/contract';
import { capabilityOf } from '../../src/shared/capabilities';

/** The validation error the dispatcher makes for `input` to `call` (first issue). */
function refusal(schema: z.ZodType, input: unknown, prefix = ''): AppError {
  const r = schema.safeParse(input);
  if (r.success) throw new Error('expected a refusal');
  return new AppError('validation', r.error.issues[0]!.message, { params: issueParams(r.error.issues[0]!, prefix) });
}

const ZOD_ENGLISH = /Unrecognized key|Invalid input|expected|Too small|Too big|Invalid option/i;

describe('validation messages name the field in the user language', () => {
  const extraKey = refusal(contract['folders.create'].input, { name: 'A', parentId: null, createdAt: 1 });
  const wrongType = refusal(contract['folders.create'].input, { name: 42, parentId: null });
  const cap = capabilityOf('sandbox', 'gpt-image-2')!;
  const countParam = cap.countParam;
  const badCount = refusal(cap.params, { [countParam]: 0 });

  it('carries the issue code and its facts, not only the English message', () => {
    expect(extraKey.params).toMatchObject({ issue: 'unrecognized_keys', keys: 'createdAt', field: '' });
    expect(wrongType.params).toMatchObject({ issue: 'invalid_type', field: 'name' });
    expect(badCount.params).toMatchObject({ issue: 'too_small', field: countParam, min: 1 });
  });

  const expected = {
    en: { request: 'The request', name: 'The name', count: 'Number of images' },
    ko: { request: '요청', name: '이름', count: '이미지 수' },
    ja: { request: 'リクエスト', name: '名前', count: '画像の枚数' },
  } as const;
  for (const locale of ['en', 'ko', 'ja'] as const) {
    it(locale, async () => {
      await i18n.changeLanguage(locale);
      const t = i18n.t.bind(i18n);
      const e = expected[locale];
      const extra = describeError(t, extraKey);
      expect(extra).toContain(e.request);
      expect(extra).toContain('createdAt');
      const type = describeError(t, wrongType);
      expect(type).toContain(e.name);
      const count = describeError(t, badCount);
      expect(count).toContain(e.count);
      expect(count).toContain('1');
      // A service's refusal with a known reason, and one with a reason we have no words for.
      const empty = describeError(t, new AppError('validation', 'the prompt is empty', { params: { field: 'prompt', reason: 'empty' } }));
      const odd = describeError(t, new AppError('validation', 'x', { params: { field: 'name', reason: 'some english words' } }));
      expect(odd).toContain(e.name);
      for (const text of [extra, type, count, empty, odd]) {
        if (locale !== 'en') expect(text).not.toMatch(ZOD_ENGLISH);
        expect(text).not.toContain('some english words');
      }
    });
  }
});
