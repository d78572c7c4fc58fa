/**
 * `npm run serve` opens the browser without putting a secret on a command line (issue 9 item 7): the host runs
 * its opener (here a stand-in `xdg-open` on PATH that records its arguments) on a file:// URL of a 0600 page in a
 * 0700 folder, and that page sends Chromium on to a one-use launch link of its own, different from the printed one.
 */
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { tempDir, waitFor } from '../helpers/app';
import { launchBrowser, startHost, type RunningHost } from './harness';

describe.runIf(process.platform === 'linux')('the browser is opened through a private launch file', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let host: RunningHost;
  let browser: Browser;
  const argvFile = () => join(dir, 'xdg-open.argv');

  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir('atelier-e2e-launch-'));
    const bin = join(dir, 'bin');
    await mkdir(bin);
    const opener = join(bin, 'xdg-open');
    await writeFile(opener, `#!/bin/sh\nprintf '%s\\n' "$@" > '${argvFile()}'\n`);
    await chmod(opener, 0o755);
    host = await startHost(join(dir, 'library'), { ATELIER_NO_OPEN: '0', PATH: `${bin}:${process.env.PATH ?? ''}` });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await host?.stop();
    await cleanup?.();
  });

  it('runs the opener on a 0600 file that holds its own one-use link, and the link logs Chromium in once', async () => {
    const argv = (await waitFor(() => readFile(argvFile(), 'utf8').catch(() => null), 'the opener to run', 10_000)).trim();
    expect(argv).toMatch(/^file:\/\/\/.+\.html$/);
    expect(argv).not.toContain('launch=');
    const printedCode = new URL(host.url).searchParams.get('launch')!;
    expect(argv).not.toContain(printedCode);

    const file = fileURLToPath(argv);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(join(file, '..'))).mode & 0o777).toBe(0o700);
    const html = await readFile(file, 'utf8');
    const link = /url=(http:\/\/127\.0\.0\.1:\d+\/\?launch=[A-Za-z0-9_-]+)"/.exec(html)?.[1];
    expect(link).toBeDefined();
    expect(link).not.toContain(printedCode);

    // Chromium opens the file as the OS opener would: it navigates on to the host and logs in.
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    await page.goto(argv);
    await page.getByRole('button', { name: 'New project' }).waitFor({ timeout: 15_000 });
    expect(new URL(page.url()).search).toBe('');
    await ctx.close();
    // That link is spent now; the printed one still works, once.
    const again = await (await browser.newContext()).newPage();
    await again.goto(link!);
    await again.getByRole('heading', { name: 'Atelier needs a new link from the terminal' }).waitFor();
    await again.goto(host.url);
    await again.getByRole('button', { name: 'New project' }).waitFor();
    await again.context().close();
  });
});
