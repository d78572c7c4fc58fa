/**
 * Import and export in Debian Chromium against the built web host: the fixture images (good and bad) imported
 * through the file input, seen in the gallery and the import report; an image generated with the sandbox; the
 * project exported with the "JPEG with recipe" preset to a folder typed into the dialog; the files on disk carry
 * the prompt in their XMP and JSON sidecars. Screenshots: docs/screenshots/import-report.png, export-dialog.png.
 */
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { extractXmp } from '../../src/main/services/transfer/xmp';
import { BAD_FILES, GOOD_IMAGES, SCREENSHOTS } from '../helpers/paths';
import { newProject, useWebApp } from './harness';

const PROMPT = 'A paper boat on a rain puddle, 종이배, 紙の船';

describe('import and export in the browser', () => {
  const app = useWebApp('atelier-e2e-transfer-', { ATELIER_SANDBOX_JOB_MS: '600' }, { library: 'lib' });

  const gallery = () => app.page.getByRole('region', { name: 'Gallery' });

  it('imports the fixtures with a report, generates one image, and exports the project with its recipe', async () => {
    await newProject(app.page, 'Rainy day');

    // Import: the six good and seven bad fixtures through the file input.
    const files = [
      ...(await readdir(GOOD_IMAGES)).map((f) => join(GOOD_IMAGES, f)),
      ...(await readdir(BAD_FILES)).map((f) => join(BAD_FILES, f)),
    ];
    await app.page.getByTestId('import-files').setInputFiles(files);
    const report = app.page.getByRole('group', { name: 'Import report' });
    await report.waitFor({ timeout: 60_000 });
    await expect.poll(() => report.textContent()).toContain('6 imported · 7 skipped · 0 duplicates');
    const skipped = report.getByRole('list', { name: 'Skipped files' });
    expect(await skipped.getByRole('listitem').count()).toBe(7);
    expect(await skipped.textContent()).toContain('bomb_30000x30000.png');
    await expect.poll(() => gallery().getByRole('list', { name: 'Images' }).getByRole('listitem').count(), { timeout: 20_000 }).toBe(6);
    await mkdir(SCREENSHOTS, { recursive: true });
    await app.page.screenshot({ path: join(SCREENSHOTS, 'import-report.png') });
    await app.page.getByRole('region', { name: 'Tasks' }).getByRole('button', { name: 'Dismiss' }).click();

    // One generated image with a prompt.
    await app.page.getByRole('combobox', { name: 'Provider' }).selectOption('sandbox');
    await app.page.getByRole('combobox', { name: 'Model' }).selectOption('gpt-image-2');
    await app.page.getByRole('textbox', { name: 'Prompt' }).fill(PROMPT);
    await app.page.getByRole('button', { name: 'Generate', exact: true }).click();
    await gallery().getByRole('img', { name: PROMPT, exact: true }).waitFor({ timeout: 30_000 });

    // Export the project with the preset that carries the recipe, to a folder typed in (web host).
    const out = join(app.dir, 'delivery');
    await mkdir(out);
    await app.page.getByRole('button', { name: 'Export', exact: true }).click();
    const dialog = app.page.getByRole('dialog', { name: 'Export images' });
    await dialog.getByRole('radio', { name: /Whole project/ }).check();
    await expect.poll(() => dialog.getByRole('combobox', { name: 'Preset' }).inputValue()).toBe('preset-jpeg-recipe');
    await dialog.getByRole('textbox', { name: 'Export folder' }).fill(out);
    // The example is made from one of the project's own images (its name, not a sample's).
    await expect.poll(() => dialog.textContent()).toContain('Example: Rainy day/');
    await app.page.screenshot({ path: join(SCREENSHOTS, 'export-dialog.png') });
    await dialog.getByRole('button', { name: 'Export', exact: true }).click();
    await dialog.waitFor({ state: 'hidden' });
    const exportReport = app.page.getByRole('group', { name: 'Export report' });
    await exportReport.waitFor({ timeout: 60_000 });
    await expect.poll(() => exportReport.textContent()).toContain('7 written');

    // On disk: 7 JPEGs, each with its sidecar; the generated one carries the prompt in both.
    const project = join(out, 'Rainy day');
    const written = (await readdir(project)).sort();
    expect(written.filter((f) => f.endsWith('.jpg'))).toHaveLength(7);
    expect(written.filter((f) => f.endsWith('.jpg.json'))).toHaveLength(7);
    const sidecars = await Promise.all(
      written.filter((f) => f.endsWith('.json')).map(async (f) => ({ f, json: JSON.parse(await readFile(join(project, f), 'utf8')) as { prompt: string | null; model: string | null } })),
    );
    const withPrompt = sidecars.filter((s) => s.json.prompt === PROMPT);
    expect(withPrompt).toHaveLength(1);
    expect(withPrompt[0]!.json.model).toBe('gpt-image-2');
    const jpg = await readFile(join(project, withPrompt[0]!.f.replace(/\.json$/, '')));
    expect(extractXmp(jpg)).toContain(PROMPT);
    expect(app.errors).toEqual([]);
  });
});
