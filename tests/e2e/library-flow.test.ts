/**
 * Issue 6's flow in one go, as a person would: import the fixtures folder's files (bad ones skipped with the
 * reason), generate one image, tag three images with a Korean and a Japanese tag and rate them, find them by each
 * tag, save the search as a smart collection, open it, select all, and export with the "JPEG with recipe" preset:
 * the files' JSON sidecars and XMP carry the prompt.
 */
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { extractXmp } from '../../src/main/services/transfer/xmp';
import { BAD_FILES, GOOD_IMAGES } from '../helpers/paths';
import { newProject, useWebApp } from './harness';

const PROMPT = 'a red umbrella on a rainy street, seen from above';

describe('library: import, tag, find, smart collection, export', () => {
  const app = useWebApp('atelier-e2e-library-', { ATELIER_SANDBOX_JOB_MS: '500' }, { library: 'lib' });

  it('finds by Korean and Japanese tags, saves a smart collection and exports it with the recipe', async () => {
    await newProject(app.page, 'Field trip');
    const gallery = app.page.getByRole('region', { name: 'Gallery' });
    const images = gallery.getByRole('list', { name: 'Images' });

    // Import the fixtures folder's files, the hostile ones with them.
    const files = [
      ...(await readdir(GOOD_IMAGES)).map((f) => join(GOOD_IMAGES, f)),
      ...(await readdir(BAD_FILES)).map((f) => join(BAD_FILES, f)),
    ];
    await app.page.getByTestId('import-files').setInputFiles(files);
    const report = app.page.getByRole('group', { name: 'Import report' });
    await report.waitFor({ timeout: 60_000 });
    await expect.poll(() => report.textContent()).toContain('6 imported · 7 skipped');
    await app.page.getByRole('region', { name: 'Tasks' }).getByRole('button', { name: 'Dismiss' }).click();
    await expect.poll(() => images.getByRole('listitem').count(), { timeout: 20_000 }).toBe(6);

    // One generated image, so there is a prompt to carry.
    await app.page.getByRole('combobox', { name: 'Provider' }).selectOption('sandbox');
    await app.page.getByRole('textbox', { name: 'Prompt' }).fill(PROMPT);
    await app.page.getByRole('button', { name: 'Generate', exact: true }).click();
    await gallery.getByRole('img', { name: PROMPT, exact: true }).waitFor({ timeout: 30_000 });

    // Tag the generated image and two imported ones 바다 and 桜; rate them 4.
    await images.getByRole('checkbox', { name: `Select ${PROMPT}` }).check();
    // Imported images are named by their file.
    await images.getByRole('checkbox', { name: 'Select coffee', exact: true }).check();
    await images.getByRole('checkbox', { name: 'Select astronaut', exact: true }).check();
    const bar = app.page.getByRole('toolbar', { name: 'Selection' });
    await expect.poll(() => bar.textContent()).toContain('3 selected');
    await bar.getByRole('button', { name: 'Tag…' }).click();
    const tagDialog = app.page.getByRole('dialog', { name: 'Add tags' });
    const tagBox = tagDialog.getByRole('combobox', { name: 'Tag' });
    await tagBox.fill('바다');
    await tagBox.press('Enter');
    await tagBox.fill('桜');
    await tagBox.press('Enter');
    await tagDialog.getByRole('button', { name: 'Add tags' }).click();
    await tagDialog.waitFor({ state: 'hidden' });
    await bar.getByRole('button', { name: 'Rate 4 stars' }).click();
    await app.page.keyboard.press('Escape');

    // Find them by the Korean tag, then by the Japanese one.
    const search = gallery.getByRole('searchbox', { name: 'Search' });
    await search.fill('桜');
    await expect.poll(() => gallery.textContent(), { timeout: 10_000 }).toContain('3 matches');
    await search.fill('바다');
    await expect.poll(() => gallery.textContent(), { timeout: 10_000 }).toContain('3 matches');

    // Save it as a smart collection and open it.
    await gallery.getByRole('button', { name: 'Save search as smart collection' }).click();
    const save = app.page.getByRole('dialog', { name: 'Save as smart collection' });
    await save.getByRole('textbox', { name: 'Smart collection name' }).fill('Sea 바다');
    await save.getByRole('button', { name: 'Save' }).click();
    const smart = app.page.getByRole('navigation').getByRole('list', { name: 'Smart collections' }).getByRole('button', { name: /^Sea 바다/ });
    await search.fill('');
    // The cleared search shows the whole project again (the box re-runs 200 ms after typing stops) …
    await expect.poll(() => images.getByRole('listitem').count(), { timeout: 10_000 }).toBe(7);
    // … then the smart collection.
    await smart.click();
    await expect.poll(() => images.getByRole('listitem').count(), { timeout: 10_000 }).toBe(3);

    // Select the collection's three images and export them with the recipe.
    for (const name of [PROMPT, 'coffee', 'astronaut']) {
      await images.getByRole('checkbox', { name: `Select ${name}`, exact: true }).check();
    }
    await expect.poll(() => bar.textContent()).toContain('3 selected');
    const out = join(app.dir, 'delivery');
    await mkdir(out);
    await app.page.getByRole('button', { name: 'Export', exact: true }).click();
    const dialog = app.page.getByRole('dialog', { name: 'Export images' });
    await dialog.getByRole('radio', { name: /Selected images \(3\)/ }).check();
    await expect.poll(() => dialog.getByRole('combobox', { name: 'Preset' }).inputValue()).toBe('preset-jpeg-recipe');
    await dialog.getByRole('textbox', { name: 'Export folder' }).fill(out);
    await dialog.getByRole('button', { name: 'Export', exact: true }).click();
    await dialog.waitFor({ state: 'hidden' });
    const exportReport = app.page.getByRole('group', { name: 'Export report' });
    await exportReport.waitFor({ timeout: 60_000 });
    await expect.poll(() => exportReport.textContent()).toContain('3 written');

    const project = join(out, 'Field trip');
    const written = await readdir(project);
    const sidecars = written.filter((f) => f.endsWith('.jpg.json'));
    expect(sidecars).toHaveLength(3);
    const jsons = await Promise.all(sidecars.map(async (f) => ({ f, json: JSON.parse(await readFile(join(project, f), 'utf8')) as { prompt: string | null } })));
    const withPrompt = jsons.filter((s) => s.json.prompt === PROMPT);
    expect(withPrompt).toHaveLength(1);
    const jpg = await readFile(join(project, withPrompt[0]!.f.replace(/\.json$/, '')));
    expect(extractXmp(jpg)).toContain(PROMPT);
  });
});
