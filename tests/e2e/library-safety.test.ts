/**
 * Issue 9 items 9 and 12 through the real web host (a child process, as `npm run serve` runs) and Debian Chromium:
 * after a generation the library folder holds only 0700 folders and 0600 files; a thumbnail replaced by a symbolic
 * link to a file outside the library is no longer served to the page (404), while it was before.
 */
import { lstatSync, readdirSync } from 'node:fs';
import { rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { newProject, useWebApp } from './harness';

const PROMPT = 'A paper boat on a puddle, overcast light';

describe.runIf(process.platform !== 'win32')('the library folder through the real web host', () => {
  const app = useWebApp('atelier-e2e-safety-', { ATELIER_SANDBOX_JOB_MS: '300' }, { library: 'lib' });
  /** The library folder the host made (inside the temp folder). */
  const lib = (): string => join(app.dir, 'lib');

  it('private modes after a generation; a planted symlink is not served', async () => {
    await newProject(app.page, 'Safety');
    await app.page.getByRole('combobox', { name: 'Provider' }).selectOption('sandbox');
    await app.page.getByRole('spinbutton', { name: 'Number of images' }).fill('1');
    await app.page.getByRole('textbox', { name: 'Prompt' }).fill(PROMPT);
    await app.page.getByRole('button', { name: 'Generate', exact: true }).click();
    const img = app.page.getByRole('region', { name: 'Gallery' }).getByRole('img', { name: PROMPT });
    await expect.poll(() => img.count(), { timeout: 30_000 }).toBe(1);
    await expect.poll(() => img.evaluate((el) => (el as HTMLImageElement).complete && (el as HTMLImageElement).naturalWidth > 0), { timeout: 10_000 }).toBe(true);

    // Every folder 0700, every file 0600, in the library the host process made.
    const wrong: string[] = [];
    const visit = (p: string): void => {
      const st = lstatSync(p);
      const want = st.isDirectory() ? 0o700 : 0o600;
      if (st.isSymbolicLink() || (st.mode & 0o777) !== want) wrong.push(`${p.slice(lib().length) || '/'} ${(st.mode & 0o777).toString(8)}`);
      if (st.isDirectory()) for (const e of readdirSync(p)) visit(join(p, e));
    };
    visit(lib());
    expect(wrong).toEqual([]);

    // The thumbnail the page shows is served; replaced by a link to a file outside the library, it is not.
    const src = (await img.getAttribute('src'))!;
    const id = /\/media\/([0-9a-f]{64})\/thumb/.exec(src)?.[1];
    expect(id, `thumbnail URL ${src}`).toBeTruthy();
    const status = () => app.page.evaluate(async (u) => (await fetch(u, { cache: 'no-store' })).status, src);
    expect(await status()).toBe(200);
    const secret = join(app.dir, 'secret.webp');
    await writeFile(secret, 'a file outside the library');
    const thumb = join(lib(), 'thumbs', id!.slice(0, 2), `${id}.webp`);
    await rm(thumb);
    await symlink(secret, thumb);
    expect(await status()).toBe(404);
  });
});
