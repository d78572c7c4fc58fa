/**
 * Budgets and batches in two tabs of the same browser (issue 13), paths after the happy one: a budget edited in a
 * second tab changes the budget line the first tab's composer shows, without a reload (`budget.changed`), and a cap
 * typed before the dialog has read the current one is not overwritten by it; and a
 * Korean table typed through an input method (CDP `Input.imeSetComposition`, then the committed text) and a
 * Japanese one pasted in the second tab's batch dialog are previewed there as they are; and the language chosen in
 * the second tab is shown in the first.
 */
import { describe, expect, it } from 'vitest';
import { call, openTestApp } from '../helpers/app';
import { useWebApp } from './harness';

describe('a budget edited in another tab; a table typed with an input method', () => {
  const app = useWebApp('atelier-e2e-budget-tabs-', async (dir) => {
    const seed = await openTestApp(dir);
    const p = await call(seed, 'folders.create', { name: 'Poster', parentId: null });
    await call(seed, 'budgets.set', { projectId: p.id, credits: 40, usd: null, period: 'month' });
    await seed.close();
    return {};
  });

  it('shows the new cap in the first tab, and previews a table composed in Korean and pasted in Japanese', async () => {
    const { page } = app;
    await page.getByRole('treeitem', { name: 'Poster' }).click();
    const composer = page.getByRole('region', { name: 'Composer' });
    await expect.poll(() => composer.textContent(), { timeout: 10_000 }).toContain('40 credits left this month');

    // A second tab of the same browser: the same session, no new link.
    const other = await page.context().newPage();
    await other.goto(app.host.origin + '/');
    await other.getByRole('treeitem', { name: 'Poster' }).click();
    await other.getByRole('treeitem', { name: 'Poster' }).click({ button: 'right' });
    // The dialog reads the current budget; the person types the new cap before that answer arrives (held here), and
    // what they typed stays.
    let release: () => void = () => {};
    const held = new Promise<void>((r) => (release = r));
    await other.route('**/api/call/budgets.get', async (route) => {
      await held;
      await route.continue();
    });
    await other.getByRole('menuitem', { name: 'Budget…' }).click();
    const dialog = other.getByRole('dialog', { name: 'Budget of “Poster”' });
    const cap = dialog.getByRole('textbox', { name: 'Cap in credits (Apiframe)' });
    await cap.fill('25');
    release();
    await expect.poll(() => dialog.getByRole('button', { name: 'Remove the budget' }).count(), { timeout: 10_000 }).toBe(1);
    expect(await cap.inputValue()).toBe('25');
    await other.unroute('**/api/call/budgets.get');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => dialog.count(), { timeout: 10_000 }).toBe(0);
    // The first tab's line follows, with nothing done there.
    await expect.poll(() => composer.textContent(), { timeout: 10_000 }).toContain('25 credits left this month');

    // The second tab's batch dialog: the header and a row typed through an input method, composition by composition.
    await other.getByRole('button', { name: 'Batch…' }).click();
    const batch = other.getByRole('dialog', { name: 'Batch from a template' });
    await batch.getByRole('textbox', { name: 'Template' }).fill('{제품} 포스터');
    const table = batch.getByRole('textbox', { name: /^Table/ });
    await table.focus();
    const cdp = await other.context().newCDPSession(other);
    const compose = async (steps: string[], commit: string): Promise<void> => {
      for (const s of steps) await cdp.send('Input.imeSetComposition', { text: s, selectionStart: s.length, selectionEnd: s.length });
      await cdp.send('Input.insertText', { text: commit });
    };
    await compose(['ㅈ', '제', '젶', '제프'], '제품');
    await other.keyboard.press('Enter');
    await compose(['ㅁ', '머', '멐', '머그'], '머그');
    await compose(['ㅋ', '커', '컵'], '컵');
    await expect.poll(() => table.inputValue()).toBe('제품\n머그컵');
    const preview = batch.getByRole('region', { name: 'Preview' });
    await expect.poll(() => preview.getByRole('status').textContent(), { timeout: 10_000 }).toMatch(/^1 prompt for /);
    await expect.poll(() => preview.locator('tbody td.batch-prompt').allTextContents()).toEqual(['머그컵 포스터']);

    // A Japanese row pasted after it from the clipboard, with the keyboard, in this second tab.
    await other.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: app.host.origin });
    await other.evaluate((text) => navigator.clipboard.writeText(text), '\r\nマグカップ\r\n');
    await table.focus();
    await other.keyboard.press('Control+End');
    await other.keyboard.press('Control+V');
    await expect.poll(() => preview.locator('tbody td.batch-prompt').allTextContents(), { timeout: 10_000 }).toEqual(['머그컵 포스터', 'マグカップ 포스터']);
    expect(await batch.getByRole('button', { name: 'Queue 2 prompts' }).isEnabled()).toBe(true);
    await cdp.detach();

    // The language chosen in the second tab's Settings: the first tab follows, with nothing done there (app.locale).
    await other.keyboard.press('Escape');
    await expect.poll(() => batch.count()).toBe(0);
    await other.getByRole('button', { name: 'Settings' }).click();
    await other.getByRole('dialog', { name: 'Settings' }).getByRole('combobox', { name: 'Language' }).selectOption({ label: '한국어' });
    await other.getByRole('dialog', { name: '설정' }).waitFor();
    await expect.poll(() => page.evaluate(() => document.documentElement.lang), { timeout: 10_000 }).toBe('ko');
    await page.getByRole('button', { name: '설정' }).waitFor();
    expect(await page.getByRole('button', { name: 'Settings' }).count()).toBe(0);
    await other.keyboard.press('Escape');
    await other.close();
    expect(app.errors).toEqual([]);
  });
});
