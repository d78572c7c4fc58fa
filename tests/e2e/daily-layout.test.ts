/**
 * Issue 11, bugs 3, 6, 7, 8, 9 and 10 (queued time, estimates), as a person would: the built app in the local web
 * host, Debian Chromium, the offline sandbox. A finished import report leaves Generate uncovered; badges never
 * overlap at the smallest thumbnails; Number of images refuses 0, 11 and 2.5 with the range; OpenAI's edit bar
 * keeps "Editing" and the parent's name readable; the mask editor's [ and ] work wherever focus is in it; a queued
 * job says Queued; an estimate leaves out a zero part.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Locator } from 'playwright-core';
import { GOOD_IMAGES, SCREENSHOTS } from '../helpers/paths';
import { newProject, useWebApp } from './harness';

const PROMPT = 'A paper boat on a rain puddle, city reflections';

type Box = { x: number; y: number; width: number; height: number };
const overlap = (a: Box, b: Box): boolean =>
  a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
const box = async (l: Locator): Promise<Box> => {
  const b = await l.boundingBox();
  if (!b) throw new Error(`no box for ${String(l)}`);
  return b;
};

describe('daily driver: layout', () => {
  const app = useWebApp('atelier-e2e-daily-layout-', { ATELIER_SANDBOX_JOB_MS: '200' });

  const gallery = () => app.page.getByRole('region', { name: 'Gallery' });
  const generateButton = () => app.page.getByRole('button', { name: 'Generate', exact: true });

  it('a finished import report does not cover Generate and stays reachable (bug 3)', async () => {
    await newProject(app.page, 'Rainy day');
    const files = (await readdir(GOOD_IMAGES)).map((f) => join(GOOD_IMAGES, f));
    await app.page.getByTestId('import-files').setInputFiles(files);
    const report = app.page.getByRole('group', { name: 'Import report' });
    await report.waitFor({ timeout: 60_000 });
    await expect.poll(() => report.textContent()).toContain('imported');

    // The report is on screen and so is every composer control, uncovered: a click at Generate's centre lands on it.
    const panel = app.page.getByRole('region', { name: 'Tasks' });
    const composer = app.page.getByRole('region', { name: 'Composer' });
    expect(overlap(await box(panel), await box(composer))).toBe(false);
    const g = await box(generateButton());
    const hit = await app.page.evaluate(({ x, y }) => document.elementFromPoint(x, y)?.closest('button')?.textContent ?? null, {
      x: g.x + g.width / 2,
      y: g.y + g.height / 2,
    });
    expect(hit).toBe('Generate');
    await app.page.screenshot({ path: join(SCREENSHOTS, 'task-report-beside-composer.png') });
    await panel.getByRole('button', { name: 'Dismiss' }).click();
    await panel.waitFor({ state: 'hidden' });
  });

  it('Number of images refuses 0, 11 and 2.5 with the range, next to the field (bug 8)', async () => {
    await app.page.getByRole('combobox', { name: 'Provider' }).selectOption('sandbox');
    await app.page.getByRole('textbox', { name: 'Prompt' }).fill(PROMPT);
    const count = app.page.getByRole('spinbutton', { name: 'Number of images' });
    const max = Number(await count.getAttribute('max'));
    expect(max).toBeGreaterThan(1);
    for (const bad of ['0', String(max + 1), '2.5', '']) {
      await count.fill(bad);
      await expect.poll(() => count.getAttribute('aria-invalid')).toBe('true');
      const describedBy = (await count.getAttribute('aria-describedby'))!;
      expect(await app.page.locator(`[id="${describedBy}"]`).textContent()).toBe(`Enter a whole number from 1 to ${max}.`);
      expect(await generateButton().isDisabled()).toBe(true);
      // Leaving the field does not quietly change what was typed.
      await app.page.getByRole('textbox', { name: 'Prompt' }).focus();
      expect(await count.inputValue()).toBe(bad);
      expect(await generateButton().isDisabled()).toBe(true);
    }
    await count.fill('2');
    expect(await count.getAttribute('aria-invalid')).toBe('false');
    await generateButton().click();
    await expect.poll(() => gallery().getByRole('img', { name: PROMPT }).count(), { timeout: 30_000 }).toBe(2);
  });

  it('rating and flag badges never overlap the provider badge, even at the smallest thumbnails (bug 7)', async () => {
    const images = gallery().getByRole('list', { name: 'Images' });
    await images.getByRole('checkbox', { name: `Select ${PROMPT}` }).nth(0).check();
    const bar = app.page.getByRole('toolbar', { name: 'Selection' });
    await bar.getByRole('button', { name: 'Rate 5 stars' }).click();
    await bar.getByRole('button', { name: 'Pick' }).click();
    await bar.getByRole('button', { name: 'Clear selection' }).click();
    const slider = gallery().getByRole('slider', { name: 'Thumbnail size' });
    await slider.focus();
    await app.page.keyboard.press('Home');
    await expect.poll(() => slider.getAttribute('aria-valuenow')).toBe('80');
    const tile = images.locator('button.thumb', { has: app.page.locator('.thumb-meta') });
    await expect.poll(() => tile.count()).toBe(1);
    const sandbox = tile.locator('.badge-sandbox');
    const meta = tile.locator('.thumb-meta');
    await expect.poll(() => meta.textContent()).toContain('5');
    const a = await box(sandbox);
    const b = await box(meta);
    await tile.screenshot({ path: join(SCREENSHOTS, 'thumb-badges-80px.png') });
    expect(overlap(a, b)).toBe(false);
    // Both stay on the image.
    const frame = await box(tile.locator('.thumb-frame'));
    for (const x of [a, b]) {
      expect(x.x).toBeGreaterThanOrEqual(frame.x - 0.5);
      expect(x.x + x.width).toBeLessThanOrEqual(frame.x + frame.width + 0.5);
      expect(x.y + x.height).toBeLessThanOrEqual(frame.y + frame.height + 0.5);
    }
    await slider.focus();
    await app.page.keyboard.press('End');
  });

  it("OpenAI's edit bar keeps 'Editing' and the parent's name readable; [ and ] work anywhere in the mask editor (bugs 9, 6)", async () => {
    await app.page.setViewportSize({ width: 1280, height: 860 });
    const images = gallery().getByRole('list', { name: 'Images' });
    await images.getByRole('button', { name: `Edit ${PROMPT}` }).first().click();
    await app.page.getByRole('combobox', { name: 'Provider' }).selectOption('openai');
    const editBar = app.page.getByRole('region', { name: 'Composer' }).getByRole('group', { name: 'Editing', exact: true });
    const label = editBar.getByText('Editing', { exact: true });
    const name = editBar.getByText(PROMPT, { exact: true });
    const paint = editBar.getByRole('button', { name: 'Paint mask' });
    await paint.waitFor();
    await editBar.screenshot({ path: join(SCREENSHOTS, 'edit-bar-openai.png') });
    const [l, n, p] = [await box(label), await box(name), await box(paint)];
    expect(overlap(l, p)).toBe(false);
    expect(overlap(n, p)).toBe(false);
    // "Editing" is shown whole, and the name has room for words, not just an ellipsis.
    expect(await label.evaluate((el) => el.scrollWidth <= el.clientWidth + 1)).toBe(true);
    expect(n.width).toBeGreaterThan(100);
    for (const control of [editBar.getByRole('radio').first(), editBar.getByRole('button', { name: 'Versions' })]) {
      const c = await box(control);
      expect(overlap(l, c) || overlap(n, c)).toBe(false);
    }

    // The mask editor: paint a stroke on the canvas (focus is then on no toolbar control), then ] and [.
    await paint.click();
    const mask = app.page.getByRole('dialog', { name: 'Mask' });
    const sizeLabel = mask.getByText(/^Size: \d+ px$/);
    const size = async (): Promise<number> => Number(/\d+/.exec((await sizeLabel.textContent()) ?? '')![0]);
    const start = await size();
    const canvas = mask.getByRole('img', { name: /^Mask canvas/ });
    const c = await box(canvas);
    await app.page.mouse.move(c.x + c.width * 0.4, c.y + c.height * 0.4);
    await app.page.mouse.down();
    await app.page.mouse.move(c.x + c.width * 0.6, c.y + c.height * 0.5);
    await app.page.mouse.up();
    expect(await app.page.evaluate(() => !!document.activeElement?.closest('[role="toolbar"]'))).toBe(false);
    await app.page.keyboard.press(']');
    await expect.poll(size).toBe(start + 8);
    await app.page.keyboard.press(']');
    await app.page.keyboard.press('[');
    await expect.poll(size).toBe(start + 8);
    // And with focus on "Use mask", outside the toolbar.
    await mask.getByRole('button', { name: 'Use mask' }).focus();
    await app.page.keyboard.press('[');
    await expect.poll(size).toBe(start);
    await app.page.keyboard.press('Escape');
    await mask.waitFor({ state: 'hidden' });
    await editBar.getByRole('button', { name: 'Stop editing this image' }).click();
    await app.page.setViewportSize({ width: 1440, height: 900 });
  });

  it('a queued job says Queued; an estimate leaves out a zero part (bug 10)', async () => {
    await app.page.getByRole('combobox', { name: 'Provider' }).selectOption('sandbox');
    await app.page.getByRole('button', { name: 'Queue' }).click();
    const drawer = app.page.getByRole('complementary', { name: 'Queue' });
    await drawer.getByRole('button', { name: 'Pause all' }).click();
    await app.page.getByRole('spinbutton', { name: 'Number of images' }).fill('1');
    await app.page.getByRole('textbox', { name: 'Prompt' }).fill('Waiting in line');
    await generateButton().click();
    const row = drawer.getByRole('listitem').filter({ hasText: 'Waiting in line' });
    await expect.poll(() => row.textContent(), { timeout: 10_000 }).toMatch(/Queued \d{1,2}:\d{2}/);
    expect(await row.textContent()).not.toContain('Started');
    await drawer.getByRole('button', { name: 'Resume all' }).click();
    await expect.poll(() => row.textContent(), { timeout: 30_000 }).toMatch(/Started \d{1,2}:\d{2}/);

    // Compare: Apiframe (credits) beside the sandbox (free, $0): the total is the credits alone.
    await app.page.getByRole('combobox', { name: 'Provider' }).selectOption('apiframe');
    await app.page.getByRole('button', { name: 'Compare models' }).click();
    const dialog = app.page.getByRole('dialog', { name: 'Compare models' });
    const runs = dialog.getByRole('list', { name: 'Runs' });
    // Every run but the first on the sandbox.
    const n = await runs.getByRole('listitem').count();
    for (let i = 2; i <= Math.max(2, n); i++) {
      if (i > n) await dialog.getByRole('button', { name: 'Add a run' }).click();
      await runs.getByRole('listitem', { name: `Run ${i}` }).getByRole('combobox', { name: 'Provider' }).selectOption('sandbox');
    }
    const total = dialog.getByText('Total estimate').locator('..');
    await expect.poll(() => total.textContent()).toMatch(/≈ \d+ credits/);
    expect(await total.textContent()).not.toContain('$');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    expect(app.errors.filter((e) => !/favicon/.test(e))).toEqual([]);
  });
});
