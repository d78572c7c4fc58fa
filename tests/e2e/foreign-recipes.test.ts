/**
 * Other tools' archives in Debian Chromium against the built web host (issue 10): a ComfyUI PNG (its `prompt` API
 * graph in a tEXt chunk) and a Forge JPEG (its infotext in EXIF UserComment, written by exiftool) go in through the
 * import control; a word of each prompt finds its image in the search box; the viewer's recipe panel says "Made
 * with ComfyUI" / "Made with AUTOMATIC1111 / Forge" with the prompt, negative prompt, model and seed. A third PNG
 * whose InvokeAI JSON is broken comes in too, and the import report lists its metadata as not read, with why.
 * Screenshot: .tmp/screenshots/foreign-recipe.png.
 */
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { pngChunk } from '../helpers/foreign-fixtures';
import { SCREENSHOTS } from '../helpers/paths';
import { newProject, useWebApp } from './harness';

const run = promisify(execFile);

const COMFY_PROMPT = 'a lighthouse on a basalt cliff at dusk, 등대';
const GRAPH = {
  '3': { class_type: 'KSampler', inputs: { seed: 8008135, steps: 25, cfg: 6, sampler_name: 'euler', scheduler: 'normal', model: ['4', 0], positive: ['6', 0], negative: ['7', 0], latent_image: ['5', 0] } },
  '4': { class_type: 'CheckpointLoaderSimple', inputs: { ckpt_name: 'sd_xl_base_1.0.safetensors' } },
  '5': { class_type: 'EmptyLatentImage', inputs: { width: 1024, height: 1024, batch_size: 1 } },
  '6': { class_type: 'CLIPTextEncode', inputs: { text: COMFY_PROMPT, clip: ['4', 1] } },
  '7': { class_type: 'CLIPTextEncode', inputs: { text: 'blurry, watermark', clip: ['4', 1] } },
};
const FORGE = 'a quiet harbour with fishing boats, morning fog\nNegative prompt: people\nSteps: 20, Sampler: Euler a, CFG scale: 5, Seed: 4242, Size: 768x512, Model: ponyDiffusionV6XL, Version: f2.0.1';

describe('imported archives show the tool that made them', () => {
  const files: string[] = [];
  const app = useWebApp(
    'atelier-e2e-foreign-',
    async (dir) => {
      const inDir = join(dir, 'in');
      await mkdir(inDir);
      const raw = (seed: number) => {
        const b = Buffer.alloc(64 * 48 * 3);
        for (let i = 0; i < b.length; i++) b[i] = (i * seed + seed * 13) & 0xff;
        return sharp(b, { raw: { width: 64, height: 48, channels: 3 } });
      };
      const png = await raw(5).png().toBuffer();
      const comfy = Buffer.concat([png.subarray(0, 33), pngChunk('tEXt', Buffer.concat([Buffer.from('prompt\0', 'latin1'), Buffer.from(JSON.stringify(GRAPH), 'utf8')])), png.subarray(33)]);
      files.push(join(inDir, 'comfy-lighthouse.png'));
      await writeFile(files[0]!, comfy);
      files.push(join(inDir, 'forge-harbour.jpg'));
      await writeFile(files[1]!, await raw(11).jpeg().toBuffer());
      await run('exiftool', ['-overwrite_original', `-UserComment=${FORGE}`, files[1]!]);
      const plain = await raw(17).png().toBuffer();
      files.push(join(inDir, 'broken-invoke.png'));
      await writeFile(files[2]!, Buffer.concat([plain.subarray(0, 33), pngChunk('tEXt', Buffer.from('invokeai_metadata\0{"positive_prompt": "never clo', 'latin1')), plain.subarray(33)]));
      return {};
    },
    { library: 'lib' },
  );

  it('imports a ComfyUI PNG and a Forge JPEG, finds each by a word of its prompt, and shows "Made with …" with the prompt', async () => {
    await newProject(app.page, 'Archives');
    await app.page.getByTestId('import-files').setInputFiles(files);
    const report = app.page.getByRole('group', { name: 'Import report' });
    await report.waitFor({ timeout: 60_000 });
    await expect.poll(() => report.textContent()).toContain('3 imported · 0 skipped');
    await report.getByText('Recipes from other tools (2)').click();
    const recipes = report.getByRole('list', { name: 'Recipes from other tools' });
    expect((await recipes.getByRole('listitem').allTextContents()).sort()).toEqual(['comfy-lighthouse.png — ComfyUI', 'forge-harbour.jpg — AUTOMATIC1111 / Forge']);
    const notRead = report.getByRole('list', { name: 'Metadata not read' });
    expect(await notRead.getByRole('listitem').allTextContents()).toEqual(['broken-invoke.png png:invokeai_metadata — malformed, not read']);
    await app.page.getByRole('region', { name: 'Tasks' }).getByRole('button', { name: 'Dismiss' }).click();
    const gallery = app.page.getByRole('region', { name: 'Gallery' });
    const tiles = gallery.getByRole('list', { name: 'Images' }).getByRole('listitem');
    await expect.poll(() => tiles.count(), { timeout: 20_000 }).toBe(3);

    const search = gallery.getByRole('searchbox', { name: 'Search' });
    await search.fill('lighthouse');
    await expect.poll(() => gallery.textContent(), { timeout: 10_000 }).toContain('1 match');
    await expect.poll(() => tiles.count(), { timeout: 10_000 }).toBe(1);
    await gallery.getByRole('img', { name: 'comfy-lighthouse', exact: true }).dblclick();
    const viewer = app.page.getByRole('dialog', { name: 'Image viewer' });
    await viewer.waitFor();
    const recipe = viewer.getByRole('region', { name: 'Recipe' });
    await expect.poll(() => recipe.textContent(), { timeout: 10_000 }).toContain('Made with ComfyUI');
    const text = (await recipe.textContent()) ?? '';
    expect(text).toContain(COMFY_PROMPT);
    expect(text).toContain('blurry, watermark');
    expect(text).toContain('sd_xl_base_1.0.safetensors');
    expect(text).toContain('8008135');
    expect(text).not.toContain('has no recipe');
    await mkdir(SCREENSHOTS, { recursive: true });
    await app.page.screenshot({ path: join(SCREENSHOTS, 'foreign-recipe.png') });
    await viewer.getByRole('button', { name: 'Close viewer' }).click();
    await viewer.waitFor({ state: 'hidden' });

    await search.fill('harbour');
    await expect.poll(() => tiles.count(), { timeout: 10_000 }).toBe(1);
    await gallery.getByRole('img', { name: 'forge-harbour', exact: true }).dblclick();
    await viewer.waitFor();
    await expect.poll(() => recipe.textContent(), { timeout: 10_000 }).toContain('Made with AUTOMATIC1111 / Forge');
    const forge = (await recipe.textContent()) ?? '';
    expect(forge).toContain('a quiet harbour with fishing boats, morning fog');
    expect(forge).toContain('ponyDiffusionV6XL');
    expect(forge).toContain('Forge f2.0.1');
    expect(app.errors).toEqual([]);
  });
});
