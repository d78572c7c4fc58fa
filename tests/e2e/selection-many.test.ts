/**
 * A large selection, as a person makes one (Ctrl+A in the grid), in the built app in the local web host (Debian
 * Chromium), on a project of 120 real small images (bench/library/build.ts) that all share a title, a rating, a
 * flag and a tag:
 * - the inspector reads the selection in one call (`assets.inspect`), not two per image (it made 200 calls for the
 *   first 100 images), and still shows the values they share;
 * - in a window of the smallest size (960 × 600, src/main/window.ts) with the selection bar showing and the
 *   inspector open, the grid keeps at least two rows of the smallest tiles (it was 60 px tall: the bar wrapped to
 *   three rows and the composer took 320 px). Screenshot: selection-smallest-window.png.
 */
import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { Locator, Request } from 'playwright-core';
import { buildLibrary } from '../../bench/library/build';
import { createApp } from '../../src/main/app';
import { call } from '../helpers/app';
import { SCREENSHOTS } from '../helpers/paths';
import { useWebApp } from './harness';

const N = 120;
const TITLE = 'Shared title';
const TAG = 'shared-e2e';

describe('a selection of many images', () => {
  const app = useWebApp('atelier-e2e-selection-many-', async (dir) => {
    const lib = await createApp({ dataDir: dir, env: {}, keychainService: `atelier-e2e-selection-many-${process.pid}`, logger: pino({ level: 'silent' }) });
    try {
      await buildLibrary(lib, N, 12);
      const { ids } = await call(lib, 'assets.ids', { scope: { kind: 'library' } });
      expect(ids.length).toBeGreaterThanOrEqual(N); // the builder adds a few imported images elsewhere
      await call(lib, 'assets.update', { ids, patch: { title: TITLE, rating: 4, flag: 1 } });
      await call(lib, 'assets.tag', { ids, add: [TAG] });
    } finally {
      await lib.close();
    }
    return {};
  });

  const grid = (): Locator => app.page.locator('.grid-scroll');
  const inspector = (): Locator => app.page.getByRole('complementary', { name: 'Inspector' });
  const selectedCount = async (): Promise<number> => {
    const bar = app.page.getByRole('toolbar', { name: 'Selection' });
    if ((await bar.count()) === 0) return 0;
    return Number(/(\d+) selected/.exec((await bar.textContent()) ?? '')?.[1] ?? 0);
  };

  it('Ctrl+A: the inspector reads the selection in one call and shows the values the images share', async () => {
    const { page } = app;
    await page.getByRole('treeitem', { name: 'Bench library' }).click();
    await grid().locator('[data-tile-index="0"]').waitFor({ timeout: 30_000 });
    expect(await page.getByRole('button', { name: 'Inspector' }).getAttribute('aria-expanded')).toBe('true');

    // The calls the inspector makes for the images it shows.
    const reads: string[] = [];
    const onRequest = (r: Request): void => {
      const m = /\/api\/call\/(assets\.(?:meta|get|inspect))$/.exec(new URL(r.url()).pathname);
      if (m) reads.push(m[1]!);
    };
    page.on('request', onRequest);
    try {
      await grid().locator('[data-tile-index="0"]').focus();
      await page.keyboard.press('Control+a');
      await expect.poll(selectedCount, { timeout: 15_000 }).toBe(N); // every image of the project
      const body = inspector().locator('.inspector-body');
      await expect.poll(() => body.getAttribute('aria-busy'), { timeout: 30_000 }).toBe('false');
      // The values the first 100 share.
      expect(await inspector().textContent()).toContain(`${N} selected`);
      expect(await inspector().textContent()).toContain('values of the first 100');
      expect(await inspector().getByRole('textbox', { name: 'Title' }).inputValue()).toBe(TITLE);
      expect(await inspector().getByRole('button', { name: 'Rate 4 stars' }).getAttribute('aria-pressed')).toBe('true');
      expect(await inspector().getByRole('group', { name: 'Flag' }).getByRole('button', { name: 'Pick' }).getAttribute('aria-pressed')).toBe('true');
      expect(await inspector().getByRole('button', { name: `Remove tag ${TAG}` }).count()).toBe(1);
      // A moment for any straggling read to show up in the count.
      await page.waitForTimeout(500);
    } finally {
      page.off('request', onRequest);
    }
    const byName = [...new Set(reads)].map((n) => `${n} ×${reads.filter((r) => r === n).length}`);
    expect(reads.length, `the inspector's reads: ${byName.join(', ')}`).toBeLessThanOrEqual(2);
    expect(app.errors.filter((e) => !/favicon/.test(e))).toEqual([]);
  });

  it('in a window of the smallest size (960 × 600) with the selection bar showing, the grid keeps two rows of the smallest tiles', async () => {
    const { page } = app;
    expect(await selectedCount()).toBe(N);
    const slider = page.getByRole('slider', { name: 'Thumbnail size' });
    await slider.focus();
    await page.keyboard.press('Home');
    await expect.poll(() => slider.getAttribute('aria-valuenow')).toBe('80');
    await page.setViewportSize({ width: 960, height: 600 }); // src/main/window.ts minWidth, minHeight
    try {
      await page.waitForTimeout(300);
      await page.screenshot({ path: join(SCREENSHOTS, 'selection-smallest-window.png') });
      const g = (await grid().boundingBox())!;
      const cell = (await grid().locator('.cell').first().boundingBox())!;
      expect(g.height, `grid ${g.height} px tall, a tile ${cell.height} px`).toBeGreaterThanOrEqual(2 * cell.height);
    } finally {
      await page.setViewportSize({ width: 1440, height: 900 });
    }
    expect(app.errors.filter((e) => !/favicon/.test(e))).toEqual([]);
  });
});
