/**
 * EvoLink reports a job's charge as `usage.credits_reserved`, in its own credits. The job and the image's recipe
 * show the USD it stands for at the 68 credits per $1 the price table implies (1.836 credits = $0.027), as a
 * derived figure beside — never instead of — the actual-charge field, which stays null; and the estimate before
 * submit counts size auto at the 2048×2048 cap and the prompt's text tokens. Spend, budgets and the cost per kept
 * image count such a job at that derived USD (`usdDerived`), not at its estimate.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/main/app';
import { estimateUsd } from '../../src/shared/capabilities';
import { call, openTestApp, tempDir, waitFor } from '../helpers/app';
import { startEvolinkTestServer, type EvolinkTestServer } from '../servers/evolink/server';

const KEY = 'sk-evo-test-key-0001';

describe('EvoLink credits shown as derived USD', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let ev: EvolinkTestServer;
  let app: App;

  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir('atelier-evo-usd-'));
    ev = await startEvolinkTestServer({ keys: [KEY], taskDurationMs: 200 });
    app = await openTestApp(join(dir, 'lib'), { env: { ATELIER_EVOLINK_BASE_URL: ev.url } });
    await call(app, 'settings.setKey', { provider: 'evolink', key: KEY });
  });
  afterAll(async () => {
    await call(app, 'settings.clearKey', { provider: 'evolink' }).catch(() => {});
    await app?.close();
    await ev?.close();
    await cleanup?.();
  });

  it('credits_reserved ÷ 68 on the job and the recipe; costUsd stays null; the estimate counts auto at 2048² and the prompt', async () => {
    const folderId = (await call(app, 'folders.create', { name: 'Evo', parentId: null })).id;
    const prompt = 'a paper lantern festival at night, 등불 축제';
    const params = { size: 'auto', quality: 'medium', n: 2 };
    const job = await call(app, 'jobs.submit', { folderId, provider: 'evolink', model: 'gpt-image-2', prompt, params, references: [] });
    const done = await waitFor(async () => {
      const j = await call(app, 'jobs.get', { id: job.id });
      return j.state === 'completed' ? j : null;
    }, 'evolink job');
    const usage = app.services.journal.get(job.id)!.usage as { credits_reserved: number };
    expect(usage.credits_reserved).toBeGreaterThan(0);
    const derived = Math.round((usage.credits_reserved / 68) * 1e6) / 1e6;
    expect(done.costUsd).toBeNull();
    expect(done.costUsdDerived).toBe(derived);
    const recipe = (await call(app, 'assets.get', { id: done.assetIds[0]! })).recipe!;
    expect(recipe.costUsd).toBeNull();
    expect(recipe.costUsdDerived).toBe(derived);
    // The estimate made at submit: 2 × (48² output tokens at 2048², text tokens of the prompt).
    const textTokens = Math.ceil([...prompt].filter((c) => c.codePointAt(0)! < 0x80).length / 4) + [...prompt].filter((c) => c.codePointAt(0)! >= 0x80).length;
    expect(done.usdEstimate).toBeCloseTo((2 * (48 * 48 * 0.027 + textTokens * 0.0045)) / 1000, 6);
    expect(done.usdEstimate).toBe(estimateUsd('evolink', 'gpt-image-2', params, 0, undefined, prompt));

    // Spend counts the job at the derived USD, marked as such: not at its estimate, not as a priced charge.
    for (const groupBy of ['provider', 'project', 'model', 'day'] as const) {
      const rows = await call(app, 'spend.summary', { groupBy, from: null, to: null });
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ jobs: 1, images: 2, usd: 0, unpricedJobs: 0, usdEstimated: 0, creditsEstimated: 0 });
      expect(rows[0]!.usdDerived).toBeCloseTo(derived, 9);
    }
    // And so do the budget and the cost per kept image.
    const budget = await call(app, 'budgets.get', { folderId });
    expect(budget.used).toMatchObject({ usd: 0, usdEstimated: 0 });
    expect(budget.used.usdDerived).toBeCloseTo(derived, 9);
    await call(app, 'assets.update', { ids: [done.assetIds[0]!], patch: { rating: 5 } });
    const [kept] = await call(app, 'spend.kept', { groupBy: 'provider', minRating: 3 });
    expect(kept).toMatchObject({ key: 'evolink', images: 2, kept: 1, estimated: false });
    expect(kept!.usdPerKept).toBeCloseTo(derived, 6);
  });
});
