/**
 * Issue 11, first run and theme, as a person would in Chromium against the built web host:
 * - a library with no project shows the welcome, with the cursor in the project name; an Apiframe key is saved
 *   (to the keychain: the page never sees it again) and checked against the Apiframe test server; Create project
 *   makes the project, opens it and sets the composer to Apiframe; the welcome never comes back;
 * - on another library the welcome is skipped with Escape and stays away after a restart of the host;
 * - Settings → Theme: Light is kept in the library and on the page from the first frame after a restart (a new
 *   origin, so nothing in localStorage helps); "Same as the system" follows prefers-color-scheme as it changes.
 */
import { join } from 'node:path';
import { mkdir } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { SCREENSHOTS } from '../helpers/paths';
import { tempDir } from '../helpers/app';
import { launchBrowser, openPage, startHost, type RunningHost } from './harness';
import { startApiframeTestServer, type ApiframeTestServer } from '../servers/apiframe/server';

const KEY = 'afk_welcome_key_4242';
const WELCOME = { ATELIER_SKIP_WELCOME: '0' };

/** The theme on <html> and the body's background at the page's first animation frame (just before it paints). */
async function firstFrame(page: Page): Promise<{ theme: string | null; bg: string }> {
  return page.evaluate(() => (window as unknown as { __firstFrame: Promise<{ theme: string | null; bg: string }> }).__firstFrame);
}

/** Opens `url` in a fresh context that records {@link firstFrame}. */
async function openRecordingFirstFrame(browser: Browser, url: string, colorScheme: 'dark' | 'light' = 'dark'): Promise<Page> {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, colorScheme });
  const page = await ctx.newPage();
  await page.addInitScript(() => {
    (window as unknown as { __firstFrame: Promise<unknown> }).__firstFrame = new Promise((resolve) =>
      requestAnimationFrame(() =>
        resolve({
          theme: document.documentElement.getAttribute('data-theme'),
          bg: document.body ? getComputedStyle(document.body).backgroundColor : '',
        }),
      ),
    );
  });
  await page.goto(url);
  return page;
}

const htmlTheme = (page: Page): Promise<string | null> => page.evaluate(() => document.documentElement.getAttribute('data-theme'));
const bodyBg = (page: Page): Promise<string> => page.evaluate(() => getComputedStyle(document.body).backgroundColor);

