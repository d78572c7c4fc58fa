/**
 * The one price table (src/shared/pricing.ts): it validates, holds exactly the published figures with the public
 * page each comes from, every estimate reads it (same results as the formulas with those figures), and an
 * override changes the estimate.
 */
import { describe, expect, it } from 'vitest';
import { APIFRAME_CREDITS_PER_IMAGE, estimateCredits, estimateUsd } from '../../src/shared/capabilities';
import {
  applyOverrides,
  DEFAULT_PRICES,
  PriceTable,
  priceOf,
  withPrice,
  type PriceRow,
} from '../../src/shared/pricing';
import {
  EVOLINK_EST_TOKENS_PER_REFERENCE,
  EVOLINK_TILE_BASE,
  EVOLINK_USD_PER_1K_TOKENS,
  estimateEvolinkUsd,
  evolinkPixelSize,
} from '../../src/shared/providers/evolink';
import { costFromUsage, estimateOpenAiUsd, OPENAI_PRICES, PRICES_TAKEN } from '../../src/shared/providers/openai';

/**
 * The figures as published: Apiframe's docs-v2 model pages, EvoLink's gpt-image-2 page, third-party compilations of
 * OpenAI's prices.
 */
const PUBLISHED: Record<string, number> = {
  'apiframe gpt-image-2 credits_per_image.low': 4,
  'apiframe gpt-image-2 credits_per_image.medium': 9,
  'apiframe gpt-image-2 credits_per_image.high': 23,
  'apiframe gpt-image-2 credits_per_image.auto': 23,
  'apiframe gpt-image-1.5 credits_per_image.low': 2,
  'apiframe gpt-image-1.5 credits_per_image.medium': 5,
  'apiframe gpt-image-1.5 credits_per_image.high': 14,
  'apiframe gpt-image-1.5 credits_per_image.auto': 14,
  'evolink gpt-image-2 usd_per_1k_tokens.image_output': 0.027,
  'evolink gpt-image-2 usd_per_1k_tokens.image_input': 0.0072,
  'evolink gpt-image-2 usd_per_1k_tokens.image_cached_input': 0.0018,
  'evolink gpt-image-2 usd_per_1k_tokens.text_input': 0.0045,
  'evolink gpt-image-2 usd_per_1k_tokens.text_cached_input': 0.0011,
  'openai gpt-image-2 usd_per_1m_tokens.text_in': 5,
  'openai gpt-image-2 usd_per_1m_tokens.text_in_cached': 1.25,
  'openai gpt-image-2 usd_per_1m_tokens.image_in': 8,
  'openai gpt-image-2 usd_per_1m_tokens.image_in_cached': 2,
  'openai gpt-image-2 usd_per_1m_tokens.image_out': 30,
  'openai gpt-image-2 usd_per_image_1024.low': 0.006,
  'openai gpt-image-2 usd_per_image_1024.medium': 0.053,
  'openai gpt-image-2 usd_per_image_1024.high': 0.211,
  'openai gpt-image-1.5 usd_per_1m_tokens.text_in': 5,
  'openai gpt-image-1.5 usd_per_1m_tokens.image_in': 8,
  'openai gpt-image-1.5 usd_per_1m_tokens.image_out': 32,
  'openai gpt-image-1.5 usd_per_image_1024.low': 0.009,
  'openai gpt-image-1.5 usd_per_image_1024.medium': 0.034,
  'openai gpt-image-1.5 usd_per_image_1024.high': 0.133,
  'openai gpt-image-1 usd_per_1m_tokens.text_in': 5,
  'openai gpt-image-1 usd_per_1m_tokens.text_in_cached': 1.25,
  'openai gpt-image-1 usd_per_1m_tokens.image_in': 10,
  'openai gpt-image-1 usd_per_1m_tokens.image_in_cached': 2.5,
  'openai gpt-image-1 usd_per_1m_tokens.image_out': 40,
  'openai gpt-image-1 usd_per_image_1024.low': 0.011,
  'openai gpt-image-1 usd_per_image_1024.medium': 0.042,
  'openai gpt-image-1 usd_per_image_1024.high': 0.167,
};

