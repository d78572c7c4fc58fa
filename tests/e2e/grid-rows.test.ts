/**
 * The grid's rows are memoised (features/gallery/Grid.tsx GridRow, `sameRow`): a row on screen renders again only
 * when its own tiles, the selection, the tab stop in it or the layout changed. These are the paths where a kept row
 * could show or act on a stale list, as a person would take them in the built app in the local web host (Debian
 * Chromium), on a library of 450 real small images (bench/library/build.ts) so the grid loads them in pages of 200:
 * - a Shift-click on a checkbox of the first page, anchored on an image of a page appended while the rows were on
 *   screen, selects the whole range between them;
 * - the language switched in Settings while rows are on screen: their checkboxes' names and the rating badges follow;
 * - an image trashed from the keyboard: the tiles after it move up (their positions and the list's size too) and
 *   focus stays on the tile that took its place (it went to the sidebar's tree, clicked earlier to open the library,
 *   when the tree's rows changed), and its toast leaves Generate uncovered;
 * - a window of the smallest size (960 × 600): a row of tiles stays in view and the composer's status fits beside its
 *   buttons (the composer stacked into a column there and took the gallery's whole height).
 */
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { Locator } from 'playwright-core';
import { buildLibrary } from '../../bench/library/build';
import { createApp } from '../../src/main/app';
import { useWebApp } from './harness';

const N = 450;

