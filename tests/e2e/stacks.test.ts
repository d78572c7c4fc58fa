/**
 * Stacks in Debian Chromium against the built web host: a photo and a resized copy of it (made here with sharp)
 * imported through the file input; the import report flags the copy as a near-duplicate and "Stack them" stacks
 * the two; the gallery shows one tile with "2"; the stack opens (keyboard S) with both images and is unstacked;
 * two selected tiles are stacked again from the bulk bar. Screenshot: docs/screenshots/stacks.png.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { GOOD_IMAGES, SCREENSHOTS } from '../helpers/paths';
import { newProject, useWebApp } from './harness';

describe('stacks in the browser', () => {
  const app = useWebApp('atelier-e2e-stacks-', {}, { library: 'lib' });

  const gallery = () => app.page.getByRole('region', { name: 'Gallery' });
  const tiles = () => gallery().getByRole('list', { name: 'Images' }).getByRole('listitem');

  it('flags a resized copy on import, stacks it, shows one tile with 2, opens and unstacks it', async () => {
    await newProject(app.page, 'Moon shoot');

    // A photo, another one, and a smaller JPEG copy of the first.
    const small = join(app.dir, 'astronaut-small.jpg');
    await sharp(join(GOOD_IMAGES, 'astronaut.png')).resize(200).jpeg({ quality: 70 }).toFile(small);
    await app.page.getByTestId('import-files').setInputFiles([join(GOOD_IMAGES, 'astronaut.png'), join(GOOD_IMAGES, 'chelsea.png'), small]);
    const report = app.page.getByRole('group', { name: 'Import report' });
    await report.waitFor({ timeout: 60_000 });
    await expect.poll(() => report.textContent()).toContain('3 imported · 0 skipped · 0 duplicates · 1 similar');
    const similar = report.getByRole('list', { name: 'Near-duplicates' });
    // Whichever of the two arrives second is the one flagged (the browser uploads them concurrently).
    expect(await similar.textContent()).toMatch(/astronaut(-small\.jpg|\.png)/);
    await expect.poll(() => tiles().count(), { timeout: 20_000 }).toBe(3);

    // "Stack them": the copy goes under the original; the gallery shows one tile for both, with "2".
    await similar.getByRole('button', { name: /^Stack astronaut.* with the image it resembles$/ }).click();
    await expect.poll(() => similar.textContent()).toContain('stacked');
    await expect.poll(() => tiles().count(), { timeout: 10_000 }).toBe(2);
    const badge = gallery().getByRole('button', { name: 'Open stack of 2 images' });
    expect(await badge.textContent()).toBe('2');
    await expect.poll(() => gallery().textContent()).toContain('2 images');
    await app.page.getByRole('region', { name: 'Tasks' }).getByRole('button', { name: 'Dismiss' }).click();
    await mkdir(SCREENSHOTS, { recursive: true });
    await badge.hover();
    await app.page.screenshot({ path: join(SCREENSHOTS, 'stacks.png') });

    // Open the stack from the keyboard (S on the cover tile): both images, the original as the cover.
    const coverId = await gallery().getByRole('button', { name: 'Open stack of 2 images' }).evaluate((el) => el.id.replace(/^stack-/, ''));
    await gallery().locator(`[data-asset-id="${coverId}"]`).focus();
    await app.page.keyboard.press('s');
    const dialog = app.page.getByRole('dialog', { name: 'Stack' });
    await dialog.waitFor();
    const members = dialog.getByRole('list', { name: 'Images in the stack' });
    await expect.poll(() => members.getByRole('listitem').count()).toBe(2);
    expect(await members.getByRole('listitem').first().textContent()).toContain('Cover');
    expect(await members.getByRole('img').count()).toBe(2);
    // The full-size original is the cover, whichever arrived first.
    expect(await members.getByRole('listitem').first().textContent()).toContain('512×512');

    // Unstack: three tiles again, no badge.
    await dialog.getByRole('button', { name: 'Unstack' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await expect.poll(() => tiles().count()).toBe(3);
    expect(await gallery().getByRole('button', { name: /^Open stack/ }).count()).toBe(0);

    // Stack from the selection: Ctrl-click two tiles, "Stack" in the bulk bar; the first selected is the cover.
    const thumbs = gallery().locator('button.thumb');
    const firstId = await thumbs.nth(0).getAttribute('data-asset-id');
    await thumbs.nth(0).click({ modifiers: ['Control'] });
    await thumbs.nth(2).click({ modifiers: ['Control'] });
    await app.page.getByRole('toolbar', { name: 'Selection' }).getByRole('button', { name: 'Stack', exact: true }).click();
    await expect.poll(() => tiles().count()).toBe(2);
    const again = gallery().getByRole('button', { name: 'Open stack of 2 images' });
    expect(await again.getAttribute('id')).toBe(`stack-${firstId}`);
    expect(app.errors).toEqual([]);
  });
});
