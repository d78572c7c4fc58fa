/**
 * The path after the happy one: a user edits the export preset in the dialog (name, template, format, quality),
 * then exports. It used to fail every time ("Unrecognized key: createdAt": the dialog sent the stored preset back
 * whole). The edited preset is saved under its name and used: the files on disk follow the edited template and
 * format, exiftool reads them, and the dialog opens next time with the edited values.
 */
import { execFile } from 'node:child_process';
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { newProject, useWebApp } from './harness';

const run = promisify(execFile);
const PROMPT = 'A lighthouse at dusk, 등대, 灯台';

describe('export with an edited preset', () => {
  const app = useWebApp('atelier-e2e-preset-', { ATELIER_SANDBOX_JOB_MS: '300' }, { library: 'lib' });

  it('edits the preset in the dialog, exports through it, and finds it edited next time', async () => {
    await newProject(app.page, 'Coast');
    await app.page.getByRole('combobox', { name: 'Provider' }).selectOption('sandbox');
    await app.page.getByRole('combobox', { name: 'Model' }).selectOption('gpt-image-2');
    await app.page.getByRole('textbox', { name: 'Prompt' }).fill(PROMPT);
    await app.page.getByRole('button', { name: 'Generate', exact: true }).click();
    const gallery = app.page.getByRole('region', { name: 'Gallery' });
    await gallery.getByRole('img', { name: PROMPT, exact: true }).waitFor({ timeout: 30_000 });

    const out = join(app.dir, 'delivery');
    await mkdir(out);
    await app.page.getByRole('button', { name: 'Export', exact: true }).click();
    const dialog = app.page.getByRole('dialog', { name: 'Export images' });
    await dialog.getByRole('radio', { name: /Whole project/ }).check();
    await expect.poll(() => dialog.getByRole('combobox', { name: 'Preset' }).inputValue()).toBe('preset-jpeg-recipe');
    // Edit every field a user would: the name, the template, the format, the quality.
    await dialog.getByRole('textbox', { name: 'Preset name' }).fill('Client proofs');
    await dialog.getByRole('textbox', { name: 'File names' }).fill('proof {index}');
    await dialog.getByRole('combobox', { name: 'Format' }).selectOption('webp');
    await dialog.getByRole('spinbutton', { name: 'Quality' }).fill('70');
    await dialog.getByRole('textbox', { name: 'Export folder' }).fill(out);
    await dialog.getByRole('button', { name: 'Export', exact: true }).click();
    await dialog.waitFor({ state: 'hidden' });
    const report = app.page.getByRole('group', { name: 'Export report' });
    await report.waitFor({ timeout: 60_000 });
    await expect.poll(() => report.textContent()).toContain('1 written');

    // On disk: the edited template and format; exiftool reads the file as WebP.
    const files = (await readdir(out)).filter((f) => !f.endsWith('.json'));
    expect(files).toEqual(['proof 001.webp']);
    const { stdout } = await run('exiftool', ['-j', '-MIMEType', join(out, files[0]!)]);
    expect((JSON.parse(stdout) as { MIMEType: string }[])[0]!.MIMEType).toBe('image/webp');

    // The edit was saved under its name: the dialog offers it, with the edited values.
    await app.page.getByRole('region', { name: 'Tasks' }).getByRole('button', { name: 'Dismiss' }).click();
    await app.page.getByRole('button', { name: 'Export', exact: true }).click();
    const again = app.page.getByRole('dialog', { name: 'Export images' });
    const preset = again.getByRole('combobox', { name: 'Preset' });
    await expect.poll(async () => (await preset.locator('option').allTextContents()).includes('Client proofs')).toBe(true);
    await preset.selectOption({ label: 'Client proofs' });
    expect(await again.getByRole('textbox', { name: 'File names' }).inputValue()).toBe('proof {index}');
    expect(await again.getByRole('combobox', { name: 'Format' }).inputValue()).toBe('webp');
    expect(app.errors).toEqual([]);
  });
});
