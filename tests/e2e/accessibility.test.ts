/**
 * Issue 11, accessibility: axe-core (WCAG 2.x A and AA rules) on every main screen and dialog of the built app in
 * Debian Chromium, in both themes. The walk goes as a person would, by role and name: the first-run welcome makes
 * the project; photos come in through Import images (a resized copy of one is stacked); then the gallery, filters,
 * viewer, an edit and its chain view, the mask editor, compare, Compare models, Settings and each of its sections,
 * Spend, Library care, Export, every folder dialog, Tag, Move, Title and note, the stack, the queue, the shortcut
 * sheet and the trash. The app follows the system's theme, so on each screen the check runs with the page
 * preferring dark and then light (the OS switching themes). Every screen must have 0 serious and 0 critical
 * violations; a table of screens × violations is printed. Screenshots: theme-dark.png, theme-light.png.
 */
import { createRequire } from 'node:module';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { GOOD_IMAGES, SCREENSHOTS } from '../helpers/paths';
import { tempDir } from '../helpers/app';
import { launchBrowser, startHost, type RunningHost } from './harness';

const AXE_SOURCE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
/** axe's tags for WCAG 2.0, 2.1 and 2.2 at levels A and AA. */
const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22a', 'wcag22aa'];
type Theme = 'dark' | 'light';

interface Found {
  id: string;
  impact: string;
  nodes: number;
  targets: string[];
  summary: string;
}
interface Row {
  screen: string;
  theme: Theme;
  found: Found[];
}

