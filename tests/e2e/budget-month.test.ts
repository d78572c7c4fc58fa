/**
 * A monthly budget's line in the composer follows the month's end with nothing else happening (issue 13): the built
 * web host under libfaketime (its clock read from a file, so the test moves it while it runs), Debian Chromium with
 * playwright's clock, the Apiframe test server over loopback. A project has 6 credits a month; one generation
 * (4 credits) leaves "≈ 4 credits of 2 left this month". Then both clocks go past the 1st, 00:00 UTC (the budgets
 * service's months are calendar months in UTC): the host's through the file, the page's with `clock.fastForward`
 * (a laptop asleep over the month's end fires its timers once on waking). The line must read the new month's
 * "≈ 4 credits of 6 left this month"; before, it kept the old month's figure until something else changed.
 */
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nextMonthStartUtc } from '../../src/shared/budget-period';
import { call } from '../helpers/app';
import { KEY, startServer } from '../integration/apiframe-helpers';
import type { ApiframeTestServer } from '../servers/apiframe/server';
import { seedKeychainKey, useWebApp } from './harness';

const KEYCHAIN = `atelier-e2e-budget-month-${process.pid}`;
const FAKETIME_LIB = '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1';
const PROMPT = 'A paper crane on a desk';

describe("the composer's budget line at a month's end", () => {
  let srv: ApiframeTestServer;
  let clockFile = '';
  let projectId = '';
  const app = useWebApp('atelier-e2e-budget-month-', async (dir, closeAfter) => {
    if (!existsSync(FAKETIME_LIB)) throw new Error(`libfaketime is missing (${FAKETIME_LIB}): apt-get install faketime`);
    srv = closeAfter(await startServer({ jobDurationMs: 300, queueDelayMs: 30, imageLongEdge: 64 }));
    const env = { ATELIER_APIFRAME_BASE_URL: srv.url };
    const keychain = await seedKeychainKey(dir, closeAfter, { service: KEYCHAIN, provider: 'apiframe', key: KEY, env }, async (seed) => {
      projectId = (await call(seed, 'folders.create', { name: 'Poster', parentId: null })).id;
      await call(seed, 'budgets.set', { projectId, credits: 6, usd: null, period: 'month' });
    });
    // The host's clock: the real one until the test writes an offset (libfaketime reads the file again each second).
    clockFile = join(dir, 'faketime.rc');
    await writeFile(clockFile, '+0\n');
    return {
      ...env,
      ...keychain,
      LD_PRELOAD: FAKETIME_LIB,
      FAKETIME_TIMESTAMP_FILE: clockFile,
      FAKETIME_CACHE_DURATION: '1',
      // Only the wall clock moves: timers (monotonic) keep running as they do.
      FAKETIME_DONT_FAKE_MONOTONIC: '1',
    };
  });

  /** The period the host counts now (`periodStart`, epoch ms), asked the way the page asks, with its session. */
  const hostPeriodStart = (): Promise<number | null> =>
    app.page.evaluate(async (folderId) => {
      const s = JSON.parse(localStorage.getItem('atelier.session') ?? '{}') as { token?: string };
      const res = await fetch('/api/call/budgets.get', {
        method: 'POST',
        headers: { authorization: `Bearer ${s.token ?? ''}`, 'content-type': 'application/json' },
        body: JSON.stringify({ folderId }),
      });
      const body = (await res.json()) as { ok?: boolean; value?: { periodStart: number | null } };
      return body.value?.periodStart ?? null;
    }, projectId);

  it('reads the new month when the month ends, with nothing else changing', async () => {
    const { page } = app;
    // The page's clock is playwright's from here on (it runs on from the real time until moved).
    await page.clock.install();
    await page.reload();
    const composer = page.getByRole('region', { name: 'Composer' });
    await page.getByRole('treeitem', { name: /Poster/ }).click();
    await page.getByRole('combobox', { name: 'Provider' }).selectOption('apiframe');
    await page.getByRole('combobox', { name: 'Model' }).selectOption('gpt-image-2');
    await page.getByRole('combobox', { name: 'Quality' }).selectOption('low');
    await page.getByRole('textbox', { name: 'Prompt' }).fill(PROMPT);
    await expect.poll(() => composer.textContent(), { timeout: 15_000 }).toContain('≈ 4 credits of 6 left this month');

    // Spend this month: one generation of 4 credits.
    await page.getByRole('button', { name: 'Generate', exact: true }).click();
    const images = page.getByRole('region', { name: 'Gallery' }).getByRole('img', { name: PROMPT });
    await expect.poll(() => images.count(), { timeout: 60_000 }).toBe(1);
    await expect.poll(() => composer.textContent(), { timeout: 15_000 }).toContain('≈ 4 credits of 2 left this month');
    const before = await hostPeriodStart();
    expect(before).not.toBeNull();
    expect(app.errors).toEqual([]);

    // The month ends: the host's clock 5 s past the next 1st, 00:00 UTC, and the page's moved to the same moment.
    const target = nextMonthStartUtc(Date.now()) + 5_000;
    await writeFile(clockFile, `+${Math.ceil((target - Date.now()) / 1000)}\n`);
    await expect.poll(hostPeriodStart, { timeout: 15_000 }).toBe(nextMonthStartUtc(before!));
    const pageNow = await page.evaluate(() => Date.now());
    await page.clock.fastForward(Math.max(0, target - pageNow));
    expect(new Date(await page.evaluate(() => Date.now())).getUTCMonth()).toBe(new Date(target).getUTCMonth());

    await expect.poll(() => composer.textContent(), { timeout: 15_000 }).toContain('≈ 4 credits of 6 left this month');
  });
});