const round6 = (x: number): number => Math.round(x * 1e6) / 1e6;

describe('the price table', () => {
  it('validates, and holds exactly the published figures with their unit, source and date', () => {
    expect(PriceTable.parse(DEFAULT_PRICES)).toEqual(DEFAULT_PRICES);
    expect(DEFAULT_PRICES.takenAt).toBe('2026-11');
    expect(PRICES_TAKEN).toBe(DEFAULT_PRICES.takenAt);
    const got = Object.fromEntries(DEFAULT_PRICES.rows.map((r) => [`${r.provider} ${r.model} ${r.item}`, r.value]));
    expect(got).toEqual(PUBLISHED);
    for (const r of DEFAULT_PRICES.rows) {
      expect(r.unit).toBe(r.provider === 'apiframe' ? 'credits' : 'USD');
      // The public page of each price, as Settings → Prices shows it.
      const page =
        r.provider === 'evolink'
          ? 'https://evolink.ai/gpt-image-2'
          : r.provider === 'openai'
            ? 'https://developers.openai.com/api/docs/pricing'
            : r.model === 'gpt-image-2'
              ? 'https://docs-v2.apiframe.ai/docs/images/gpt-image-2'
              : 'https://docs-v2.apiframe.ai/docs/images/gpt-image/gpt-image-1-5';
      expect(r.source.startsWith(page)).toBe(true);
      if (r.provider === 'openai') expect(r.source).toMatch(/third-party/);
      expect(r.overriddenAt).toBeUndefined();
    }
  });

  it('refuses duplicates, negative or non-finite values, a unit that does not fit the item and a bad date', () => {
    const row = DEFAULT_PRICES.rows[0]!;
    const bad = (rows: PriceRow[], takenAt = '2026-11') => PriceTable.safeParse({ takenAt, rows }).success;
    expect(bad([row, row])).toBe(false);
    expect(bad([{ ...row, value: -1 }])).toBe(false);
    expect(bad([{ ...row, value: Number.POSITIVE_INFINITY }])).toBe(false);
    expect(bad([{ ...row, value: Number.NaN }])).toBe(false);
    expect(bad([{ ...row, unit: 'USD' }])).toBe(false);
    expect(bad([{ ...row, item: 'high' }])).toBe(false);
    expect(bad([row], '11/2026')).toBe(false);
    expect(bad([row], '2026-13')).toBe(false);
    expect(bad([row], '2026-11-14')).toBe(true);
  });

  it('the old exported tables are views of it', () => {
    expect(APIFRAME_CREDITS_PER_IMAGE['gpt-image-2']).toEqual({ low: 4, medium: 9, high: 23, auto: 23 });
    expect(APIFRAME_CREDITS_PER_IMAGE['gpt-image-1.5']).toEqual({ low: 2, medium: 5, high: 14, auto: 14 });
    expect(EVOLINK_USD_PER_1K_TOKENS).toEqual({
      imageOutput: 0.027,
      imageInput: 0.0072,
      imageCachedInput: 0.0018,
      textInput: 0.0045,
      textCachedInput: 0.0011,
    });
    expect(OPENAI_PRICES['gpt-image-1.5']).toEqual({
      tokens: { textIn: 5, textInCached: null, imageIn: 8, imageInCached: null, imageOut: 32 },
      perImage1024: { low: 0.009, medium: 0.034, high: 0.133 },
    });
    expect(OPENAI_PRICES['gpt-image-1-mini']).toBeNull();
  });
});