describe('grid rows kept while the list, the language or the selection change', () => {
  const app = useWebApp('atelier-e2e-grid-rows-', async (dir) => {
    const lib = await createApp({ dataDir: dir, env: {}, keychainService: `atelier-e2e-grid-rows-${process.pid}`, logger: pino({ level: 'silent' }) });
    try {
      await buildLibrary(lib, N, 24);
    } finally {
      await lib.close();
    }
    return {};
  });

  const grid = (): Locator => app.page.locator('.grid-scroll');
  const tile = (i: number): Locator => grid().locator(`[data-tile-index="${i}"]`);
  const check = (i: number): Locator => grid().locator(`.cell:has([data-tile-index="${i}"]) input.thumb-check`);
  const selectedCount = async (): Promise<number> => {
    const bar = app.page.getByRole('toolbar', { name: 'Selection' });
    if ((await bar.count()) === 0) return 0;
    return Number(/(\d+) selected/.exec((await bar.textContent()) ?? '')?.[1] ?? 0);
  };
  const setSize = (): Promise<number> =>
    app.page.evaluate(() => Number(document.querySelector('.grid-scroll [role="listitem"]')?.getAttribute('aria-setsize') ?? 0));
  let cols = 0;

  it('opens the library of 450 images at the smallest thumbnails', async () => {
    await app.page.getByRole('treeitem', { name: 'Bench library' }).click();
    await tile(0).waitFor({ timeout: 30_000 });
    const slider = app.page.getByRole('slider', { name: 'Thumbnail size' });
    await slider.focus();
    await app.page.keyboard.press('Home');
    await expect.poll(() => slider.getAttribute('aria-valuenow')).toBe('80');
    await expect.poll(setSize, { timeout: 10_000 }).toBe(N);
    cols = await grid().locator('.grid-row').first().locator('button.thumb').count();
    expect(cols).toBeGreaterThan(4);
  });

  it('Shift-click on a first-page checkbox, anchored on an appended page, selects the range between them', async () => {
    // The row holding tile 200 (the first of the second page) near the bottom of the viewport, rows of the first
    // page above it.
    await grid().evaluate((el, c) => {
      const row = Math.floor(200 / c);
      const cell = (el.querySelector('.cell') as HTMLElement).offsetWidth + 6;
      el.scrollTop = Math.max(0, (row + 1) * cell - el.clientHeight + 12);
    }, cols);
    await tile(200).waitFor({ timeout: 10_000 });
    const from = 200 - 2 * cols;
    await tile(from).waitFor();
    await check(200).check();
    await expect.poll(selectedCount).toBe(1);
    await check(from).click({ modifiers: ['Shift'] });
    await expect.poll(selectedCount).toBe(2 * cols + 1);
    const selected = await grid()
      .locator('.cell.is-selected [data-tile-index]')
      .evaluateAll((els) => els.map((el) => Number(el.getAttribute('data-tile-index'))));
    expect(selected).toEqual(Array.from({ length: 2 * cols + 1 }, (_, k) => from + k));
  });

  it('the language switched in Settings renames the checkboxes and the badges of the rows on screen', async () => {
    const rated = grid().locator('.thumb-meta [aria-label]').filter({ hasText: /\d/ }).first();
    await rated.waitFor();
    expect(await rated.getAttribute('aria-label')).toMatch(/^\d stars?$/);
    expect(await check(200).getAttribute('aria-label')).toMatch(/^Select /);
    await app.page.getByRole('button', { name: 'Settings' }).click();
    const settings = app.page.getByRole('dialog', { name: 'Settings' });
    await settings.getByRole('combobox', { name: 'Language' }).selectOption('ko');
    await app.page.getByRole('dialog', { name: '설정' }).waitFor();
    await app.page.keyboard.press('Escape');
    await app.page.getByRole('dialog', { name: '설정' }).waitFor({ state: 'hidden' });
    await expect.poll(() => check(200).getAttribute('aria-label')).toMatch(/ 선택$/);
    await expect.poll(() => rated.getAttribute('aria-label')).toMatch(/^별점 \d점$/);
    expect(await app.page.getByRole('list', { name: '이미지' }).count()).toBe(1);
    // Back to English, for the next test (the choice is kept in the library).
    await app.page.getByRole('button', { name: '설정' }).click();
    await app.page.getByRole('dialog', { name: '설정' }).getByRole('combobox', { name: '언어' }).selectOption('en');
    await app.page.getByRole('dialog', { name: 'Settings' }).waitFor();
    await app.page.keyboard.press('Escape');
    await expect.poll(() => check(200).getAttribute('aria-label')).toMatch(/^Select /);
  });

  it('Delete on a focused tile: the tiles after it move up, the list shrinks, focus takes the next tile', async () => {
    const at = 200 - cols - 1;
    await tile(at).focus();
    await app.page.keyboard.press('Escape'); // clear the selection
    await expect.poll(selectedCount).toBe(0);
    await app.page.keyboard.press('Space');
    await expect.poll(selectedCount).toBe(1);
    const ids = await Promise.all([at, at + 1, at + cols + 1].map((i) => tile(i).getAttribute('data-asset-id')));
    await app.page.keyboard.press('Delete');
    // Its toast (Undo for 8 s) leaves Generate uncovered.
    const toast = app.page.getByRole('region', { name: 'Notifications' }).getByRole('status').filter({ hasText: '1 image moved to the trash.' });
    await toast.waitFor({ timeout: 10_000 });
    const tb = (await toast.boundingBox())!;
    const gb = (await app.page.getByRole('button', { name: 'Generate', exact: true }).boundingBox())!;
    expect(tb.y + tb.height <= gb.y || gb.y + gb.height <= tb.y || tb.x + tb.width <= gb.x || gb.x + gb.width <= tb.x).toBe(true);
    await expect.poll(() => tile(at).getAttribute('data-asset-id'), { timeout: 10_000 }).toBe(ids[1]);
    // The first tile of the next row moved to the end of this one.
    expect(await tile(at + cols).getAttribute('data-asset-id')).toBe(ids[2]);
    await expect.poll(setSize).toBe(N - 1);
    // Focus stays in the grid: the sidebar's tree, clicked to open the library, does not take it back when its
    // rows change (the folder's count after the trash).
    const active = (): Promise<string | null> => app.page.evaluate(() => document.activeElement?.getAttribute('data-asset-id') ?? null);
    await expect.poll(active).toBe(ids[1]);
    await app.page.waitForTimeout(500);
    expect(await active()).toBe(ids[1]);
    expect(await tile(at).getAttribute('tabindex')).toBe('0');
  });

  it("Stack from the bulk bar by keyboard: the bar goes with the selection, and focus goes to the grid, not the page", async () => {
    const at = 200 - 2 * cols;
    await tile(at).focus();
    await app.page.keyboard.press('Escape');
    await app.page.keyboard.press('Space');
    await app.page.keyboard.press('Shift+ArrowRight');
    await expect.poll(selectedCount).toBe(2);
    const cover = await tile(at).getAttribute('data-asset-id');
    const stackButton = app.page.getByRole('toolbar', { name: 'Selection' }).getByRole('button', { name: 'Stack', exact: true });
    await stackButton.focus();
    await app.page.keyboard.press('Enter');
    await grid().locator(`#stack-${cover}`).waitFor({ timeout: 10_000 });
    await expect.poll(selectedCount).toBe(0);
    const activeInGrid = (): Promise<boolean> =>
      app.page.evaluate(() => !!document.activeElement?.closest('.grid-scroll') && document.activeElement !== document.body);
    await expect.poll(activeInGrid).toBe(true);
  });

  it('Home on the first tile, then typing in the prompt: a later change of the grid does not take focus back', async () => {
    await grid().evaluate((el) => (el.scrollTop = 0));
    await tile(0).focus();
    await app.page.keyboard.press('Escape');
    await app.page.keyboard.press('Home'); // already there: nothing to move
    const prompt = app.page.getByRole('textbox', { name: 'Prompt' });
    await prompt.click();
    await app.page.keyboard.type('Fog ');
    // The grid renders again (a checkbox toggled by a script: the selection changes, focus does not move).
    await check(1).evaluate((el) => (el as HTMLInputElement).click());
    await expect.poll(selectedCount).toBe(1);
    await app.page.waitForTimeout(300);
    await app.page.keyboard.type('5');
    expect(await prompt.inputValue()).toBe('Fog 5');
    expect(await prompt.evaluate((el) => el === document.activeElement)).toBe(true);
    await prompt.fill('');
    await tile(0).focus();
    await app.page.keyboard.press('Escape');
  });

  it('Home on the first tile, then a click on another tile: focus stays on the tile clicked', async () => {
    await tile(0).focus();
    await app.page.keyboard.press('Home');
    await tile(3).click();
    await expect.poll(selectedCount).toBe(1);
    await app.page.waitForTimeout(300);
    const id3 = await tile(3).getAttribute('data-asset-id');
    expect(await app.page.evaluate(() => document.activeElement?.getAttribute('data-asset-id') ?? null)).toBe(id3);
    // Enter opens the image focused, the one clicked.
    await app.page.keyboard.press('Enter');
    const viewer = app.page.getByRole('dialog', { name: 'Image viewer' });
    await viewer.waitFor();
    await app.page.keyboard.press('Escape');
    await viewer.waitFor({ state: 'hidden' });
    await tile(3).focus();
    await app.page.keyboard.press('Escape');
    await expect.poll(selectedCount).toBe(0);
  });

  it('Move to… from the bulk bar: once the dialog closes, focus is on the grid, not the page', async () => {
    await tile(4).focus();
    await app.page.keyboard.press('Space');
    await expect.poll(selectedCount).toBe(1);
    const moved = await tile(4).getAttribute('data-asset-id');
    await app.page.getByRole('toolbar', { name: 'Selection' }).getByRole('button', { name: 'Move to…' }).click();
    const dialog = app.page.getByRole('dialog', { name: 'Move 1 image' });
    await dialog.waitFor();
    await dialog.getByRole('radio', { name: 'Small project' }).check();
    await dialog.getByRole('button', { name: 'Move', exact: true }).click();
    await dialog.waitFor({ state: 'hidden' });
    await expect.poll(() => grid().locator(`[data-asset-id="${moved}"]`).count(), { timeout: 10_000 }).toBe(0);
    const activeInGrid = (): Promise<boolean> => app.page.evaluate(() => !!document.activeElement?.closest('.grid-scroll'));
    await expect.poll(activeInGrid).toBe(true);
  });

  it('in a window of the smallest size (960 × 600) the grid keeps a whole row of tiles in view above the composer', async () => {
    await app.page.keyboard.press('Escape'); // clear the selection
    await expect.poll(selectedCount).toBe(0);
    await app.page.setViewportSize({ width: 960, height: 600 }); // src/main/window.ts minWidth, minHeight
    try {
      const room = async (): Promise<number> => {
        const g = await grid().boundingBox();
        const c = await grid().locator('.cell').first().boundingBox();
        return g && c ? g.height - c.height : -1;
      };
      await expect.poll(room).toBeGreaterThanOrEqual(12);
      // The composer is all there too: its Generate button inside the window.
      const generate = (await app.page.getByRole('button', { name: 'Generate', exact: true }).boundingBox())!;
      expect(generate.y + generate.height).toBeLessThanOrEqual(600);
      // Its status line ("Free (sandbox)", the key to generate) fits its box: it does not run under the buttons.
      const status = app.page.locator('.composer-status');
      expect(await status.evaluate((el) => el.scrollWidth - el.clientWidth)).toBeLessThanOrEqual(1);
      const cmp = (await app.page.getByRole('button', { name: 'Compare models' }).boundingBox())!;
      const st = (await status.boundingBox())!;
      expect(st.y + st.height <= cmp.y || st.x + st.width <= cmp.x).toBe(true);
    } finally {
      await app.page.setViewportSize({ width: 1440, height: 900 });
    }
    expect(app.errors.filter((e) => !/favicon/.test(e))).toEqual([]);
  });
});
