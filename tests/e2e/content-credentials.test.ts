/**
 * C2PA Content Credentials in Debian Chromium against the built web host (issue 10): an image signed in the test
 * (@contentauth/c2pa-wasm, a test CA made with node:crypto and openssl, given to the host as its trust anchor) is
 * imported beside a plain one; opened, its recipe panel shows "Content Credentials" — valid, the issuer, the claim
 * generator and the c2pa.created action made by generative AI; the filter "Content Credentials: With" leaves only
 * it in the gallery; an export report says the credentials were not carried (JPEG) or kept (original bytes, the
 * exported file identical to the signed one).
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hasOpenssl, makeTestSigner, signImage } from '../helpers/c2pa-sign';
import { GOOD_IMAGES, SCREENSHOTS } from '../helpers/paths';
import { newProject, useWebApp } from './harness';

describe.runIf(await hasOpenssl())('Content Credentials in the viewer and the filters', () => {
  let files: string[];
  const app = useWebApp(
    'atelier-e2e-c2pa-',
    async (dir) => {
      await mkdir(join(dir, 'pki'));
      await mkdir(join(dir, 'shoot'));
      const signer = await makeTestSigner(join(dir, 'pki'), 'Lumen Test Imaging');
      await writeFile(join(dir, 'pki', 'anchors.pem'), signer.caPem);
      const signed = await signImage(await readFile(join(GOOD_IMAGES, 'rocket.jpg')), 'image/jpeg', signer, {
        claimGenerator: { name: 'Lumen Generator', version: '3.2' },
        title: 'launch.jpg',
      });
      files = [join(dir, 'shoot', 'launch.jpg'), join(dir, 'shoot', 'beans.png')];
      await writeFile(files[0]!, signed);
      await writeFile(files[1]!, await readFile(join(GOOD_IMAGES, 'coffee.png')));
      return { ATELIER_C2PA_TRUST_ANCHORS: join(dir, 'pki', 'anchors.pem') };
    },
    { library: 'lib' },
  );

  it('imports a signed image, shows its credentials in the recipe panel, and filters by "has content credentials"', async () => {
    await newProject(app.page, 'Provenance');
    await app.page.getByTestId('import-files').setInputFiles(files);
    const report = app.page.getByRole('group', { name: 'Import report' });
    await report.waitFor({ timeout: 60_000 });
    await expect.poll(() => report.textContent()).toContain('2 imported');
    await app.page.getByRole('region', { name: 'Tasks' }).getByRole('button', { name: 'Dismiss' }).click();
    const gallery = app.page.getByRole('region', { name: 'Gallery' });
    const tiles = gallery.getByRole('list', { name: 'Images' }).getByRole('listitem');
    await expect.poll(() => tiles.count(), { timeout: 20_000 }).toBe(2);

    // Open the signed image: its recipe panel carries the credentials.
    await gallery.getByRole('img', { name: 'launch', exact: true }).dblclick();
    const viewer = app.page.getByRole('dialog', { name: 'Image viewer' });
    await viewer.waitFor();
    const credentials = viewer.getByRole('region', { name: 'Recipe' }).getByRole('region', { name: 'Content Credentials' });
    await credentials.waitFor({ timeout: 10_000 });
    const text = (await credentials.textContent()) ?? '';
    expect(text).toContain('Valid');
    expect(text).toContain('Lumen Test Imaging');
    expect(text).toContain('Lumen Generator 3.2');
    expect(text).toContain('Created · made by generative AI');
    await mkdir(SCREENSHOTS, { recursive: true });
    await viewer.screenshot({ path: join(SCREENSHOTS, 'content-credentials.png') });
    await app.page.keyboard.press('Escape');
    await viewer.waitFor({ state: 'hidden' });

    // The plain image has none.
    await gallery.getByRole('img', { name: 'beans', exact: true }).dblclick();
    await viewer.waitFor();
    await expect.poll(() => viewer.getByRole('region', { name: 'Recipe' }).textContent()).toContain('Image');
    expect(await viewer.getByRole('region', { name: 'Content Credentials' }).count()).toBe(0);
    await app.page.keyboard.press('Escape');
    await viewer.waitFor({ state: 'hidden' });

    // Filter: only the credentialed image is left; "Without" leaves only the other.
    await app.page.getByRole('button', { name: 'Filters' }).click();
    const filter = app.page.getByRole('combobox', { name: 'Content Credentials' });
    await filter.selectOption({ label: 'With Content Credentials' });
    await expect.poll(() => tiles.count(), { timeout: 10_000 }).toBe(1);
    await gallery.getByRole('img', { name: 'launch', exact: true }).waitFor();
    await filter.selectOption({ label: 'Without Content Credentials' });
    await gallery.getByRole('img', { name: 'beans', exact: true }).waitFor({ timeout: 10_000 });
    await expect.poll(() => tiles.count()).toBe(1);

    // Export the project twice: converted (the report says the credentials are not carried), then original bytes
    // (the report says they were kept, and the file is the signed file byte for byte).
    const exportWith = async (presetLabel: string, out: string) => {
      await mkdir(out);
      await app.page.getByRole('button', { name: 'Export', exact: true }).click();
      const dialog = app.page.getByRole('dialog', { name: 'Export images' });
      await dialog.getByRole('radio', { name: /Whole project/ }).check();
      await dialog.getByRole('combobox', { name: 'Preset' }).selectOption({ label: presetLabel });
      await dialog.getByRole('textbox', { name: 'Export folder' }).fill(out);
      await dialog.getByRole('button', { name: 'Export', exact: true }).click();
      await dialog.waitFor({ state: 'hidden' });
      const report = app.page.getByRole('group', { name: 'Export report' });
      await report.waitFor({ timeout: 30_000 });
      await expect.poll(() => report.textContent()).toContain('2 written');
      const text = (await report.textContent()) ?? '';
      await app.page.getByRole('region', { name: 'Tasks' }).getByRole('button', { name: 'Dismiss' }).click();
      return text;
    };
    const converted = await exportWith('JPEG with recipe', join(app.dir, 'out-jpeg'));
    expect(converted).toContain('Converted: Content Credentials not carried (1)');
    expect(converted).not.toContain('Content Credentials kept');
    const originals = await exportWith('Original files', join(app.dir, 'out-original'));
    expect(originals).toContain('Content Credentials kept, bytes unchanged (1)');
    expect(originals).toContain('launch.jpg');
    expect(createHash('sha256').update(await readFile(join(app.dir, 'out-original', 'launch.jpg'))).digest('hex')).toBe(
      createHash('sha256').update(await readFile(files[0]!)).digest('hex'),
    );
    expect(app.errors).toEqual([]);
  });
});