describe('first run and theme', () => {
  let srv: ApiframeTestServer;
  let browser: Browser;
  const hosts: RunningHost[] = [];
  const cleanups: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    await mkdir(SCREENSHOTS, { recursive: true });
    srv = await startApiframeTestServer({ keys: [KEY], jobDurationMs: 500 });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    for (const h of hosts) await h.stop().catch(() => {});
    await srv?.close();
    for (const c of cleanups) await c();
  });

  const library = async (): Promise<string> => {
    const { dir, cleanup } = await tempDir('atelier-e2e-welcome-');
    cleanups.push(cleanup);
    return dir;
  };
  const host = async (dir: string): Promise<RunningHost> => {
    const h = await startHost(dir, { ...WELCOME, ATELIER_APIFRAME_BASE_URL: srv.url });
    hosts.push(h);
    return h;
  };

  it('creates the first project with an Apiframe key checked, and is not shown again', async () => {
    const dir = await library();
    const h = await host(dir);
    const { page, errors } = await openPage(browser, h.url);
    const welcome = page.getByRole('dialog', { name: 'Welcome to Atelier' });
    await welcome.waitFor({ timeout: 20_000 });
    const name = welcome.getByRole('textbox', { name: 'Project name' });
    await expect.poll(() => name.evaluate((el) => el === document.activeElement), { timeout: 5_000 }).toBe(true);
    await page.keyboard.type('Autumn lookbook');
    expect(await name.inputValue()).toBe('Autumn lookbook');

    // The sandbox is the default; Apiframe asks for its key.
    expect(await welcome.getByRole('radio', { name: /Sandbox/ }).isChecked()).toBe(true);
    await welcome.getByRole('radio', { name: /Apiframe/ }).check();
    const keyBox = welcome.getByRole('textbox', { name: 'Apiframe API key' });
    await keyBox.fill(KEY);
    await welcome.getByRole('button', { name: 'Save key and check' }).click();
    await expect.poll(() => welcome.textContent(), { timeout: 15_000 }).toMatch(/Connected in [\d,]+ ms\. Balance: 1,000 credits/);
    expect(await welcome.textContent()).toContain('…4242');
    expect(await keyBox.inputValue()).toBe('');
    // The page holds the key nowhere: not in the DOM, not in any field.
    expect(await page.content()).not.toContain(KEY);
    await page.screenshot({ path: join(SCREENSHOTS, 'welcome.png') });

    await welcome.getByRole('button', { name: 'Create project' }).click();
    await welcome.waitFor({ state: 'hidden' });
    const project = page.getByRole('treeitem', { name: /Autumn lookbook/ });
    await project.waitFor();
    expect(await project.getAttribute('aria-selected')).toBe('true');
    expect(await page.getByRole('combobox', { name: 'Provider' }).inputValue()).toBe('apiframe');

    // Not again: a reload, and a restart of the host.
    await page.reload();
    await page.getByRole('treeitem', { name: /Autumn lookbook/ }).waitFor();
    expect(await page.getByRole('dialog').count()).toBe(0);
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it('Create project saves a key typed and not yet saved, and sets the composer to that provider', async () => {
    const dir = await library();
    // A keychain of its own: the key saved by the test above must not make this one pass.
    const h = await startHost(dir, { ...WELCOME, ATELIER_APIFRAME_BASE_URL: srv.url, ATELIER_KEYCHAIN_SERVICE: `atelier-e2e-welcome-unsaved-${process.pid}` });
    hosts.push(h);
    const { page, errors } = await openPage(browser, h.url);
    const welcome = page.getByRole('dialog', { name: 'Welcome to Atelier' });
    await welcome.waitFor({ timeout: 20_000 });
    await welcome.getByRole('textbox', { name: 'Project name' }).fill('Winter lookbook');
    await welcome.getByRole('radio', { name: /Apiframe/ }).check();
    expect(await welcome.getByText('No key set').count()).toBe(1);
    await welcome.getByRole('textbox', { name: 'Apiframe API key' }).fill(KEY);
    await welcome.getByRole('button', { name: 'Create project' }).click();
    await welcome.waitFor({ state: 'hidden' });
    await page.getByRole('treeitem', { name: /Winter lookbook/ }).waitFor();
    expect(await page.getByRole('combobox', { name: 'Provider' }).inputValue()).toBe('apiframe');
    // Saved to the keychain: Settings shows it set (by its last four characters), the page holds it nowhere.
    await page.getByRole('button', { name: 'Settings' }).click();
    const settings = page.getByRole('dialog', { name: 'Settings' });
    await expect.poll(() => settings.textContent(), { timeout: 10_000 }).toContain('…4242');
    expect(await page.content()).not.toContain(KEY);
    await settings.getByRole('button', { name: 'Remove key' }).click();
    await expect.poll(() => settings.textContent(), { timeout: 10_000 }).not.toContain('…4242');
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it('is skipped with Escape and stays away after a restart; the theme is kept and on screen from the first frame', async () => {
    const dir = await library();
    let h = await host(dir);
    let { page } = await openPage(browser, h.url);
    const welcome = page.getByRole('dialog', { name: 'Welcome to Atelier' });
    await welcome.waitFor({ timeout: 20_000 });
    await page.keyboard.press('Escape');
    await welcome.waitFor({ state: 'hidden' });
    await page.getByText('No projects yet.', { exact: true }).waitFor();

    // Dark by default here (the context prefers dark); Light from Settings, at once.
    expect(await htmlTheme(page)).toBe('dark');
    expect(await bodyBg(page)).toBe('rgb(28, 28, 28)');
    await page.getByRole('button', { name: 'Settings' }).click();
    const settings = page.getByRole('dialog', { name: 'Settings' });
    const theme = settings.getByRole('combobox', { name: 'Theme' });
    await theme.selectOption({ label: 'Light' });
    await expect.poll(() => htmlTheme(page)).toBe('light');
    expect(await bodyBg(page)).toBe('rgb(242, 242, 242)');
    await page.keyboard.press('Escape');
    await page.context().close();

    // A restart: a new port, so a new origin with nothing stored; the page is light before it first paints.
    await h.stop();
    h = await host(dir);
    page = await openRecordingFirstFrame(browser, h.url, 'dark');
    expect(await firstFrame(page)).toEqual({ theme: 'light', bg: 'rgb(242, 242, 242)' });
    await page.getByText('No projects yet.', { exact: true }).waitFor({ timeout: 20_000 });
    expect(await page.getByRole('dialog').count()).toBe(0);
    expect(await htmlTheme(page)).toBe('light');

    // "Same as the system": follows prefers-color-scheme, also when it changes.
    await page.getByRole('button', { name: 'Settings' }).click();
    await page.getByRole('dialog', { name: 'Settings' }).getByRole('combobox', { name: 'Theme' }).selectOption({ label: 'Same as the system' });
    await expect.poll(() => htmlTheme(page)).toBe('dark');
    await page.emulateMedia({ colorScheme: 'light' });
    await expect.poll(() => htmlTheme(page)).toBe('light');
    await page.emulateMedia({ colorScheme: 'dark' });
    await expect.poll(() => htmlTheme(page)).toBe('dark');
    await page.context().close();

    // Kept as "system" across a restart: a page that prefers light starts light, one that prefers dark starts dark.
    await h.stop();
    h = await host(dir);
    page = await openRecordingFirstFrame(browser, h.url, 'light');
    expect(await firstFrame(page)).toEqual({ theme: 'light', bg: 'rgb(242, 242, 242)' });
    await page.context().close();
    page = await openRecordingFirstFrame(browser, await h.newLink(), 'dark');
    expect(await firstFrame(page)).toEqual({ theme: 'dark', bg: 'rgb(28, 28, 28)' });
    await page.context().close();
  });
});
