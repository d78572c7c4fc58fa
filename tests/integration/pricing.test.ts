/**
 * The editable price table through the dispatcher (`prices.get` / `prices.set`): an override persists across a
 * restart, bad values are refused naming the field and change nothing, and jobs are estimated (and OpenAI usage
 * priced) with the table in force.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/main/app';
import { PriceTableView } from '../../src/shared/contracts/pricing';
import type { AnyEvent } from '../../src/shared/contract';
import { DEFAULT_PRICES } from '../../src/shared/pricing';
import { call, callError, openTestApp, tempDir, waitFor } from '../helpers/app';
import { startOpenAiTestServer, type OpenAiTestServer } from '../servers/openai/server';
import { startApiframeTestServer, type ApiframeTestServer } from '../servers/apiframe/server';

const KEYS = { apiframe: 'afk_prices_key_0001', openai: 'sk-prices-openai-0001' } as const;
const HIGH = { provider: 'apiframe', model: 'gpt-image-2', item: 'credits_per_image.high' } as const;

describe('prices.get / prices.set', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let af: ApiframeTestServer;
  let oa: OpenAiTestServer;
  let app: App;

  const open = () =>
    openTestApp(dir, { env: { ATELIER_APIFRAME_BASE_URL: af.url, ATELIER_OPENAI_BASE_URL: oa.baseUrl } });

  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
    af = await startApiframeTestServer({ keys: [KEYS.apiframe], jobDurationMs: 300, queueDelayMs: 20, imageLongEdge: 64 });
    oa = await startOpenAiTestServer({ keys: [KEYS.openai], processingDelayMs: 20, maxRenderEdge: 128 });
    app = await open();
  });
  afterEach(async () => {
    for (const provider of ['apiframe', 'openai'] as const) await call(app, 'settings.clearKey', { provider });
    await app.close();
    await Promise.all([af.close(), oa.close()]);
    await cleanup();
  });

  const rowOf = (t: PriceTableView, r: { provider: string; model: string; item: string }) =>
    t.rows.find((x) => x.provider === r.provider && x.model === r.model && x.item === r.item)!;

  it('lists every published row with its value, date and source', async () => {
    const t = await call(app, 'prices.get', {});
    expect(PriceTableView.parse(t)).toEqual(t);
    expect(t.takenAt).toBe(DEFAULT_PRICES.takenAt);
    expect(t.rows).toHaveLength(DEFAULT_PRICES.rows.length);
    for (const r of t.rows) {
      expect(r.value).toBe(r.published);
      expect(r.overridden).toBe(false);
      expect(r.overriddenAt).toBeNull();
      expect(r.source).not.toBe('');
    }
    expect(rowOf(t, HIGH)).toMatchObject({ value: 23, published: 23, unit: 'credits' });
  });

  it('an override persists across a restart; null restores the published value; each change is announced', async () => {
    const seen: AnyEvent[] = [];
    const off = app.services.bus.subscribe((e) => seen.push(e));
    const t = await call(app, 'prices.set', { ...HIGH, value: 30 });
    off();
    expect(seen.filter((e) => e.name === 'prices.changed')).toHaveLength(1);
    expect(rowOf(t, HIGH)).toMatchObject({ value: 30, published: 23, overridden: true });
    expect(rowOf(t, HIGH).overriddenAt).toMatch(/^\d{4}-\d{2}-\d{2}$/);

    await app.close();
    app = await open();
    const after = await call(app, 'prices.get', {});
    expect(rowOf(after, HIGH)).toMatchObject({ value: 30, published: 23, overridden: true });
    // Only that row changed.
    expect(after.rows.filter((r) => r.overridden)).toHaveLength(1);

    const reset = await call(app, 'prices.set', { ...HIGH, value: null });
    expect(rowOf(reset, HIGH)).toMatchObject({ value: 23, overridden: false, overriddenAt: null });
    await app.close();
    app = await open();
    expect(rowOf(await call(app, 'prices.get', {}), HIGH)).toMatchObject({ value: 23, overridden: false });
  });

  it('refuses bad values and unknown rows naming the field, and nothing changes', async () => {
    await call(app, 'prices.set', { ...HIGH, value: 25 });
    const before = await call(app, 'prices.get', {});
    const cases: [Record<string, unknown>, string][] = [
      [{ ...HIGH, value: -1 }, 'value'],
      [{ ...HIGH, value: Number.POSITIVE_INFINITY }, 'value'],
      [{ ...HIGH, value: Number.NaN }, 'value'],
      [{ ...HIGH, value: '12' }, 'value'],
      [{ ...HIGH, provider: 'sandbox', value: 1 }, 'provider'],
      [{ ...HIGH, model: 'gpt-image-9', value: 1 }, 'model'],
      [{ ...HIGH, item: 'credits_per_image.ultra', value: 1 }, 'item'],
      [{ provider: 'openai', model: 'gpt-image-1-mini', item: 'usd_per_image_1024.low', value: 1 }, 'model'],
      [{ provider: 'openai', model: 'gpt-image-1.5', item: 'usd_per_1m_tokens.text_in_cached', value: 1 }, 'item'],
    ];
    for (const [input, field] of cases) {
      const err = await callError(app, 'prices.set', input as never);
      expect(err.code, JSON.stringify(input)).toBe('validation');
      expect(err.params?.['field'], JSON.stringify(input)).toBe(field);
    }
    expect(await call(app, 'prices.get', {})).toEqual(before);
  });

  it("a job's estimate uses the table in force, and OpenAI usage is priced with it", async () => {
    const folderId = (await call(app, 'folders.create', { name: 'Prices', parentId: null })).id;
    for (const p of ['apiframe', 'openai'] as const) await call(app, 'settings.setKey', { provider: p, key: KEYS[p] });
    const submit = (provider: 'apiframe' | 'openai', model: string, params: Record<string, unknown>) =>
      call(app, 'jobs.submit', { folderId, provider, model: model as 'gpt-image-2', prompt: 'a lighthouse at dusk', params, references: [] });

    const done = (id: string) =>
      waitFor(async () => {
        const j = await call(app, 'jobs.get', { id });
        return ['completed', 'failed'].includes(j.state) ? j : null;
      }, `job ${id}`);

    // Published: 23 credits per high image; 0.042 USD per medium 1024² image on gpt-image-1.
    expect((await submit('apiframe', 'gpt-image-2', { quality: 'high', number_of_images: 2 })).creditsEstimate).toBe(46);
    const before = await submit('openai', 'gpt-image-1', { quality: 'medium', size: '1024x1024' });
    expect(before.usdEstimate).toBe(0.042);
    const b = await done(before.id);
    expect(b.state).toBe('completed');
    expect(b.costUsd).toBeGreaterThan(0); // priced from its usage with the published token prices

    await call(app, 'prices.set', { ...HIGH, value: 30 });
    await call(app, 'prices.set', { provider: 'openai', model: 'gpt-image-1', item: 'usd_per_image_1024.medium', value: 0.05 });
    for (const item of ['usd_per_1m_tokens.text_in', 'usd_per_1m_tokens.image_in', 'usd_per_1m_tokens.image_out']) {
      await call(app, 'prices.set', { provider: 'openai', model: 'gpt-image-1', item, value: 0 });
    }
    expect((await submit('apiframe', 'gpt-image-2', { quality: 'high', number_of_images: 2 })).creditsEstimate).toBe(60);
    const after = await submit('openai', 'gpt-image-1', { quality: 'medium', size: '1024x1024' });
    expect(after.usdEstimate).toBe(0.05);

    const a = await done(after.id);
    expect(a.state).toBe('completed');
    expect(a.costUsd).toBe(0); // every token price of gpt-image-1 overridden to 0
  });
});