describe('estimates read the table (published figures give the formulas’ results)', () => {
  it('Apiframe credits: credits per image by quality × number_of_images', () => {
    const cases: [string, 'low' | 'medium' | 'high' | 'auto' | undefined, number][] = [
      ['gpt-image-2', 'high', 3],
      ['gpt-image-2', 'low', 1],
      ['gpt-image-2', undefined, 2],
      ['gpt-image-1.5', 'medium', 4],
      ['gpt-image-1.5', 'auto', 10],
    ];
    for (const [model, q, n] of cases) {
      const expected = PUBLISHED[`apiframe ${model} credits_per_image.${q ?? 'auto'}`]! * n;
      const params = { ...(q ? { quality: q } : {}), number_of_images: n };
      expect(estimateCredits('apiframe', model as 'gpt-image-2', params)).toBe(expected);
      expect(estimateCredits('apiframe', model as 'gpt-image-2', params, DEFAULT_PRICES)).toBe(expected);
    }
    expect(estimateCredits('sandbox', 'gpt-image-2', { quality: 'high' })).toBe(0);
    expect(estimateCredits('openai', 'gpt-image-2', { quality: 'high' })).toBeNull();
  });

  it('EvoLink: n · (B² · pixels / 2048² output tokens at the image-output price + 2,820 tokens per reference)', () => {
    const cases: [Record<string, unknown>, number][] = [
      [{ size: '1:1', quality: 'low' }, 0],
      [{ size: '16:9', quality: 'medium', resolution: '2K', n: 2 }, 3],
      [{ size: '2880x2880', quality: 'high' }, 16],
      [{ size: '1:1', quality: 'high', resolution: '4K' }, 1],
    ];
    const out = PUBLISHED['evolink gpt-image-2 usd_per_1k_tokens.image_output']!;
    const inp = PUBLISHED['evolink gpt-image-2 usd_per_1k_tokens.image_input']!;
    for (const [p, refs] of cases) {
      const px = evolinkPixelSize(String(p['size']), (p['resolution'] as '1K' | '2K' | '4K' | undefined) ?? '1K')!;
      const b = EVOLINK_TILE_BASE[p['quality'] as 'low' | 'medium' | 'high'];
      const tokens = (b * b * px.width * px.height) / (2048 * 2048);
      const n = (p['n'] as number | undefined) ?? 1;
      const expected = round6((n * (tokens * out + refs * EVOLINK_EST_TOKENS_PER_REFERENCE * inp)) / 1000);
      expect(estimateEvolinkUsd(p, refs)).toBe(expected);
      expect(estimateUsd('evolink', 'gpt-image-2', p, refs, DEFAULT_PRICES)).toBe(expected);
    }
  });

  it('OpenAI: per-image price × area / 1024² × n (auto quality as high, auto size as 1536×1024)', () => {
    const cases: [string, Record<string, unknown>, number][] = [
      ['gpt-image-1', { quality: 'high', size: '1024x1024', n: 2 }, PUBLISHED['openai gpt-image-1 usd_per_image_1024.high']! * 2],
      ['gpt-image-2', { quality: 'medium', size: '1536x1024', n: 3 }, PUBLISHED['openai gpt-image-2 usd_per_image_1024.medium']! * 1.5 * 3],
      ['gpt-image-2', {}, PUBLISHED['openai gpt-image-2 usd_per_image_1024.high']! * 1.5],
      ['gpt-image-1.5', { quality: 'low', size: '2048x2048' }, PUBLISHED['openai gpt-image-1.5 usd_per_image_1024.low']! * 4],
    ];
    for (const [model, p, expected] of cases) {
      expect(estimateOpenAiUsd(model as 'gpt-image-2', p)).toBe(round6(expected));
      expect(estimateUsd('openai', model as 'gpt-image-2', p, 0)).toBe(round6(expected));
    }
  });

  it('OpenAI cost from usage: tokens × USD per 1M tokens', () => {
    const usage = {
      input_tokens: 1300,
      output_tokens: 6240,
      total_tokens: 7540,
      input_tokens_details: { text_tokens: 300, image_tokens: 1000 },
      output_tokens_details: { text_tokens: 0, image_tokens: 6240 },
    };
    for (const model of ['gpt-image-2', 'gpt-image-1.5', 'gpt-image-1'] as const) {
      const k = (c: string) => PUBLISHED[`openai ${model} usd_per_1m_tokens.${c}`]!;
      const expected = round6((300 * k('text_in') + 1000 * k('image_in') + 6240 * k('image_out')) / 1e6);
      expect(costFromUsage(model, usage)).toBe(expected);
    }
  });
});

