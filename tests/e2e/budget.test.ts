/**
 * Budgets end to end (issue 13): the built web host, Debian Chromium, the Apiframe test server over loopback. A
 * person sets a budget of 6 credits a month on a project from its menu in the sidebar, sees the composer's estimate
 * against what is left, generates once (4 credits), is stopped by an alert dialog with the numbers on the second
 * submit, which sends nothing, then confirms the override and the job goes. The spend view shows the project's
 * budget use and the cost per kept image, with its rating control. Screenshots: budget.png, spend-budgets.png.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SCREENSHOTS } from '../helpers/paths';
import { call } from '../helpers/app';
import { KEY, startServer } from '../integration/apiframe-helpers';
import type { ApiframeTestServer } from '../servers/apiframe/server';
import { seedKeychainKey, useWebApp } from './harness';

const KEYCHAIN = `atelier-e2e-budget-${process.pid}`;
const PROMPT = 'A paper crane on a desk';

describe('a budget stops a submit until the user overrides it', () => {
  let srv: ApiframeTestServer;
  const app = useWebApp('atelier-e2e-budget-', async (dir, closeAfter) => {
    srv = closeAfter(await startServer({ jobDurationMs: 300, queueDelayMs: 30, imageLongEdge: 64 }));
    const env = { ATELIER_APIFRAME_BASE_URL: srv.url };
    // The key goes to the same keychain the host then reads.
    const keychain = await seedKeychainKey(dir, closeAfter, { service: KEYCHAIN, provider: 'apiframe', key: KEY, env }, async (seed) => {
      await call(seed, 'folders.create', { name: 'Poster', parentId: null });
    });
    return { ...env, ...keychain };
  });

  it('sets a budget from the sidebar, shows what is left, refuses with the numbers, and lets an override through', async () => {
    const { page, errors } = app;
    const project = page.getByRole('treeitem', { name: /Poster/ });
    await project.click();
    // Budget… from the project's menu.
    await project.click({ button: 'right' });
    await page.getByRole('menuitem', { name: 'Budget…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Budget of “Poster”' });
    await dialog.getByRole('textbox', { name: 'Cap in credits (Apiframe)' }).fill('6');
    await expect.poll(() => dialog.getByRole('radio', { name: 'Each calendar month (UTC)' }).isChecked()).toBe(true);
    await dialog.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => dialog.count(), { timeout: 10_000 }).toBe(0);

    await page.getByRole('combobox', { name: 'Provider' }).selectOption('apiframe');
    await page.getByRole('combobox', { name: 'Model' }).selectOption('gpt-image-2');
    await page.getByRole('combobox', { name: 'Quality' }).selectOption('low');
    await page.getByRole('textbox', { name: 'Prompt' }).fill(PROMPT);
    const composer = page.getByRole('region', { name: 'Composer' });
    await expect.poll(() => composer.textContent(), { timeout: 10_000 }).toContain('≈ 4 credits of 6 left this month');

    const generate = page.getByRole('button', { name: 'Generate', exact: true });
    await generate.click();
    const gallery = page.getByRole('region', { name: 'Gallery' });
    const images = gallery.getByRole('img', { name: PROMPT });
    await expect.poll(() => images.count(), { timeout: 60_000 }).toBe(1);
    await expect.poll(() => composer.textContent(), { timeout: 10_000 }).toContain('≈ 4 credits of 2 left this month');
    expect(await composer.textContent()).toContain('over the budget');

    // The second submit is refused by the server, with the numbers, and nothing reaches the provider.
    const created = srv.state.jobsCreated;
    await generate.click();
    const alert = page.getByRole('alertdialog', { name: 'Over the budget' });
    await alert.waitFor({ timeout: 10_000 });
    const said = (await alert.textContent()) ?? '';
    expect(said).toContain('“Poster”');
    expect(said).toContain('≈ 4 credits, with 2 credits of 6 credits left this month');
    expect(srv.state.jobsCreated).toBe(created);
    await page.screenshot({ path: join(SCREENSHOTS, 'budget.png') });

    // Cancel keeps it refused; Generate again and Submit anyway sends it.
    await alert.getByRole('button', { name: 'Cancel' }).click();
    await expect.poll(() => alert.count()).toBe(0);
    expect(srv.state.jobsCreated).toBe(created);
    await generate.click();
    await alert.waitFor({ timeout: 10_000 });
    await alert.getByRole('button', { name: 'Submit anyway' }).click();
    await expect.poll(() => images.count(), { timeout: 60_000 }).toBe(2);
    expect(srv.state.jobsCreated).toBe(created + 1);

    // The spend view: the budget's use and the cost per kept image.
    await page.getByRole('button', { name: 'Spend' }).click();
    const spend = page.getByRole('dialog', { name: 'Spend' });
    const budgets = spend.getByRole('region', { name: 'Budgets' });
    const row = budgets.getByRole('row', { name: /Poster/ });
    await expect.poll(() => row.textContent(), { timeout: 10_000 }).toContain('8 credits');
    expect(await row.textContent()).toContain('0 credits'); // left
    expect(await spend.getByRole('columnheader', { name: 'Derived from EvoLink credits' }).count()).toBe(1);
    const kept = spend.getByRole('region', { name: 'Cost per kept image' });
    const rating = kept.getByRole('combobox', { name: 'Kept: picked or rated at least' });
    expect(await rating.inputValue()).toBe('3');
    const keptRow = kept.getByRole('row', { name: /Poster/ });
    await expect.poll(() => keptRow.textContent(), { timeout: 10_000 }).toContain('—'); // nothing kept yet
    await kept.scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(SCREENSHOTS, 'spend-budgets.png') });
    expect(errors).toEqual([]);
  });

  it('refuses a batch over the budget in the batch dialog with the numbers, and Submit anyway queues it', async () => {
    const { page, errors } = app;
    await page.keyboard.press('Escape');
    await page.getByRole('dialog', { name: 'Spend' }).waitFor({ state: 'hidden' });
    await page.getByRole('button', { name: 'Batch…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Batch from a template' });
    await dialog.getByRole('textbox', { name: 'Template' }).fill('A paper crane, {red|blue}');
    const created = srv.state.jobsCreated;
    await dialog.getByRole('button', { name: 'Queue 2 prompts' }).click();
    const alert = page.getByRole('alertdialog', { name: 'Over the budget' });
    await alert.waitFor({ timeout: 10_000 });
    expect(await alert.textContent()).toContain('“Poster”');
    expect(srv.state.jobsCreated).toBe(created);
    await alert.getByRole('button', { name: 'Submit anyway' }).click();
    await dialog.waitFor({ state: 'hidden', timeout: 10_000 });
    const item = page.getByRole('complementary', { name: 'Queue' }).getByRole('listitem', { name: /^Batch: A paper crane/ });
    await expect.poll(() => item.locator('.batch-item-status').textContent(), { timeout: 60_000 }).toBe('2 of 2 done');
    expect(srv.state.jobsCreated).toBe(created + 2);
    expect(errors).toEqual([]);
  });
});
