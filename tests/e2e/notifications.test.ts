/**
 * Issue 11, notifications: a job or an import that finishes while the window is in the background is told through
 * the browser's Notification API, once the user allowed it from Settings (never asked on load); a job finishing while the window is
 * in front is not; the queue toggle in the top bar counts the running jobs. The built app in the local web host,
 * Debian Chromium; the notification permission is granted through the playwright context, `window.Notification` is
 * wrapped by an init script that records what is constructed (and counts permission requests), and the background is
 * emulated (`document.visibilityState` hidden, `document.hasFocus()` false). Controls are found by role and name.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { tempDir } from '../helpers/app';
import { GOOD_IMAGES } from '../helpers/paths';
import { launchBrowser, startHost, type RunningHost } from './harness';

const BACKGROUND = 'A lantern festival seen from a hill';
const FRONT = 'Frost on a window pane, macro';

/** Runs in the page before its scripts: records notifications and permission requests, and lets the test hide it. */
const INIT = `(() => {
  const notes = [];
  let requests = 0;
  window.__notes = notes;
  window.__requests = () => requests;
  window.__hidden = false;
  const Real = window.Notification;
  window.Notification = new Proxy(Real, {
    construct(target, args) {
      notes.push({ title: String(args[0]), body: args[1] && args[1].body });
      return Reflect.construct(target, args);
    },
    get(target, key) {
      if (key === 'requestPermission') return (...a) => { requests++; return target.requestPermission(...a); };
      return Reflect.get(target, key);
    },
  });
  Object.defineProperty(Document.prototype, 'visibilityState', { get() { return window.__hidden ? 'hidden' : 'visible'; } });
  Object.defineProperty(Document.prototype, 'hidden', { get() { return window.__hidden; } });
  Document.prototype.hasFocus = function () { return !window.__hidden; };
})();`;

describe('notifications and the running-jobs badge (web)', () => {
  let browser: Browser;
  let ctx: BrowserContext;
  let host: RunningHost;
  let page: Page;
  const errors: string[] = [];
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    let dir: string;
    ({ dir, cleanup } = await tempDir('atelier-e2e-notify-'));
    // Long enough to see the job running in the badge.
    host = await startHost(dir, { ATELIER_SANDBOX_JOB_MS: '2500' });
    browser = await launchBrowser();
    ctx = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'en-US' });
    await ctx.addInitScript(INIT);
    page = await ctx.newPage();
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(host.url);
  });
  afterAll(async () => {
    await browser?.close();
    await host?.stop();
    await cleanup?.();
  });

  const composer = (): Locator => page.getByRole('region', { name: 'Composer' });
  const notes = (): Promise<{ title: string; body: string }[]> => page.evaluate(() => (window as unknown as { __notes: { title: string; body: string }[] }).__notes);
  const setHidden = (hidden: boolean): Promise<void> =>
    page.evaluate((h) => {
      (window as unknown as { __hidden: boolean }).__hidden = h;
      document.dispatchEvent(new Event('visibilitychange'));
    }, hidden);
  /** The queue toggle's description: how many jobs are running. */
  const running = async (): Promise<string> => {
    const id = await page.getByRole('button', { name: 'Queue' }).getAttribute('aria-describedby');
    return (await page.locator(`[id="${id}"]`).textContent()) ?? '';
  };
  const generate = async (prompt: string): Promise<void> => {
    await composer().getByRole('textbox', { name: 'Prompt' }).fill(prompt);
    await composer().getByRole('button', { name: 'Generate', exact: true }).click();
  };
  const doneTiles = (prompt: string) => page.getByRole('region', { name: 'Gallery' }).getByRole('img', { name: prompt, exact: true }).count();

  it('asks for the permission only from Settings, then tells a job and an import that finished in the background', async () => {
    await page.getByRole('button', { name: 'New project' }).click();
    await page.getByRole('textbox', { name: 'Project name' }).fill('Night');
    await page.getByRole('button', { name: 'Create' }).click();
    await page.getByRole('treeitem', { name: 'Night' }).click();
    await composer().getByRole('combobox', { name: 'Provider' }).selectOption('sandbox');
    await composer().getByRole('spinbutton', { name: 'Number of images' }).fill('2');
    // Nothing asked on load.
    expect(await page.evaluate(() => (window as unknown as { __requests: () => number }).__requests())).toBe(0);

    // Settings → Notifications: off until allowed; the button asks (the context grants it).
    await page.getByRole('button', { name: 'Settings' }).click();
    const settings = page.getByRole('dialog', { name: 'Settings' });
    const section = settings.getByRole('region', { name: 'Notifications' });
    expect(await section.getByRole('status').textContent()).toBe('Notifications are off until you allow them.');
    await ctx.grantPermissions(['notifications'], { origin: new URL(host.url).origin });
    await section.getByRole('button', { name: 'Allow notifications' }).click();
    await expect.poll(() => section.getByRole('status').textContent()).toBe('Notifications are on.');
    // Asked at most once, from that click (the context had granted it already, so the browser need not be asked).
    expect(await page.evaluate(() => (window as unknown as { __requests: () => number }).__requests())).toBeLessThanOrEqual(1);
    expect(await section.getByRole('button', { name: 'Allow notifications' }).count()).toBe(0);
    await page.keyboard.press('Escape');
    await settings.waitFor({ state: 'hidden' });

    // In the background: the job runs (the badge counts it), finishes, and is told.
    expect(await running()).toBe('0 active jobs');
    await generate(BACKGROUND);
    await expect.poll(running, { timeout: 10_000 }).toBe('1 active job');
    expect(await page.getByRole('button', { name: 'Queue' }).textContent()).toContain('1');
    await setHidden(true);
    await expect.poll(notes, { timeout: 30_000 }).toEqual([{ title: '2 images ready', body: BACKGROUND }]);
    expect(await running()).toBe('0 active jobs');
    await setHidden(false);
    await expect.poll(() => doneTiles(BACKGROUND), { timeout: 10_000 }).toBe(2);

    // In front: nothing is told.
    await generate(FRONT);
    await expect.poll(running, { timeout: 10_000 }).toBe('1 active job');
    await expect.poll(() => doneTiles(FRONT), { timeout: 30_000 }).toBe(2);
    await expect.poll(running).toBe('0 active jobs');
    expect(await notes()).toHaveLength(1);

    // A long task too: an import that ends while the window is in the background is told, naming where it went.
    await setHidden(true);
    await page.getByTestId('import-files').setInputFiles([join(GOOD_IMAGES, 'astronaut.png')]);
    await expect.poll(notes, { timeout: 30_000 }).toHaveLength(2);
    expect((await notes())[1]).toEqual({ title: 'Import finished', body: 'Night' });
    await setHidden(false);
    expect(errors).toEqual([]);
  }, 120_000);
});
