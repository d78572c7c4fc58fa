/**
 * Issue 9, items 11 and 13: the server's limit and path-grant refusals reach the user in their language (en, ko, ja)
 * naming the field and the limit, through the renderer's one error formatter (src/renderer/src/i18n/format.ts, used
 * by ui/ErrorText.tsx and the toasts).
 */
import { describe, expect, it } from 'vitest';
import { describeError } from '../../src/renderer/src/i18n/format';
import { i18n } from '../../src/renderer/src/i18n';
import type { AppErrorShape } from '../../src/shared/errors';
import { LIMITS } from '../../src/shared/limits';

const tooLongName: AppErrorShape = { code: 'validation', message: 'folders.create: name: too big', params: { field: 'name', reason: 'too_long', max: LIMITS.name, unit: 'characters' }, retryable: false };
const tooManyTags: AppErrorShape = { code: 'validation', message: 'assets.tag: add: too big', params: { field: 'add', reason: 'too_many', max: 50, unit: 'items' }, retryable: false };
const longPath: AppErrorShape = { code: 'validation', message: 'x', params: { field: 'targetDir', reason: 'too_long', max: 4096, unit: 'bytes' }, retryable: false };
const longNote: AppErrorShape = { code: 'validation', message: 'x', params: { field: 'patch.note', reason: 'too_long', max: 5000, unit: 'characters' }, retryable: false };
const bigBody: AppErrorShape = { code: 'validation', message: 'x', params: { field: 'body', reason: 'too_large', max: 1024 * 1024, unit: 'bytes' }, retryable: false };
const notGranted: AppErrorShape = { code: 'forbidden', message: 'paths.0: not chosen', params: { field: 'paths.0', reason: 'not_granted' }, retryable: false };

const expected = {
  en: { name: 'The name', add: 'Tags to add', targetDir: 'The target folder', note: 'The note', body: 'The request', forbidden: 'not chosen in this window' },
  ko: { name: '이름', add: '추가할 태그', targetDir: '대상 폴더', note: '메모', body: '요청', forbidden: '이 창에서 선택하지 않은' },
  ja: { name: '名前', add: '追加するタグ', targetDir: '保存先フォルダ', note: 'メモ', body: 'リクエスト', forbidden: 'このウィンドウで選ばれていない' },
} as const;

describe('limit and path-grant messages', () => {
  for (const locale of ['en', 'ko', 'ja'] as const) {
    it(`name the field and the limit in ${locale}`, async () => {
      await i18n.changeLanguage(locale);
      const t = i18n.t.bind(i18n);
      const e = expected[locale];
      const name = describeError(t, tooLongName);
      expect(name).toContain(e.name);
      expect(name).toContain('255');
      const tags = describeError(t, tooManyTags);
      expect(tags).toContain(e.add);
      expect(tags).toContain('50');
      const path = describeError(t, longPath);
      expect(path).toContain(e.targetDir);
      expect(path).toMatch(/4,?096/);
      const note = describeError(t, longNote);
      expect(note).toContain(e.note);
      expect(note).toMatch(/5,?000/);
      const body = describeError(t, bigBody);
      expect(body).toContain(e.body);
      expect(body).toMatch(/1/);
      expect(describeError(t, notGranted)).toContain(e.forbidden);
      // Never the raw reason code.
      for (const text of [name, tags, path, note, body]) expect(text).not.toMatch(/too_long|too_many|too_large/);
    });
  }
});
