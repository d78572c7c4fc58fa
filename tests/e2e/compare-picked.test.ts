/**
 * Issue 5: compare any 2–4 images picked in the gallery — select them (checkbox, Ctrl-click) and press Compare; the
 * compare view opens with exactly those images.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { tempDir } from '../helpers/app';
import { launchBrowser, openPage, startHost, type RunningHost } from './harness';

const PROMPT = 'a paper boat on a puddle';

describe('compare images picked in the gallery', () => {
  let browser: Browser;
  let host: RunningHost;
  let page: Page;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    let dir: string;
    ({ dir, cleanup } = await tempDir('atelier-e2e-picked-'));
    host = await startHost(dir, { ATELIER_SANDBOX_JOB_MS: '400' });
    browser = await launchBrowser();
    ({ page } = await openPage(browser, host.url));
  });
  afterAll(async () => {
    await browser?.close();
    await host?.stop();
    await cleanup?.();
  });

  it('compares the selected images directly', async () => {
    await page.getByRole('button', { name: 'New project' }).click();
    await page.getByRole('textbox', { name: 'Project name' }).fill('Boats');
    await page.getByRole('button', { name: 'Create' }).click();
    await page.getByRole('treeitem', { name: 'Boats' }).click();
    await page.getByRole('combobox', { name: 'Provider' }).selectOption('sandbox');
    await page.getByRole('spinbutton', { name: 'Number of images' }).fill('3');
    await page.getByRole('textbox', { name: 'Prompt' }).fill(PROMPT);
    await page.getByRole('button', { name: 'Generate', exact: true }).click();
    const gallery = page.getByRole('region', { name: 'Gallery' });
    await expect.poll(() => gallery.getByRole('img', { name: PROMPT }).count(), { timeout: 30_000 }).toBe(3);

    const images = gallery.getByRole('list', { name: 'Images' });
    await images.getByRole('checkbox', { name: `Select ${PROMPT}` }).nth(0).check();
    await gallery.getByRole('img', { name: PROMPT }).nth(2).click({ modifiers: ['Control'] });
    await expect.poll(() => page.getByRole('toolbar', { name: 'Selection' }).textContent()).toContain('2 selected');

    await gallery.getByRole('button', { name: 'Compare', exact: true }).click();
    const view = page.getByRole('dialog', { name: 'Compare images' });
    await view.waitFor({ timeout: 10_000 });
    await expect.poll(() => view.getByRole('list', { name: 'Images' }).getByRole('listitem').count()).toBe(2);
  });
});
