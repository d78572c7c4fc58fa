/**
 * The queue drawer's actions end to end (issue 9, items 1c, 3 and 4): the built app in the local web host, Debian
 * Chromium, the Apiframe test server over loopback. Jobs that failed, were canceled and expired are made for real
 * (with the in-process app on the same library and keychain), then retried from the drawer by role and name: a
 * retry that cannot pay twice goes at once; an expired job's retry (already charged) asks first in an alert dialog
 * naming the charge and the estimate. A job that returned 1 of 3 images says why and what it was charged for.
 * Screenshot: queue-retry-paid.png.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Locator, Page } from 'playwright-core';
import { SCREENSHOTS } from '../helpers/paths';
import { call, openTestApp, tempDir, waitFor } from '../helpers/app';
import { KEY, startServer } from '../integration/apiframe-helpers';
import type { ApiframeTestServer } from '../servers/apiframe/server';
import type { JobState } from '../../src/shared/domain';
import { launchBrowser, openPage, startHost, type RunningHost } from './harness';

const KEYCHAIN = `atelier-e2e-queue-${process.pid}`;
const FAILED = 'A kite that will fail [[fail]]';
const CANCELED = 'A kite canceled before it was sent';
const EXPIRED = 'A kite whose results expired';
const SHORT = 'Three kites, one returned';

describe('queue drawer: retry where it is offered, confirm where it pays again', () => {
  let srv: ApiframeTestServer;
  let host: RunningHost;
  let browser: Browser;
  let page: Page;
  let errors: string[];
  let dir: string;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir('atelier-e2e-'));
    srv = await startServer({ jobDurationMs: 300, queueDelayMs: 50 });
    // The jobs, made for real by the same engine on the same library and keychain the host then opens.
    const app = await openTestApp(dir, { env: { ATELIER_APIFRAME_BASE_URL: srv.url }, keychainService: KEYCHAIN });
    await call(app, 'settings.setKey', { provider: 'apiframe', key: KEY });
    const folderId = (await call(app, 'folders.create', { name: 'Kites', parentId: null })).id;
    const submit = (prompt: string, params: Record<string, unknown> = { quality: 'low' }) =>
      call(app, 'jobs.submit', { folderId, provider: 'apiframe', model: 'gpt-image-2', prompt, params, references: [] });
    const until = (id: string, state: JobState) =>
      waitFor(async () => ((await call(app, 'jobs.get', { id })).state === state ? true : null), `${id} ${state}`);
    await until((await submit(FAILED)).id, 'failed');
    await call(app, 'queue.pause', { scope: 'all' });
    const canceled = await submit(CANCELED);
    await call(app, 'jobs.cancel', { id: canceled.id });
    await call(app, 'queue.resume', { scope: 'all' });
    srv.state.config.retentionMs = 0;
    await until((await submit(EXPIRED)).id, 'expired');
    srv.state.config.retentionMs = 24 * 3600_000;
    srv.state.config.returnedImages = 1;
    await until((await submit(SHORT, { quality: 'low', number_of_images: 3 })).id, 'completed');
    delete srv.state.config.returnedImages;
    srv.state.config.failMarker = '[[never]]'; // the retried job may now succeed
    await app.close();

    host = await startHost(dir, { ATELIER_APIFRAME_BASE_URL: srv.url, ATELIER_KEYCHAIN_SERVICE: KEYCHAIN });
    browser = await launchBrowser();
    ({ page, errors } = await openPage(browser, host.url));
  });
  afterAll(async () => {
    await browser?.close();
    await host?.stop();
    const app = await openTestApp(dir, { env: {}, keychainService: KEYCHAIN }).catch(() => null);
    if (app) {
      await call(app, 'settings.clearKey', { provider: 'apiframe' }).catch(() => undefined);
      await app.close();
    }
    await srv?.close();
    await cleanup?.();
  });

  const drawer = (): Locator => page.getByRole('complementary', { name: 'Queue' });
  const row = (prompt: string): Locator => drawer().getByRole('listitem').filter({ hasText: prompt });
  const stateOf = async (prompt: string) => (await row(prompt).locator('.job-state').textContent())?.trim();

  it('offers Retry on failed, canceled and expired jobs and each one works; the paid one asks first, naming its cost', async () => {
    await page.getByRole('button', { name: 'Queue' }).click();
    await drawer().waitFor();
    for (const p of [FAILED, CANCELED, EXPIRED]) await row(p).waitFor();
    expect(await stateOf(FAILED)).toBe('Failed');
    expect(await stateOf(CANCELED)).toBe('Canceled');
    expect(await stateOf(EXPIRED)).toBe('Expired');
    // A completed job offers no Retry and no Cancel.
    expect(await row(SHORT).getByRole('button', { name: 'Retry' }).count()).toBe(0);
    expect(await row(SHORT).getByRole('button', { name: 'Cancel job' }).count()).toBe(0);

    // Failed (Apiframe refunded it: creditCost 0) and canceled before it was sent: nothing was charged, so no question.
    const before = srv.state.jobsCreated;
    await row(FAILED).getByRole('button', { name: 'Retry' }).click();
    await row(CANCELED).getByRole('button', { name: 'Retry' }).click();
    expect(await page.getByRole('alertdialog').count()).toBe(0);
    await expect.poll(() => stateOf(FAILED), { timeout: 15_000 }).toBe('Completed');
    await expect.poll(() => stateOf(CANCELED), { timeout: 15_000 }).toBe('Completed');
    expect(srv.state.jobsCreated).toBe(before + 2);

    // Expired: it was charged (4 credits, Apiframe's creditCost) and its results are gone; a retry pays again.
    await row(EXPIRED).getByRole('button', { name: 'Retry' }).click();
    const ask = page.getByRole('alertdialog', { name: 'Retry and pay again?' });
    await ask.waitFor();
    const text = (await ask.textContent()) ?? '';
    expect(text).toContain('already charged 4 credits');
    expect(text).toContain('costs 4 credits more');
    await page.screenshot({ path: join(SCREENSHOTS, 'queue-retry-paid.png') });
    // Cancel: nothing is sent.
    await ask.getByRole('button', { name: 'Cancel' }).click();
    await ask.waitFor({ state: 'hidden' });
    expect(await stateOf(EXPIRED)).toBe('Expired');
    expect(srv.state.jobsCreated).toBe(before + 2);
    // Confirmed: it is submitted again and completes.
    await row(EXPIRED).getByRole('button', { name: 'Retry' }).click();
    await ask.getByRole('button', { name: 'Pay again and retry' }).click();
    await expect.poll(() => stateOf(EXPIRED), { timeout: 15_000 }).toBe('Completed');
    expect(srv.state.jobsCreated).toBe(before + 3);
    expect(errors).toEqual([]);
  });

  it('a job that returned 1 of 3 images says why and what the charge covers', async () => {
    const text = (await row(SHORT).textContent()) ?? '';
    expect(text).toContain('1 of 3 images');
    expect(text).toContain('The provider returned 1 of the 3 images asked for; nothing more can be fetched.');
    expect(text).toContain('Charged for 1 image.');
    expect(text).toContain('4 credits'); // Apiframe's creditCost for the one image, not the 12 estimated
  });
});
