/**
 * src/shared/providers/openai.ts: per-model parameter schemas, the gpt-image-2 size rules (boundaries and a
 * property against an independent oracle), transparent/jpeg refusal, and the cost functions.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  GPT_IMAGE_2_ALLOWS_TRANSPARENT,
  GPT_IMAGE_2_SIZE_PRESETS,
  OPENAI_LIMITS,
  OPENAI_PARAMS,
  OPENAI_PRICES,
  OpenAiGptImage15Params,
  OpenAiGptImage1MiniParams,
  OpenAiGptImage1Params,
  OpenAiGptImage2Params,
  PRICES_SOURCE,
  PRICES_TAKEN,
  checkGptImage2Size,
  costFromUsage,
  estimateOpenAiUsd,
  type GptImage2SizeReason,
} from '../../src/shared/providers/openai';

const ok = (schema: { safeParse(v: unknown): { success: boolean } }, v: unknown) => schema.safeParse(v).success;

describe('parameter schemas: documented defaults', () => {
  it('gpt-image-2', () => {
    expect(OpenAiGptImage2Params.parse({})).toEqual({
      size: 'auto',
      quality: 'auto',
      background: 'auto',
      output_format: 'png',
      output_compression: 100,
      moderation: 'auto',
      n: 1,
    });
  });

  it('gpt-image-1.5 and gpt-image-1 add input_fidelity low; gpt-image-1-mini has none', () => {
    const expected = {
      size: 'auto',
      quality: 'auto',
      background: 'auto',
      output_format: 'png',
      output_compression: 100,
      moderation: 'auto',
      n: 1,
    };
    expect(OpenAiGptImage15Params.parse({})).toEqual({ ...expected, input_fidelity: 'low' });
    expect(OpenAiGptImage1Params.parse({})).toEqual({ ...expected, input_fidelity: 'low' });
    expect(OpenAiGptImage1MiniParams.parse({})).toEqual(expected);
  });

  it('every schema is strict: an unknown key (e.g. response_format) is refused', () => {
    for (const schema of Object.values(OPENAI_PARAMS)) {
      expect(ok(schema, { response_format: 'b64_json' })).toBe(false);
      expect(ok(schema, { aspect_ratio: '1:1' })).toBe(false);
    }
  });
});

describe('parameter schemas: what each model refuses', () => {
  it('input_fidelity only for gpt-image-1 and -1.5', () => {
    expect(ok(OpenAiGptImage2Params, { input_fidelity: 'high' })).toBe(false);
    expect(ok(OpenAiGptImage1MiniParams, { input_fidelity: 'low' })).toBe(false);
    expect(ok(OpenAiGptImage1Params, { input_fidelity: 'high' })).toBe(true);
    expect(ok(OpenAiGptImage15Params, { input_fidelity: 'medium' })).toBe(false);
  });

  it('n 1–10 integers, output_compression 0–100 integers, enums exact', () => {
    for (const schema of Object.values(OPENAI_PARAMS)) {
      expect(ok(schema, { n: 0 })).toBe(false);
      expect(ok(schema, { n: 10 })).toBe(true);
      expect(ok(schema, { n: 11 })).toBe(false);
      expect(ok(schema, { n: 1.5 })).toBe(false);
      expect(ok(schema, { output_compression: 0, output_format: 'jpeg' })).toBe(true);
      expect(ok(schema, { output_compression: -1 })).toBe(false);
      expect(ok(schema, { output_compression: 101 })).toBe(false);
      expect(ok(schema, { quality: 'standard' })).toBe(false);
      expect(ok(schema, { moderation: 'off' })).toBe(false);
      expect(ok(schema, { output_format: 'gif' })).toBe(false);
    }
  });

  it('gpt-image-1 family: only the three fixed sizes and auto', () => {
    for (const schema of [OpenAiGptImage15Params, OpenAiGptImage1Params, OpenAiGptImage1MiniParams]) {
      for (const s of ['auto', '1024x1024', '1536x1024', '1024x1536']) expect(ok(schema, { size: s })).toBe(true);
      for (const s of ['1536x864', '2048x2048', '1792x1024', '256x256']) expect(ok(schema, { size: s })).toBe(false);
    }
  });

  it('transparent needs png or webp, refused with jpeg at path background', () => {
    for (const schema of [OpenAiGptImage15Params, OpenAiGptImage1Params, OpenAiGptImage1MiniParams]) {
      expect(ok(schema, { background: 'transparent' })).toBe(true);
      expect(ok(schema, { background: 'transparent', output_format: 'webp' })).toBe(true);
      const r = schema.safeParse({ background: 'transparent', output_format: 'jpeg' });
      expect(r.success).toBe(false);
      expect(r.error?.issues[0]?.path).toEqual(['background']);
      expect(ok(schema, { background: 'opaque', output_format: 'jpeg' })).toBe(true);
    }
  });

  it('gpt-image-2 transparent follows GPT_IMAGE_2_ALLOWS_TRANSPARENT (off: sources conflict)', () => {
    expect(GPT_IMAGE_2_ALLOWS_TRANSPARENT).toBe(false);
    expect(ok(OpenAiGptImage2Params, { background: 'transparent' })).toBe(GPT_IMAGE_2_ALLOWS_TRANSPARENT);
    expect(ok(OpenAiGptImage2Params, { background: 'transparent', output_format: 'jpeg' })).toBe(false);
    expect(ok(OpenAiGptImage2Params, { background: 'opaque' })).toBe(true);
  });

  it('the size error carries the named reasons', () => {
    const r = OpenAiGptImage2Params.safeParse({ size: '4000x1000' });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.path).toEqual(['size']);
    expect(r.error?.issues[0]?.message).toMatch(/not_multiple_of_16, aspect_out_of_range, edge_too_long/);
  });

  it('limits as documented', () => {
    expect(OPENAI_LIMITS).toMatchObject({ maxPromptChars: 32_000, maxInputImages: 16, maxInputImageBytes: 50_000_000, maxMaskBytes: 4_000_000 });
  });
});

describe('checkGptImage2Size', () => {
  it.each<[string, GptImage2SizeReason[] | 'ok']>([
    ['auto', 'ok'],
    ['1024x1024', 'ok'],
    ['1024x640', 'ok'], // exactly 655,360 px
    ['3840x2160', 'ok'], // exactly 8,294,400 px and the max edge
    ['2160x3840', 'ok'],
    ['2880x2880', 'ok'], // exactly 8,294,400 px
    ['3840x1280', 'ok'], // exactly 3:1
    ['1280x3840', 'ok'],
    ['1024x624', ['too_few_pixels']], // 638,976 px
    ['3840x2176', ['too_many_pixels']], // 8,355,840 px
    ['2896x2896', ['too_many_pixels']],
    ['3856x2160', ['edge_too_long', 'too_many_pixels']],
    ['3840x1264', ['aspect_out_of_range']], // 3.04:1
    ['1264x3840', ['aspect_out_of_range']],
    ['1000x1000', ['not_multiple_of_16']],
    ['1032x1024', ['not_multiple_of_16']],
    ['4096x1024', ['aspect_out_of_range', 'edge_too_long']],
    ['16x16', ['too_few_pixels']],
    ['1024X1024', ['malformed']],
    ['1024 x 1024', ['malformed']],
    ['0x1024', ['malformed']],
    ['01024x1024', ['malformed']],
    ['1024x', ['malformed']],
    ['-16x16', ['malformed']],
    ['', ['malformed']],
  ])('%s → %j', (size, expected) => {
    const c = checkGptImage2Size(size);
    if (expected === 'ok') expect(c.ok).toBe(true);
    else expect(c).toEqual({ ok: false, reasons: expected });
  });

  it('returns the parsed width and height (px)', () => {
    expect(checkGptImage2Size('1536x864')).toEqual({ ok: true, auto: false, width: 1536, height: 864 });
    expect(checkGptImage2Size('auto')).toEqual({ ok: true, auto: true });
  });

  it('every preset is valid', () => {
    for (const s of GPT_IMAGE_2_SIZE_PRESETS) expect(checkGptImage2Size(s).ok).toBe(true);
  });

  /** Independent oracle (BigInt, written from the rule text): the set of reasons each size must get. */
  function oracle(w: number, h: number): GptImage2SizeReason[] {
    const W = BigInt(w);
    const H = BigInt(h);
    const out: GptImage2SizeReason[] = [];
    if (W % 16n !== 0n || H % 16n !== 0n) out.push('not_multiple_of_16');
    const [lo, hi] = W < H ? [W, H] : [H, W];
    if (hi * 1n > lo * 3n) out.push('aspect_out_of_range');
    if (hi > 3840n) out.push('edge_too_long');
    if (W * H < 655_360n) out.push('too_few_pixels');
    if (W * H > 8_294_400n) out.push('too_many_pixels');
    return out;
  }

  it('agrees with an independent oracle on every WxH, is symmetric, and lists reasons in order (property)', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.integer({ min: 1, max: 6000 }), fc.integer({ min: 1, max: 375 }).map((k) => k * 16)),
        fc.oneof(fc.integer({ min: 1, max: 6000 }), fc.integer({ min: 1, max: 375 }).map((k) => k * 16)),
        (w, h) => {
          const c = checkGptImage2Size(`${w}x${h}`);
          const want = oracle(w, h);
          if (want.length === 0) expect(c).toEqual({ ok: true, auto: false, width: w, height: h });
          else expect(c).toEqual({ ok: false, reasons: want });
          expect(checkGptImage2Size(`${h}x${w}`).ok).toBe(c.ok);
          // The schema accepts exactly the sizes the check accepts.
          expect(OpenAiGptImage2Params.safeParse({ size: `${w}x${h}` }).success).toBe(c.ok);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('prices and costs (third-party figures)', () => {
  it('one table, dated, with its source', () => {
    expect(PRICES_TAKEN).toBe('2026-11');
    expect(PRICES_SOURCE).toMatch(/third-party/);
    expect(OPENAI_PRICES['gpt-image-1']?.tokens).toEqual({ textIn: 5, textInCached: 1.25, imageIn: 10, imageInCached: 2.5, imageOut: 40 });
    expect(OPENAI_PRICES['gpt-image-1-mini']).toBeNull();
  });

  it('estimateOpenAiUsd: per-image price × area / 1024² × n; auto quality as high, auto size as 1536×1024', () => {
    expect(estimateOpenAiUsd('gpt-image-1', { quality: 'high', size: '1024x1024', n: 2 })).toBeCloseTo(0.334, 9);
    expect(estimateOpenAiUsd('gpt-image-1', { quality: 'low', size: '1536x1024' })).toBeCloseTo(0.0165, 9);
    expect(estimateOpenAiUsd('gpt-image-1.5', { quality: 'medium', size: '1024x1024' })).toBeCloseTo(0.034, 9);
    expect(estimateOpenAiUsd('gpt-image-2', { quality: 'auto', size: 'auto' })).toBeCloseTo(0.211 * 1.5, 9);
    expect(estimateOpenAiUsd('gpt-image-2', { quality: 'low', size: '2048x2048' })).toBeCloseTo(0.024, 9);
    expect(estimateOpenAiUsd('gpt-image-2', {})).toBeCloseTo(0.3165, 9);
    expect(estimateOpenAiUsd('gpt-image-1-mini', { quality: 'low' })).toBeNull();
    expect(estimateOpenAiUsd('gpt-image-2', { size: 'big' })).toBeNull();
  });

  it('costFromUsage: text in, image in and image out at their per-1M prices', () => {
    const usage = {
      input_tokens: 50,
      output_tokens: 4160,
      total_tokens: 4210,
      input_tokens_details: { text_tokens: 40, image_tokens: 10 },
      output_tokens_details: { text_tokens: 0, image_tokens: 4160 },
    };
    // gpt-image-1: 40·5 + 10·10 + 4160·40 = 166,700 µ$/1M → 0.1667 USD
    expect(costFromUsage('gpt-image-1', usage)).toBe(0.1667);
    // gpt-image-2: 40·5 + 10·8 + 4160·30 = 125,080 → 0.12508
    expect(costFromUsage('gpt-image-2', usage)).toBe(0.12508);
    // gpt-image-1.5: 40·5 + 10·8 + 4160·32 = 133,400 → 0.1334
    expect(costFromUsage('gpt-image-1.5', usage)).toBe(0.1334);
    expect(costFromUsage('gpt-image-1-mini', usage)).toBeNull();
  });

  it('costFromUsage without details prices all input as image input (an upper bound)', () => {
    expect(costFromUsage('gpt-image-1', { input_tokens: 100, output_tokens: 1000, total_tokens: 1100 })).toBe(0.041);
  });

  it('costFromUsage is monotonic in every token count (property)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('gpt-image-2', 'gpt-image-1.5', 'gpt-image-1') as fc.Arbitrary<'gpt-image-2' | 'gpt-image-1.5' | 'gpt-image-1'>,
        fc.nat(100_000),
        fc.nat(100_000),
        fc.nat(100_000),
        fc.integer({ min: 1, max: 10_000 }),
        (model, text, image, out, extra) => {
          const u = (t: number, i: number, o: number) => ({
            input_tokens: t + i,
            output_tokens: o,
            total_tokens: t + i + o,
            input_tokens_details: { text_tokens: t, image_tokens: i },
          });
          const base = costFromUsage(model, u(text, image, out))!;
          expect(base).toBeGreaterThanOrEqual(0);
          expect(costFromUsage(model, u(text + extra, image, out))!).toBeGreaterThan(base);
          expect(costFromUsage(model, u(text, image + extra, out))!).toBeGreaterThan(base);
          expect(costFromUsage(model, u(text, image, out + extra))!).toBeGreaterThan(base);
        },
      ),
    );
  });
});
