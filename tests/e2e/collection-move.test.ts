/**
 * Moving images to another folder while the gallery shows a collection, end to end in the built web host and Debian
 * Chromium: the moved images are still members of the collection, so they stay on screen throughout — the test
 * records the gallery's image count on every change of the grid from the click on Move until the view has been read
 * again, and none reads fewer. Outside a collection (the project on screen) moved images leave the grid.
 */
import { describe, expect, it } from 'vitest';
import { newProject, useWebApp } from './harness';

const PROMPT = 'Fishing boats tied up in a small harbour at dawn';

describe('move in a collection view', () => {
  const app = useWebApp('atelier-e2e-collection-move-', { ATELIER_SANDBOX_JOB_MS: '300' });

  it('keeps the moved images on screen in a collection, and takes them out of the folder they left', async () => {
    const { page } = app;
    await newProject(page, 'Archive');
    await newProject(page, 'Harbour');
    await page.getByRole('combobox', { name: 'Provider' }).selectOption('sandbox');
    await page.getByRole('spinbutton', { name: 'Number of images' }).fill('3');
    await page.getByRole('textbox', { name: 'Prompt' }).fill(PROMPT);
    await page.getByRole('button', { name: 'Generate', exact: true }).click();
    const gallery = page.getByRole('region', { name: 'Gallery' });
    const images = gallery.getByRole('list', { name: 'Images' });
    await expect.poll(() => gallery.getByRole('img', { name: PROMPT }).count(), { timeout: 60_000 }).toBe(3);

    // The three into a manual collection, which is then opened.
    for (let i = 0; i < 3; i++) await images.getByRole('checkbox', { name: `Select ${PROMPT}` }).nth(i).check();
    const bar = page.getByRole('toolbar', { name: 'Selection' });
    await expect.poll(() => bar.textContent()).toContain('3 selected');
    await bar.getByRole('button', { name: 'Add to collection…' }).click();
    const collect = page.getByRole('dialog', { name: 'Add 3 images to a collection' });
    await collect.getByRole('textbox', { name: 'Collection name' }).fill('Keepers');
    await collect.getByRole('button', { name: 'Add', exact: true }).click();
    await collect.waitFor({ state: 'hidden' });
    const keepers = page.getByRole('navigation').getByRole('list', { name: 'Collections' }).getByRole('button', { name: /^Keepers/ });
    await expect.poll(() => keepers.textContent(), { timeout: 15_000 }).toMatch(/3$/);
    await keepers.click();
    await expect.poll(() => gallery.getByRole('heading', { level: 2 }).textContent(), { timeout: 15_000 }).toBe('Keepers');
    await expect.poll(() => gallery.getByRole('img', { name: PROMPT }).count(), { timeout: 15_000 }).toBe(3);

    // Every change of the grid from here on: how many images it shows.
    await gallery.evaluate((region) => {
      const seen: number[] = [];
      (window as unknown as { seenCounts: number[] }).seenCounts = seen;
      const note = (): void => {
        seen.push(region.querySelectorAll('[role="list"][aria-label="Images"] img').length);
      };
      const observer = new MutationObserver(note);
      observer.observe(region, { subtree: true, childList: true, attributes: true });
      (window as unknown as { stopSeen: () => void }).stopSeen = () => observer.disconnect();
    });

    // Two of them moved to the other project, from the collection.
    await images.getByRole('checkbox', { name: `Select ${PROMPT}` }).nth(0).check();
    await images.getByRole('checkbox', { name: `Select ${PROMPT}` }).nth(1).check();
    await expect.poll(() => bar.textContent()).toContain('2 selected');
    await bar.getByRole('button', { name: 'Move to…' }).click();
    const move = page.getByRole('dialog', { name: 'Move 2 images' });
    await move.getByRole('radio', { name: /^Archive/ }).check();
    // The view is read again after the move (library.changed): wait for that read to come back.
    const reread = page.waitForResponse((r) => r.url().includes('/api/call/assets.query'), { timeout: 20_000 });
    await move.getByRole('button', { name: 'Move', exact: true }).click();
    await move.waitFor({ state: 'hidden' }); // after the move call returned
    await reread;
    // Two frames for React to apply the page that came back.
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    const counts = await page.evaluate(() => {
      (window as unknown as { stopSeen: () => void }).stopSeen();
      return (window as unknown as { seenCounts: number[] }).seenCounts;
    });
    expect(counts.length).toBeGreaterThan(0);
    expect(counts.filter((n) => n !== 3)).toEqual([]);
    expect(await gallery.getByRole('img', { name: PROMPT }).count()).toBe(3);

    // In the project they left, they are gone; the other project holds them.
    await page.getByRole('treeitem', { name: 'Harbour' }).click();
    await expect.poll(() => gallery.getByRole('img', { name: PROMPT }).count(), { timeout: 15_000 }).toBe(1);
    await page.getByRole('treeitem', { name: 'Archive' }).click();
    await expect.poll(() => gallery.getByRole('img', { name: PROMPT }).count(), { timeout: 15_000 }).toBe(2);
    expect(app.errors.filter((e) => !/favicon/.test(e))).toEqual([]);
  });
});
