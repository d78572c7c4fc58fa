/**
 * Issue 11, bug 13, as a Korean user would meet it: the built app in the local web host, Debian Chromium with an
 * English-speaking browser's defaults but the app in Korean. The built-in export presets, the example path, the
 * file-name example, the date fields of the filters and of Spend, and the price sources are in Korean; no English is left on those screens
 * (brand, model and format names excepted).
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Locator } from 'playwright-core';
import { SCREENSHOTS } from '../helpers/paths';
import { useWebApp } from './harness';

/** English words left in a text once the names that stay in Latin letters are taken out. */
function english(text: string): string[] {
  // Links, the file-name template's tokens ({project} … {var:name}) and the template's example file name are code, not words.
  let s = text.replace(/https?:\/\/\S+/g, ' ').replace(/\{[a-z_]+(:[^{}]*)?\}/g, ' ').replace(/예: \S.*$/gm, ' ');
  for (const name of ['Atelier', 'Apiframe', 'EvoLink', 'OpenAI', 'GPT Image', 'JPEG', 'PNG', 'WebP', 'XMP', 'xmp', 'JSON', 'Lightroom', 'Bridge', 'USD', 'UTC', 'API', 'URL', 'px'])
    s = s.split(name).join(' ');
  return s.match(/[A-Za-z]{2,}/g) ?? [];
}

describe('daily driver in Korean', () => {
  // The browser itself speaks English (its date inputs would read mm/dd/yyyy); the app speaks Korean.
  const app = useWebApp('atelier-e2e-daily-ko-', { ATELIER_LOCALE: 'ko', ATELIER_SANDBOX_JOB_MS: '200' }, { locale: 'en-US' });
  beforeAll(async () => {
    await app.page.getByRole('button', { name: '새 프로젝트' }).waitFor();
  });

  const visibleText = (l: Locator): Promise<string> => l.evaluate((el) => (el as HTMLElement).innerText);

  it('built-in export presets and the example path are in Korean', async () => {
    await app.page.getByRole('button', { name: '새 프로젝트' }).click();
    await app.page.getByRole('textbox', { name: '프로젝트 이름' }).fill('서울');
    await app.page.getByRole('button', { name: '만들기' }).click();
    await app.page.getByRole('treeitem', { name: '서울' }).click();
    // One image, so the file-name example can name it.
    await app.page.getByRole('combobox', { name: '제공자' }).selectOption('sandbox');
    await app.page.getByRole('textbox', { name: '프롬프트' }).fill('한강의 노을');
    await app.page.getByRole('button', { name: '생성', exact: true }).click();
    await app.page.getByRole('region', { name: '갤러리' }).getByRole('img', { name: '한강의 노을' }).waitFor({ timeout: 30_000 });
    await app.page.getByRole('button', { name: '내보내기', exact: true }).click();
    const dialog = app.page.getByRole('dialog', { name: '이미지 내보내기' });
    const preset = dialog.getByRole('combobox', { name: '프리셋' });
    await expect.poll(() => preset.locator('option').allTextContents()).toEqual(expect.arrayContaining(['레시피를 담은 JPEG', '원본 파일']));
    expect(await dialog.getByRole('textbox', { name: '프리셋 이름' }).inputValue()).toBe('레시피를 담은 JPEG');
    expect(await dialog.getByRole('textbox', { name: '내보낼 폴더' }).getAttribute('placeholder')).toBe('예: ~/사진/내보내기');
    // The file-name example is made from that image: the project's own name, not an English sample.
    const help = dialog.getByText(/^토큰:/);
    await expect.poll(() => help.textContent()).toMatch(/예: 서울\//);
    expect(await help.textContent()).not.toMatch(/Project|photo/);
    expect(english(await visibleText(dialog))).toEqual([]);
    await app.page.screenshot({ path: join(SCREENSHOTS, 'export-dialog-ko.png') });
    await dialog.getByRole('button', { name: '취소' }).click();
  });

  it('date fields read year-month-day in Korean, in the filters and in Spend', async () => {
    const gallery = app.page.getByRole('region', { name: '갤러리' });
    await gallery.getByRole('button', { name: '필터', exact: true }).click();
    const from = app.page.getByRole('textbox', { name: '시작일' });
    expect(await from.getAttribute('type')).toBe('text'); // not Chromium's mm/dd/yyyy date input
    expect(await from.getAttribute('placeholder')).toBe('연-월-일 (예: 2026-12-01)');
    await from.fill('2026년 12월 1일');
    expect(await from.getAttribute('aria-invalid')).toBe('false');
    await from.fill('2026-02-30');
    expect(await from.getAttribute('aria-invalid')).toBe('true');
    await from.fill('');
    await gallery.getByRole('button', { name: '필터', exact: true }).click();

    await app.page.getByRole('button', { name: '지출' }).click();
    const spend = app.page.getByRole('dialog', { name: '지출' });
    for (const name of ['시작일', '종료일']) {
      const field = spend.getByRole('textbox', { name });
      expect(await field.getAttribute('placeholder')).toBe('연-월-일 (예: 2026-12-01)');
      expect((await field.getAttribute('placeholder'))!).not.toMatch(/mm|dd|yyyy/i);
    }
    await spend.getByRole('textbox', { name: '시작일' }).fill('2026. 1. 5.');
    expect(await spend.getByRole('textbox', { name: '시작일' }).getAttribute('aria-invalid')).toBe('false');
    await app.page.keyboard.press('Escape');
  });

  it('price sources are in Korean: no English notes, no internal references', async () => {
    await app.page.getByRole('button', { name: '설정' }).click();
    const settings = app.page.getByRole('dialog', { name: '설정' });
    await settings.getByRole('tab', { name: '가격' }).click();
    const sources = settings.locator('.prices-source');
    await expect.poll(() => sources.count()).toBeGreaterThan(0);
    const texts = await sources.allInnerTexts();
    expect(texts.join('\n')).toContain('제3자가 모은');
    for (const text of texts) expect(english(text), text).toEqual([]);
    await app.page.keyboard.press('Escape');
    expect(app.errors.filter((e) => !/favicon/.test(e))).toEqual([]);
  });
});
