/**
 * A library whose search index was dropped for a new layout (migration 0017) and is too large to index in one pass
 * before the first call (8,000 images): the gallery opens at once, and a search typed while the index is built again
 * in the background shows what is indexed so far with a status that says so and how far it is; when the index is
 * whole the status goes and the count is the exact one. As a person would, in the built app in the local web host
 * (Debian Chromium); the background steps are spaced out (ATELIER_SEARCH_STEP_PAUSE_MS) so the rebuild lasts a
 * few seconds.
 */
import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { buildLibrary } from '../../bench/library/build';
import { createApp } from '../../src/main/app';
import { SCREENSHOTS } from '../helpers/paths';
import { useWebApp } from './harness';

const N = 8000;

describe('a search while the search index is built again', () => {
  let exact = 0;
  const app = useWebApp('atelier-e2e-indexing-', async (dir) => {
    const lib = await createApp({ dataDir: dir, env: {}, keychainService: `atelier-e2e-indexing-${process.pid}`, logger: pino({ level: 'silent' }) });
    try {
      const built = await buildLibrary(lib, N, 24);
      // The exact answer, from the whole index, before it is dropped: the gallery's query of the project (its
      // sub-folders included, stacks as their covers).
      const scope = { kind: 'folder' as const, folderId: built.projectId, recursive: true };
      const r = await lib.dispatcher.call('assets.query', { scope, text: 'portrait', collapseStacks: true, limit: 1 }, { transport: 'web' });
      if (!r.ok) throw new Error(r.error.message);
      exact = (r.value as { total: number }).total;
      // Dropped as migration 0017 drops it.
      lib.services.db.exec(`DELETE FROM search_fts; DELETE FROM search_docs; DELETE FROM search_dirty;
        DELETE FROM settings WHERE key IN ('search.docOrder', 'search.reorder', 'search.rebuild', 'search.merge');`);
    } finally {
      await lib.close();
    }
    return { ATELIER_SEARCH_STEP_PAUSE_MS: '150' };
  });

  it('shows the matches indexed so far with the progress, then the exact count once the index is whole', async () => {
    const { page } = app;
    expect(exact).toBeGreaterThan(100);
    await page.getByRole('treeitem', { name: 'Bench library' }).click();
    const gallery = page.getByRole('region', { name: 'Gallery' });
    await gallery.getByRole('list', { name: 'Images' }).waitFor({ timeout: 20_000 });
    await gallery.getByRole('searchbox', { name: 'Search' }).fill('portrait');
    const status = gallery.getByRole('status').filter({ hasText: 'Updating the search index' });
    await status.waitFor({ timeout: 10_000 });
    expect(await status.textContent()).toMatch(/^Updating the search index \(\d{1,2}%\): some matches are not shown yet\.$/);
    await page.screenshot({ path: join(SCREENSHOTS, 'search-indexing.png') });
    const count = gallery.locator('.gallery-count');
    const during = Number(((await count.textContent()) ?? '').replace(/[^\d]/g, ''));
    expect(during).toBeLessThan(exact);
    // The view reads itself again as the index grows; the status goes when it is whole.
    await status.waitFor({ state: 'detached', timeout: 60_000 });
    await expect.poll(() => count.textContent(), { timeout: 10_000 }).toBe(`${exact.toLocaleString('en')} matches`);
    expect(app.errors).toEqual([]);
  });
});
