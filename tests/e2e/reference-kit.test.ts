/**
 * Reference kits end to end (issue 13), as a person would: the built web host, Debian Chromium, the offline
 * sandbox. Two images made and selected in the gallery are saved as a kit ("Save as reference kit…"); the kit is
 * listed in the composer's references area, added to the references in one action, and generating with it makes the
 * kit say "used in 1 generation" and show the image it made; rename and delete (asked first). Screenshot:
 * reference-kit.png.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SCREENSHOTS } from '../helpers/paths';
import { newProject, useWebApp } from './harness';

const LOGO = 'A red fox logo, flat vector';
const MUG = 'The fox logo printed on a white mug';

describe('reference kits', () => {
  const app = useWebApp('atelier-e2e-kits-', { ATELIER_SANDBOX_JOB_MS: '300' });

  it('saves a kit from the gallery, reuses it in the composer, counts and shows its generations, renames and deletes it', async () => {
    const { page } = app;
    await newProject(page, 'Brand');
    await page.getByRole('combobox', { name: 'Provider' }).selectOption('sandbox');
    await page.getByRole('spinbutton', { name: 'Number of images' }).fill('2');
    await page.getByRole('textbox', { name: 'Prompt' }).fill(LOGO);
    await page.getByRole('button', { name: 'Generate', exact: true }).click();
    const gallery = page.getByRole('region', { name: 'Gallery' });
    await expect.poll(() => gallery.getByRole('img', { name: LOGO }).count(), { timeout: 30_000 }).toBe(2);

    // Select both and save them as a kit.
    const images = gallery.getByRole('list', { name: 'Images' });
    await images.getByRole('checkbox', { name: `Select ${LOGO}` }).nth(0).check();
    await images.getByRole('checkbox', { name: `Select ${LOGO}` }).nth(1).check();
    const bar = page.getByRole('toolbar', { name: 'Selection' });
    await expect.poll(() => bar.textContent()).toContain('2 selected');
    await bar.getByRole('button', { name: 'Save as reference kit…' }).click();
    const save = page.getByRole('dialog', { name: 'Save as reference kit' });
    await save.getByRole('textbox', { name: 'Kit name' }).fill('Fox');
    await save.getByRole('button', { name: 'Save kit' }).click();
    await expect.poll(() => save.count(), { timeout: 10_000 }).toBe(0);
    await bar.getByRole('button', { name: 'Clear selection' }).click();

    const kits = page.getByRole('list', { name: 'Reference kits' });
    const fox = kits.getByRole('listitem', { name: 'Fox' });
    await expect.poll(() => fox.textContent(), { timeout: 10_000 }).toContain('2 images · used in 0 generations');

    // One action puts both images in the references.
    await fox.getByRole('button', { name: 'Add the kit “Fox” to the references' }).click();
    const staged = page.getByRole('list', { name: 'Staged reference images' });
    await expect.poll(() => staged.getByRole('listitem').count(), { timeout: 10_000 }).toBe(2);
    await page.getByRole('spinbutton', { name: 'Number of images' }).fill('1');
    await page.getByRole('textbox', { name: 'Prompt' }).fill(MUG);
    await page.getByRole('button', { name: 'Generate', exact: true }).click();
    await expect.poll(() => gallery.getByRole('img', { name: MUG }).count(), { timeout: 30_000 }).toBe(1);
    await expect.poll(() => fox.textContent(), { timeout: 10_000 }).toContain('used in 1 generation');
    const mug = gallery.getByRole('img', { name: MUG });
    await expect.poll(() => mug.evaluate((e) => (e as HTMLImageElement).complete && (e as HTMLImageElement).naturalWidth > 0), { timeout: 10_000 }).toBe(true);
    await page.screenshot({ path: join(SCREENSHOTS, 'reference-kit.png') });

    // It opens the image that generation made.
    await fox.getByRole('button', { name: 'Show the images made with “Fox”' }).click();
    const made = page.getByRole('dialog', { name: 'Images made with “Fox”' });
    await expect.poll(() => made.getByRole('img', { name: MUG }).count(), { timeout: 10_000 }).toBe(1);
    await made.getByRole('button', { name: 'Close' }).click();

    // Rename, then delete (asked first).
    await fox.getByRole('button', { name: 'Rename the kit “Fox”…' }).click();
    const rename = page.getByRole('dialog', { name: 'Rename the kit “Fox”' });
    await rename.getByRole('textbox', { name: 'Kit name' }).fill('Fox mascot');
    await rename.getByRole('button', { name: 'Rename' }).click();
    const mascot = kits.getByRole('listitem', { name: 'Fox mascot' });
    await mascot.waitFor({ timeout: 10_000 });
    await mascot.getByRole('button', { name: 'Delete the kit “Fox mascot”…' }).click();
    const confirm = page.getByRole('alertdialog', { name: 'Delete the kit “Fox mascot”?' });
    await confirm.getByRole('button', { name: 'Delete' }).click();
    await expect.poll(() => kits.count(), { timeout: 10_000 }).toBe(0);
    // The images stay.
    expect(await gallery.getByRole('img', { name: LOGO }).count()).toBe(2);
    expect(app.errors).toEqual([]);
  });
});