describe('accessibility (axe-core, both themes)', () => {
  let browser: Browser;
  let host: RunningHost;
  let page: Page;
  let cleanup: () => Promise<void>;
  let dir: string;
  const errors: string[] = [];
  const rows: Row[] = [];

  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir('atelier-e2e-a11y-'));
    await mkdir(SCREENSHOTS, { recursive: true });
    host = await startHost(join(dir, 'lib'), { ATELIER_SKIP_WELCOME: '0', ATELIER_SANDBOX_JOB_MS: '150' });
    browser = await launchBrowser();
    // The page's CSP allows only its own scripts: this context lets the test add axe's.
    const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'en-US', colorScheme: 'dark', bypassCSP: true });
    page = await ctx.newPage();
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    await page.goto(host.url);
  });
  let reported = false;
  afterAll(async () => {
    // A walk that stopped half-way still shows what it found.
    if (!reported && rows.length > 0) printTable(Date.now());
    await browser?.close();
    await host?.stop();
    await cleanup?.();
  });

  /** Serious and critical violations on the page as it is now, in the theme it shows. */
  const axe = async (): Promise<Found[]> => {
    if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ path: AXE_SOURCE });
    return page.evaluate(async (tags) => {
      const w = window as unknown as {
        axe: { run(ctx: Document, opts: unknown): Promise<{ violations: Array<{ id: string; impact: string | null; help: string; nodes: Array<{ target: unknown[]; failureSummary?: string }> }> }> };
      };
      const r = await w.axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
      return r.violations
        .filter((v) => v.impact === 'serious' || v.impact === 'critical')
        .map((v) => ({
          id: v.id,
          impact: v.impact ?? '',
          nodes: v.nodes.length,
          targets: v.nodes.slice(0, 4).map((n) => JSON.stringify(n.target)),
          summary: (v.nodes[0]?.failureSummary ?? v.help).split('\n').slice(0, 3).join(' '),
        }));
    }, WCAG_TAGS);
  };

  const showTheme = async (theme: Theme): Promise<void> => {
    await page.emulateMedia({ colorScheme: theme });
    await page.waitForFunction((t) => document.documentElement.dataset.theme === t, theme);
  };

  /** Runs axe on the screen in the dark theme, then in the light one, and leaves the page dark. */
  const check = async (screen: string, shots?: { dark: string; light: string }): Promise<void> => {
    // Let dialogs finish opening and images settle before judging contrast.
    await page.waitForTimeout(150);
    for (const theme of ['dark', 'light'] as const) {
      await showTheme(theme);
      if (shots) await page.screenshot({ path: join(SCREENSHOTS, shots[theme]) });
      rows.push({ screen, theme, found: await axe() });
    }
    await showTheme('dark');
  };

  const gallery = () => page.getByRole('region', { name: 'Gallery' });
  const thumbs = () => gallery().locator('button.thumb');
  const dialog = (name: string | RegExp) => page.getByRole('dialog', { name });
  /** Opens a dialog with `open`, checks it, closes it with Escape. */
  const checkDialog = async (screen: string, name: string | RegExp, open: () => Promise<void>): Promise<void> => {
    await open();
    await dialog(name)
      .first()
      .waitFor({ timeout: 15_000 })
      .catch(async (err: unknown) => {
        await page.screenshot({ path: join(SCREENSHOTS, 'accessibility-failed.png') });
        console.log(`page errors so far:\n${errors.join('\n')}`);
        throw err;
      });
    await check(screen);
    await page.keyboard.press('Escape');
    await dialog(name).first().waitFor({ state: 'hidden' });
  };

  it('finds no serious or critical violation on any screen, in either theme', async () => {
    const started = Date.now();

    // First run: the welcome makes the project.
    const welcome = dialog('Welcome to Atelier');
    await welcome.waitFor({ timeout: 20_000 });
    await check('first-run welcome');
    await welcome.getByRole('radio', { name: /OpenAI/ }).check();
    await check('first-run welcome, key');
    await welcome.getByRole('radio', { name: /Sandbox/ }).check();
    await welcome.getByRole('textbox', { name: 'Project name' }).fill('Moon shoot');
    await welcome.getByRole('button', { name: 'Create project' }).click();
    await welcome.waitFor({ state: 'hidden' });
    await page.getByRole('treeitem', { name: /Moon shoot/ }).waitFor();
    await check('gallery, empty');

    // Photos, and a smaller copy of one (flagged as a near-duplicate).
    const small = join(dir, 'astronaut-small.jpg');
    await sharp(join(GOOD_IMAGES, 'astronaut.png')).resize(200).jpeg({ quality: 70 }).toFile(small);
    const files = ['astronaut.png', 'chelsea.png', 'coffee.png', 'rocket.jpg', 'motorcycle_left.png', 'hubble_deep_field.jpg'];
    await page.getByTestId('import-files').setInputFiles([...files.map((f) => join(GOOD_IMAGES, f)), small]);
    const report = page.getByRole('group', { name: 'Import report' });
    await report.waitFor({ timeout: 60_000 });
    await expect.poll(() => report.textContent(), { timeout: 60_000 }).toContain('7 imported');
    await expect.poll(() => thumbs().count(), { timeout: 30_000 }).toBe(7);
    await check('import report');
    await report.getByRole('list', { name: 'Near-duplicates' }).getByRole('button', { name: /^Stack .* with the image it resembles$/ }).click();
    await expect.poll(() => thumbs().count(), { timeout: 10_000 }).toBe(6);
    await page.getByRole('region', { name: 'Tasks' }).getByRole('button', { name: 'Dismiss' }).click();
    await page.waitForFunction(() => Array.from(document.querySelectorAll('.thumb img')).every((i) => (i as HTMLImageElement).complete));
    await check('gallery, with images', { dark: 'theme-dark.png', light: 'theme-light.png' });

    await checkDialog('stack', 'Stack', () => gallery().getByRole('button', { name: 'Open stack of 2 images' }).click());

    // Filters.
    await page.getByRole('button', { name: 'Filters', exact: true }).click();
    await check('filters open');
    await page.getByRole('button', { name: 'Filters', exact: true }).click();

    // The viewer; Edit there; a sandbox edit; the chain view of it.
    // Enter on a tile opens it (as a double-click does).
    await thumbs().first().focus();
    await page.keyboard.press('Enter');
    const viewer = dialog('Image viewer');
    await viewer.waitFor();
    await check('viewer');
    await viewer.getByRole('button', { name: 'Edit', exact: true }).click();
    await viewer.waitFor({ state: 'hidden' });
    await check('composer, editing');
    await page.getByRole('textbox', { name: 'Prompt' }).fill('the same, at night');
    await page.getByRole('button', { name: 'Generate', exact: true }).click();
    await gallery().getByRole('img', { name: 'the same, at night', exact: true }).waitFor({ timeout: 30_000 });

    // The mask editor (an OpenAI edit; nothing is sent).
    await page.getByRole('combobox', { name: 'Provider' }).selectOption('openai');
    await page.getByRole('combobox', { name: 'Model' }).selectOption('gpt-image-1.5');
    await checkDialog('mask editor', 'Mask', () => page.getByRole('group', { name: 'Editing' }).getByRole('button', { name: 'Paint mask' }).click());
    await page.getByRole('combobox', { name: 'Provider' }).selectOption('sandbox');
    await page.getByRole('button', { name: 'Stop editing this image' }).click();

    await thumbs().filter({ has: page.getByRole('img', { name: 'the same, at night', exact: true }) }).focus();
    await page.keyboard.press('Enter');
    await viewer.waitFor();
    await viewer.getByRole('button', { name: 'Versions' }).click();
    await dialog('Versions').waitFor();
    await dialog('Versions').getByRole('tree', { name: 'Version tree' }).getByRole('treeitem').nth(1).waitFor();
    await check('chain view');
    await page.keyboard.press('Escape');
    await dialog('Versions').waitFor({ state: 'hidden' });
    if (await viewer.isVisible()) {
      await page.keyboard.press('Escape');
      await viewer.waitFor({ state: 'hidden' });
    }

    // Two images selected (Ctrl-click toggles each): the bulk bar's dialogs, then Compare.
    const clear = page.getByRole('toolbar', { name: 'Selection' }).getByRole('button', { name: 'Clear selection' });
    if (await clear.isVisible()) await clear.click();
    await thumbs().nth(0).click({ modifiers: ['Control'] });
    await thumbs().nth(1).click({ modifiers: ['Control'] });
    await check('selection (bulk bar)');
    await checkDialog('tag dialog', 'Add tags', () => page.getByRole('toolbar', { name: 'Selection' }).getByRole('button', { name: 'Tag…' }).click());
    await expect.poll(() => page.getByRole('toolbar', { name: 'Selection' }).textContent()).toContain('2 selected');
    await checkDialog('move images dialog', /^Move 2 images/, () => page.getByRole('toolbar', { name: 'Selection' }).getByRole('button', { name: 'Move to…' }).click());
    await page.getByRole('button', { name: 'Compare', exact: true }).click();
    const compare = dialog('Compare images');
    await compare.waitFor();
    await expect.poll(() => compare.locator('img').count(), { timeout: 15_000 }).toBeGreaterThan(1);
    await check('compare');
    await page.keyboard.press('Escape');
    await compare.waitFor({ state: 'hidden' });
    await thumbs().nth(1).click({ modifiers: ['Control'] });
    await checkDialog('add to collection dialog', /to a collection$/, () =>
      page.getByRole('toolbar', { name: 'Selection' }).getByRole('button', { name: 'Add to collection…' }).click(),
    );
    await checkDialog('title and note dialog', 'Title and note', () => page.getByRole('toolbar', { name: 'Selection' }).getByRole('button', { name: 'Title and note…' }).click());
    await checkDialog('compare models', 'Compare models', () => page.getByRole('button', { name: 'Compare models' }).click());

    // Settings and each of its sections.
    await page.getByRole('button', { name: 'Settings' }).click();
    const settings = dialog('Settings');
    await settings.waitFor();
    for (const tab of ['Apiframe', 'EvoLink', 'OpenAI', 'OpenAI-compatible', 'Prices']) {
      await settings.getByRole('tab', { name: tab, exact: true }).click();
      await check(`settings: ${tab}`);
    }
    await page.keyboard.press('Escape');
    await settings.waitFor({ state: 'hidden' });

    await checkDialog('spend', 'Spend', () => page.getByRole('button', { name: 'Spend' }).click());
    await checkDialog('library care', 'Library care', () => page.getByRole('button', { name: 'Library', exact: true }).click());
    await checkDialog('export', 'Export images', () => page.getByRole('button', { name: 'Export', exact: true }).click());

    // The project's dialogs.
    const projects = page.getByRole('group', { name: 'Project actions' });
    await checkDialog('new project', 'New project', () => page.getByRole('button', { name: 'New project' }).click());
    await checkDialog('new folder', /^New folder in/, () => projects.getByRole('button', { name: 'New folder' }).click());
    await checkDialog('rename', /^Rename/, () => projects.getByRole('button', { name: 'Rename' }).click());
    await checkDialog('move folder', /^Move “Moon shoot”/, () => projects.getByRole('button', { name: 'Move to…' }).click());
    await page.getByRole('button', { name: 'Delete' }).first().click();
    await page.getByRole('alertdialog').waitFor();
    await check('delete project');
    await page.keyboard.press('Escape');
    await page.getByRole('alertdialog').waitFor({ state: 'hidden' });

    // The queue drawer, the shortcut sheet.
    await page.getByRole('button', { name: /^Queue/ }).click();
    await page.getByRole('complementary', { name: 'Queue' }).waitFor();
    await check('queue drawer');
    await page.getByRole('button', { name: /^Queue/ }).click();
    await checkDialog('keyboard shortcuts', 'Keyboard shortcuts', () => page.keyboard.press('?'));

    // The trash, with an image in it.
    await page.getByRole('toolbar', { name: 'Selection' }).getByRole('button', { name: 'Move to trash' }).click();
    await expect.poll(() => thumbs().count()).toBe(6);
    await page.getByRole('button', { name: /^Trash/ }).click();
    await expect.poll(() => gallery().getByRole('heading').first().textContent()).toContain('Trash');
    await expect.poll(() => thumbs().count(), { timeout: 10_000 }).toBe(1);
    await check('trash view');
    await page.getByRole('button', { name: 'Empty trash' }).click();
    await page.getByRole('alertdialog', { name: 'Empty the trash?' }).waitFor();
    await check('empty trash confirmation');
    await page.keyboard.press('Escape');
    await page.getByRole('alertdialog').waitFor({ state: 'hidden' });

    const failing = printTable(started);
    expect(failing.map((r) => `${r.screen} [${r.theme}]: ${r.found.map((f) => f.id).join(', ')}`)).toEqual([]);
    expect(errors).toEqual([]);
  });

  /** Prints the table (and the details of what failed); returns the failing rows. */
  function printTable(started: number): Row[] {
    reported = true;
    const seconds = (Date.now() - started) / 1000;
    const table = rows.map((r) => {
      const v = r.found.map((f) => `${f.id}(${f.impact}, ${f.nodes})`).join(', ') || '0';
      return `${r.screen.padEnd(28)} ${r.theme.padEnd(6)} ${v}`;
    });
    console.log(
      ['accessibility: screens × serious/critical violations (axe-core, WCAG 2.x A/AA)', ...table, `screens=${rows.length / 2} checks=${rows.length} seconds=${seconds.toFixed(1)}`].join('\n'),
    );
    const failing = rows.filter((r) => r.found.length > 0);
    for (const r of failing) console.log(`${r.screen} [${r.theme}]\n${r.found.map((f) => `  ${f.id}: ${f.targets.join(' ')}\n    ${f.summary}`).join('\n')}`);
    return failing;
  }
});
