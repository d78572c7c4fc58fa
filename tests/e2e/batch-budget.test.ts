/**
 * A batch's retry of its failed rows stopped by the project's budget, end to end: the built web host, Debian
 * Chromium, the Apiframe test server over loopback. The library holds a project with a budget of 8 credits and a
 * batch of three rows canceled before anything was sent; "Retry 3 failed" in the queue opens the over-budget alert
 * dialog with the server's numbers and sends nothing; Submit anyway retries the rows and they run to the end. Then
 * "Compare models" past the same budget asks in the same dialog, and Submit anyway makes the set; and one canceled
 * job's Retry in the queue asks the same way before it is sent again.
 */
import { describe, expect, it } from 'vitest';
import { call } from '../helpers/app';
import { KEY, startServer } from '../integration/apiframe-helpers';
import type { ApiframeTestServer } from '../servers/apiframe/server';
import { seedKeychainKey, useWebApp } from './harness';

const KEYCHAIN = `atelier-e2e-batch-budget-${process.pid}`;

describe('a batch retry or a comparison that would pass the budget asks first', () => {
  let srv: ApiframeTestServer;
  const app = useWebApp('atelier-e2e-batch-budget-', async (dir, closeAfter) => {
    srv = closeAfter(await startServer({ jobDurationMs: 200, queueDelayMs: 20, imageLongEdge: 64 }));
    const env = { ATELIER_APIFRAME_BASE_URL: srv.url };
    const keychain = await seedKeychainKey(dir, closeAfter, { service: KEYCHAIN, provider: 'apiframe', key: KEY, env }, async (seed) => {
      const projectId = (await call(seed, 'folders.create', { name: 'Kites', parentId: null })).id;
      await call(seed, 'queue.pause', { scope: 'all' });
      const batch = await call(seed, 'batches.submit', {
        folderId: projectId,
        provider: 'apiframe',
        model: 'gpt-image-2',
        params: { quality: 'low', number_of_images: 1 },
        template: 'a {color} kite',
        table: 'color\nred\ngreen\nblue\n',
        references: [],
      });
      await call(seed, 'batches.cancel', { id: batch.id });
      // One job on its own, canceled before it was sent too.
      const lone = await call(seed, 'jobs.submit', {
        folderId: projectId,
        provider: 'apiframe',
        model: 'gpt-image-2',
        prompt: 'a lone kite',
        params: { quality: 'low', number_of_images: 1 },
        references: [],
      });
      await call(seed, 'jobs.cancel', { id: lone.id });
      await call(seed, 'queue.resume', { scope: 'all' });
      await call(seed, 'budgets.set', { projectId, credits: 8, usd: null, period: 'month' });
    });
    return { ...env, ...keychain };
  });

  it('refuses with the numbers, sends nothing, and retries the rows once confirmed', async () => {
    const { page, errors } = app;
    await page.getByRole('button', { name: 'Queue', exact: true }).click();
    const queue = page.getByRole('complementary', { name: 'Queue' });
    const item = queue.getByRole('listitem', { name: /^Batch: a \{color\} kite/ });
    await item.waitFor({ timeout: 20_000 });
    await item.getByRole('button', { name: 'Retry 3 failed' }).click();

    const dialog = page.getByRole('alertdialog', { name: 'Over the budget' });
    await dialog.waitFor({ timeout: 10_000 });
    expect(await dialog.textContent()).toContain('8 credits');
    expect(srv.state.jobsCreated).toBe(0);
    await dialog.getByRole('button', { name: 'Submit anyway' }).click();
    await expect
      .poll(async () => (await item.locator('.batch-item-status').textContent()) ?? '', { timeout: 60_000, interval: 100 })
      .toBe('3 of 3 done');
    expect(srv.state.jobsCreated).toBe(3);
    expect(errors).toEqual([]);
  });

  it('a comparison past the budget asks the same way, and Submit anyway makes the set', async () => {
    const { page, errors } = app;
    await page.getByRole('treeitem', { name: /Kites/ }).click();
    await page.getByRole('combobox', { name: 'Provider' }).selectOption('apiframe');
    await page.getByRole('combobox', { name: 'Model' }).selectOption('gpt-image-2');
    await page.getByRole('combobox', { name: 'Quality' }).selectOption('low');
    await page.getByRole('textbox', { name: 'Prompt' }).fill('two kites');
    await page.getByRole('button', { name: 'Compare models' }).click();
    const dialog = page.getByRole('dialog', { name: 'Compare models' });
    const run2 = dialog.getByRole('list', { name: 'Runs' }).getByRole('listitem', { name: 'Run 2' });
    await run2.getByRole('combobox', { name: 'Provider' }).selectOption('apiframe');
    await run2.getByRole('combobox', { name: 'Model' }).selectOption('gpt-image-1.5');
    await dialog.getByRole('button', { name: 'Run 2 models' }).click();

    const over = page.getByRole('alertdialog', { name: 'Over the budget' });
    await over.waitFor({ timeout: 10_000 });
    expect(await over.textContent()).toContain('of 8 credits');
    const before = srv.state.jobsCreated;
    await over.getByRole('button', { name: 'Submit anyway' }).click();
    await page.getByRole('dialog', { name: 'Compare images' }).waitFor({ timeout: 20_000 });
    await expect.poll(() => srv.state.jobsCreated, { timeout: 30_000 }).toBe(before + 2);
    expect(errors).toEqual([]);
  });

  it('one job’s Retry past the budget asks the same way, sends nothing until confirmed, then runs', async () => {
    const { page, errors } = app;
    // The comparison made above is open: closed first.
    await page.keyboard.press('Escape');
    await page.getByRole('dialog', { name: 'Compare images' }).waitFor({ state: 'hidden' });
    const queue = page.getByRole('complementary', { name: 'Queue' });
    // The queue was opened in the first test (the button toggles it).
    if (!(await queue.isVisible())) await page.getByRole('button', { name: 'Queue', exact: true }).click();
    const row = queue.getByRole('listitem').filter({ hasText: 'a lone kite' });
    await row.waitFor({ timeout: 20_000 });
    const before = srv.state.jobsCreated;
    await row.getByRole('button', { name: 'Retry' }).click();
    const over = page.getByRole('alertdialog', { name: 'Over the budget' });
    await over.waitFor({ timeout: 10_000 });
    expect(await over.textContent()).toContain('of 8 credits');
    expect(srv.state.jobsCreated).toBe(before);
    await over.getByRole('button', { name: 'Submit anyway' }).click();
    await over.waitFor({ state: 'hidden' });
    await expect.poll(async () => (await row.locator('.job-state').textContent())?.trim(), { timeout: 30_000 }).toBe('Completed');
    expect(srv.state.jobsCreated).toBe(before + 1);
    expect(errors).toEqual([]);
  });
});
