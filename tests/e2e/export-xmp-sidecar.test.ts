/**
 * The `.xmp` sidecar option in the export dialog (issue 10): a user ticks "Also write an .xmp sidecar", exports a
 * generated image, and finds `<name>.xmp` beside the file — a standalone XMP document that exiftool reads with the
 * prompt, the digital source type and Atelier's recipe; the option is kept with the preset.
 */
import { execFile } from 'node:child_process';
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { SCREENSHOTS } from '../helpers/paths';
import { newProject, useWebApp } from './harness';

const run = promisify(execFile);
const PROMPT = 'A kite over the dunes, 연, 凧';

describe('export with an .xmp sidecar', () => {
  const app = useWebApp('atelier-e2e-xmp-', { ATELIER_SANDBOX_JOB_MS: '300' }, { library: 'lib' });

  it('ticks the option, exports, and exiftool reads the .xmp beside the image', async () => {
    await newProject(app.page, 'Dunes');
    await app.page.getByRole('combobox', { name: 'Provider' }).selectOption('sandbox');
    await app.page.getByRole('combobox', { name: 'Model' }).selectOption('gpt-image-2');
    await app.page.getByRole('textbox', { name: 'Prompt' }).fill(PROMPT);
    await app.page.getByRole('button', { name: 'Generate', exact: true }).click();
    await app.page.getByRole('region', { name: 'Gallery' }).getByRole('img', { name: PROMPT, exact: true }).waitFor({ timeout: 30_000 });

    const out = join(app.dir, 'delivery');
    await mkdir(out);
    await app.page.getByRole('button', { name: 'Export', exact: true }).click();
    const dialog = app.page.getByRole('dialog', { name: 'Export images' });
    await dialog.getByRole('radio', { name: /Whole project/ }).check();
    await expect.poll(() => dialog.getByRole('combobox', { name: 'Preset' }).inputValue()).toBe('preset-jpeg-recipe');
    await dialog.getByRole('textbox', { name: 'File names' }).fill('kite {index}');
    const sidecar = dialog.getByRole('checkbox', { name: 'Also write an .xmp sidecar (Lightroom, Bridge)' });
    expect(await sidecar.isChecked()).toBe(false);
    // Not offered when nothing is written.
    await dialog.getByRole('combobox', { name: 'Metadata' }).selectOption('none');
    expect(await sidecar.isDisabled()).toBe(true);
    await dialog.getByRole('combobox', { name: 'Metadata' }).selectOption('full');
    await sidecar.check();
    await dialog.getByRole('textbox', { name: 'Export folder' }).fill(out);
    await mkdir(SCREENSHOTS, { recursive: true });
    await dialog.screenshot({ path: join(SCREENSHOTS, 'export-xmp-sidecar.png') });
    await dialog.getByRole('button', { name: 'Export', exact: true }).click();
    await dialog.waitFor({ state: 'hidden' });
    const report = app.page.getByRole('group', { name: 'Export report' });
    await report.waitFor({ timeout: 60_000 });
    await expect.poll(() => report.textContent()).toContain('1 written');

    expect((await readdir(out)).sort()).toEqual(['kite 001.jpg', 'kite 001.jpg.json', 'kite 001.xmp']);
    const { stdout } = await run('exiftool', ['-j', '-G1', '-struct', join(out, 'kite 001.xmp'), join(out, 'kite 001.jpg')]);
    const [xmp, jpg] = JSON.parse(stdout) as Array<Record<string, unknown>>;
    for (const tags of [xmp!, jpg!]) {
      expect(tags['XMP-dc:Description']).toBe(PROMPT);
      expect(tags['XMP-iptcExt:DigitalSourceType']).toBe('http://cv.iptc.org/newscodes/digitalsourcetype/algorithmicMedia');
      expect(tags['XMP-atelier:Model']).toBe('gpt-image-2');
      expect(tags['XMP-xmp:CreatorTool']).toMatch(/^Atelier /);
    }
    expect(xmp!['File:FileType']).toBe('XMP');

    // Kept with the preset: the dialog opens with the box ticked.
    await app.page.getByRole('region', { name: 'Tasks' }).getByRole('button', { name: 'Dismiss' }).click();
    await app.page.getByRole('button', { name: 'Export', exact: true }).click();
    const again = app.page.getByRole('dialog', { name: 'Export images' });
    await expect.poll(() => again.getByRole('combobox', { name: 'Preset' }).inputValue()).toBe('preset-jpeg-recipe');
    expect(await again.getByRole('checkbox', { name: 'Also write an .xmp sidecar (Lightroom, Bridge)' }).isChecked()).toBe(true);
    expect(app.errors).toEqual([]);
  });
});
