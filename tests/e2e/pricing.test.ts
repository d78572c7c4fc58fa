/**
 * Settings → Prices end to end (issue 3, "Prices live in one editable table with the date they were taken"): the
 * built app in the local web host, Debian Chromium. Change Apiframe gpt-image-2's high-quality credits, see the
 * composer's estimate follow at once, reset it, see the published figure back.
 * Screenshot: docs/screenshots/prices.png.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SCREENSHOTS } from '../helpers/paths';
import { useWebApp } from './harness';

const SHOTS = SCREENSHOTS;
const ROW = 'Apiframe GPT Image 2 credits per image (high)';

describe('prices', () => {
  const app = useWebApp('atelier-e2e-');

  it('an edited price changes the composer estimate at once; Reset restores the published one', async () => {
    await app.page.getByRole('button', { name: 'New project' }).click();
    await app.page.getByRole('textbox', { name: 'Project name' }).fill('Price check');
    await app.page.getByRole('button', { name: 'Create' }).click();
    const project = app.page.getByRole('treeitem', { name: 'Price check' });
    await project.waitFor();
    await project.click();

    await app.page.getByRole('combobox', { name: 'Provider' }).selectOption('apiframe');
    await app.page.getByRole('combobox', { name: 'Model' }).selectOption('gpt-image-2');
    await app.page.getByRole('combobox', { name: 'Quality' }).selectOption('high');
    await app.page.getByRole('spinbutton', { name: 'Number of images' }).fill('2');
    const cost = app.page.locator('.composer-status .cost');
    await expect.poll(() => cost.textContent()).toContain('46 credits'); // 2 × 23, the published figure

    // Settings → Prices.
    await app.page.getByRole('button', { name: 'Settings' }).click();
    const settings = app.page.getByRole('dialog', { name: 'Settings' });
    await settings.getByRole('tab', { name: 'Prices' }).click();
    const prices = settings.getByRole('region', { name: 'Prices' });
    await expect.poll(() => prices.textContent()).toContain('November 2026');
    // Each price names its public page, as a link: Apiframe's model page here.
    const apiframePage = 'https://docs-v2.apiframe.ai/docs/images/gpt-image-2';
    expect(await prices.getByRole('link', { name: apiframePage, exact: true }).first().getAttribute('href')).toBe(apiframePage);
    expect(await prices.textContent()).not.toMatch(/§|AF-D2|\.md\b/);
    const field = prices.getByRole('spinbutton', { name: ROW });
    expect(await field.inputValue()).toBe('23');
    const reset = prices.getByRole('button', { name: `Reset ${ROW}` });
    expect(await reset.isDisabled()).toBe(true);

    await field.fill('40');
    await expect.poll(() => reset.isDisabled(), { timeout: 10_000 }).toBe(false);
    const row = prices.getByRole('row').filter({ has: app.page.getByRole('spinbutton', { name: ROW }) });
    expect(await row.textContent()).toContain('23'); // the published figure stays beside it
    expect(await row.textContent()).toMatch(/Yours since/);

    // A bad value is refused in place; the saved one stands.
    await field.fill('-3');
    await field.blur();
    await expect.poll(() => row.textContent()).toContain('Enter a number of 0 or more.');
    expect(await field.getAttribute('aria-invalid')).toBe('true');
    await field.fill('40');
    await expect.poll(() => row.textContent()).not.toContain('Enter a number of 0 or more.');

    await field.scrollIntoViewIfNeeded();
    await app.page.screenshot({ path: join(SHOTS, 'prices.png') });

    // The composer (behind the dialog) already shows the new estimate.
    await app.page.keyboard.press('Escape');
    await settings.waitFor({ state: 'hidden' });
    await expect.poll(() => cost.textContent(), { timeout: 10_000 }).toContain('80 credits');

    // The override survives a reload (it is kept in the library), then Reset restores the published value.
    await app.page.reload();
    await app.page.getByRole('treeitem', { name: 'Price check' }).click();
    await app.page.getByRole('combobox', { name: 'Provider' }).selectOption('apiframe');
    await app.page.getByRole('combobox', { name: 'Model' }).selectOption('gpt-image-2');
    await app.page.getByRole('combobox', { name: 'Quality' }).selectOption('high');
    await app.page.getByRole('spinbutton', { name: 'Number of images' }).fill('2');
    await expect.poll(() => cost.textContent(), { timeout: 10_000 }).toContain('80 credits');

    await app.page.getByRole('button', { name: 'Settings' }).click();
    await settings.getByRole('tab', { name: 'Prices' }).click();
    await prices.getByRole('button', { name: `Reset ${ROW}` }).click();
    await expect.poll(() => prices.getByRole('spinbutton', { name: ROW }).inputValue(), { timeout: 10_000 }).toBe('23');
    await expect.poll(() => prices.getByRole('button', { name: `Reset ${ROW}` }).isDisabled()).toBe(true);
    await app.page.keyboard.press('Escape');
    await settings.waitFor({ state: 'hidden' });
    await expect.poll(() => cost.textContent(), { timeout: 10_000 }).toContain('46 credits');

    expect(app.errors).toEqual([]);
  });
});