describe('an override changes the estimate', () => {
  it('Apiframe credits per image', () => {
    const t = withPrice(DEFAULT_PRICES, 'apiframe', 'gpt-image-2', 'credits_per_image.high', 30);
    expect(estimateCredits('apiframe', 'gpt-image-2', { quality: 'high', number_of_images: 2 }, t)).toBe(60);
    // Other rows and the published table are untouched.
    expect(estimateCredits('apiframe', 'gpt-image-2', { quality: 'low' }, t)).toBe(4);
    expect(estimateCredits('apiframe', 'gpt-image-2', { quality: 'high' })).toBe(23);
    expect(priceOf(DEFAULT_PRICES, 'apiframe', 'gpt-image-2', 'credits_per_image.high')).toBe(23);
  });

  it('EvoLink token prices, OpenAI per-image and token prices', () => {
    const t = applyOverrides(DEFAULT_PRICES, [
      { provider: 'evolink', model: 'gpt-image-2', item: 'usd_per_1k_tokens.image_output', value: 0.054, at: '2026-12-01' },
      { provider: 'openai', model: 'gpt-image-1', item: 'usd_per_image_1024.medium', value: 0.1, at: '2026-12-01' },
      { provider: 'openai', model: 'gpt-image-1', item: 'usd_per_1m_tokens.image_out', value: 80, at: '2026-12-01' },
    ]);
    expect(PriceTable.parse(t)).toEqual(t);
    expect(priceOf(t, 'openai', 'gpt-image-1', 'usd_per_image_1024.medium')).toBe(0.1);
    expect(t.rows.find((r) => r.item === 'usd_per_image_1024.medium' && r.model === 'gpt-image-1')?.overriddenAt).toBe('2026-12-01');
    const p = { size: '1:1', quality: 'medium' };
    expect(estimateUsd('evolink', 'gpt-image-2', p, 0, t)).toBeCloseTo(2 * estimateUsd('evolink', 'gpt-image-2', p, 0)!, 6);
    expect(estimateUsd('openai', 'gpt-image-1', { quality: 'medium', size: '1024x1024' }, 0, t)).toBe(0.1);
    const usage = { input_tokens: 0, output_tokens: 1000, total_tokens: 1000 };
    expect(costFromUsage('gpt-image-1', usage, t)).toBe(round6((1000 * 80) / 1e6));
  });

  it('a table without a figure gives no estimate; stale or bad overrides are ignored', () => {
    const none: PriceTable = { takenAt: '2026-11', rows: DEFAULT_PRICES.rows.filter((r) => r.provider !== 'openai') };
    expect(estimateOpenAiUsd('gpt-image-2', {}, none)).toBeNull();
    expect(costFromUsage('gpt-image-2', { input_tokens: 1, output_tokens: 1, total_tokens: 2 }, none)).toBeNull();
    const t = applyOverrides(DEFAULT_PRICES, [
      { provider: 'openai', model: 'gpt-image-1-mini', item: 'usd_per_image_1024.low', value: 1, at: '2026-12-01' },
      { provider: 'apiframe', model: 'gpt-image-2', item: 'credits_per_image.low', value: -5, at: '2026-12-01' },
    ]);
    expect(t.rows).toEqual(DEFAULT_PRICES.rows);
  });
});
