/**
 * EvoLink gpt-image-2 parameters (src/shared/providers/evolink.ts): schema defaults and refusals, every WxH rule at
 * its exact boundaries, a property test that anything the checker accepts obeys every documented rule, the ratio ×
 * resolution pixel sizes of EvoLink's rules (https://github.com/EvoLinkAI/gpt-image-2-gen-skill
 * `references/api-params.md`), and the cost estimate from https://evolink.ai/gpt-image-2.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  EVOLINK_MAX_IMAGE_BYTES,
  EVOLINK_MAX_IMAGES,
  EVOLINK_MAX_PROMPT_CODEPOINTS,
  EVOLINK_RATIOS,
  EVOLINK_RESOLUTIONS,
  EVOLINK_CREDITS_PER_USD,
  EvolinkGptImage2Params,
  checkEvolinkSize,
  codePointLength,
  estimateEvolinkUsd,
  estimatePromptTokens,
  evolinkCreditsToUsd,
  evolinkPixelSize,
  parseEvolinkWxH,
} from '../../src/shared/providers/evolink';
import { DEFAULT_PRICES } from '../../src/shared/pricing';

describe('EvolinkGptImage2Params', () => {
  it('parses {} to the documented defaults', () => {
    expect(EvolinkGptImage2Params.parse({})).toEqual({ size: 'auto', resolution: '1K', quality: 'medium', n: 1 });
  });

  it('accepts every ratio, every resolution, each quality and n 1–10', () => {
    for (const size of EVOLINK_RATIOS) {
      for (const resolution of EVOLINK_RESOLUTIONS) {
        expect(EvolinkGptImage2Params.safeParse({ size, resolution }).success).toBe(true);
      }
    }
    for (const quality of ['low', 'medium', 'high']) expect(EvolinkGptImage2Params.safeParse({ quality }).success).toBe(true);
    expect(EvolinkGptImage2Params.safeParse({ n: 1 }).success).toBe(true);
    expect(EvolinkGptImage2Params.safeParse({ n: 10 }).success).toBe(true);
    expect(EvolinkGptImage2Params.parse({ size: '1024x1536' }).size).toBe('1024x1536');
  });

  it('refuses quality auto, n outside 1–10 or fractional, unknown resolution and unknown keys', () => {
    expect(EvolinkGptImage2Params.safeParse({ quality: 'auto' }).success).toBe(false);
    expect(EvolinkGptImage2Params.safeParse({ n: 0 }).success).toBe(false);
    expect(EvolinkGptImage2Params.safeParse({ n: 11 }).success).toBe(false);
    expect(EvolinkGptImage2Params.safeParse({ n: 1.5 }).success).toBe(false);
    expect(EvolinkGptImage2Params.safeParse({ resolution: '8K' }).success).toBe(false);
    const unknown = EvolinkGptImage2Params.safeParse({ background: 'opaque' });
    expect(unknown.success).toBe(false);
    expect(unknown.error?.issues[0]?.code).toBe('unrecognized_keys');
    // Apiframe's parameter names are not EvoLink's.
    expect(EvolinkGptImage2Params.safeParse({ aspect_ratio: '1:1' }).success).toBe(false);
    expect(EvolinkGptImage2Params.safeParse({ number_of_images: 2 }).success).toBe(false);
  });

  it("a refused size yields one issue on 'size' that names the rule", () => {
    const cases: Array<[string, string]> = [
      ['1000x1000', 'not_multiple_of_16'],
      ['4096x160', 'edge_out_of_range'],
      ['800x800', 'too_few_pixels'],
      ['3840x3840', 'too_many_pixels'],
      ['3840x1008', 'aspect_too_wide'],
      ['big', 'bad_format'],
      ['1024X1024', 'bad_format'],
      ['16:10', 'bad_format'],
    ];
    for (const [size, reason] of cases) {
      const r = EvolinkGptImage2Params.safeParse({ size });
      expect(r.success, size).toBe(false);
      const issue = r.error?.issues[0];
      expect(issue?.path).toEqual(['size']);
      expect(issue?.message.startsWith(`${reason}:`), `${size}: ${issue?.message}`).toBe(true);
      expect((issue as { params?: { reason?: string } } | undefined)?.params?.reason).toBe(reason);
    }
  });
});

describe('checkEvolinkSize: each rule at its exact boundary', () => {
  const reasonOf = (s: string) => {
    const r = checkEvolinkSize(s);
    return r.ok ? 'ok' : r.reason;
  };

  it('auto and the 15 ratios pass; other ratio-looking strings are bad_format', () => {
    expect(EVOLINK_RATIOS).toHaveLength(15);
    expect(reasonOf('auto')).toBe('ok');
    for (const r of EVOLINK_RATIOS) expect(reasonOf(r)).toBe('ok');
    for (const s of ['16:10', '1:4', 'AUTO', '', ' 1024x1024', '1024x1024 ', '1024*1024', '01024x1024', '-16x16', '1024.0x1024']) {
      expect(reasonOf(s), JSON.stringify(s)).toBe('bad_format');
    }
  });

  it('multiples of 16', () => {
    expect(reasonOf('1024x1024')).toBe('ok');
    expect(reasonOf('1040x1024')).toBe('ok');
    expect(reasonOf('1032x1024')).toBe('not_multiple_of_16');
    expect(reasonOf('1024x1031')).toBe('not_multiple_of_16');
  });

  it('edges 16–3840: 3840 passes, 3856 fails; 16 is the floor of the rule', () => {
    expect(reasonOf('3840x2160')).toBe('ok');
    expect(reasonOf('3856x1024')).toBe('edge_out_of_range');
    expect(reasonOf('1024x3856')).toBe('edge_out_of_range');
    expect(reasonOf('0x1024')).toBe('edge_out_of_range');
    // 16 px is a legal edge length; 16 × 3840 is refused by the pixel floor, not by the edge rule.
    expect(reasonOf('16x3840')).toBe('too_few_pixels');
  });

  it('655,360 ≤ W·H: exactly 655,360 passes, one 16-px step below fails', () => {
    expect(640 * 1024).toBe(655_360);
    expect(reasonOf('640x1024')).toBe('ok');
    expect(reasonOf('1024x640')).toBe('ok');
    expect(reasonOf('624x1024')).toBe('too_few_pixels');
    expect(reasonOf('1024x624')).toBe('too_few_pixels');
  });

  it('W·H ≤ 8,294,400: exactly 8,294,400 (2880², 3840×2160) passes, one step above fails', () => {
    expect(reasonOf('2880x2880')).toBe('ok');
    expect(reasonOf('3840x2160')).toBe('ok');
    expect(reasonOf('2160x3840')).toBe('ok');
    expect(reasonOf('2896x2880')).toBe('too_many_pixels');
    expect(reasonOf('3840x2176')).toBe('too_many_pixels');
  });

  it('aspect ≤ 3:1: exactly 3:1 passes both ways, one step wider fails', () => {
    expect(reasonOf('2400x800')).toBe('ok');
    expect(reasonOf('800x2400')).toBe('ok');
    expect(reasonOf('2416x800')).toBe('aspect_too_wide');
    expect(reasonOf('800x2416')).toBe('aspect_too_wide');
    expect(reasonOf('3840x1280')).toBe('ok');
    expect(reasonOf('3840x1264')).toBe('aspect_too_wide');
  });

  it('detail names the numbers', () => {
    const r = checkEvolinkSize('3840x3840');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.detail).toContain('14745600');
  });

  it('property: any WxH the checker accepts satisfies every documented rule', () => {
    const edge = fc.oneof(fc.integer({ min: 0, max: 4000 }), fc.integer({ min: 0, max: 250 }).map((k) => k * 16));
    fc.assert(
      fc.property(edge, edge, (w, h) => {
        const r = checkEvolinkSize(`${w}x${h}`);
        const rules =
          w % 16 === 0 &&
          h % 16 === 0 &&
          w >= 16 &&
          h >= 16 &&
          w <= 3840 &&
          h <= 3840 &&
          w * h >= 655_360 &&
          w * h <= 8_294_400 &&
          Math.max(w, h) / Math.min(w, h) <= 3;
        // Accepted exactly when every rule holds (so the rules are also not stricter than documented).
        expect(r.ok).toBe(rules);
      }),
      { numRuns: 5000 },
    );
  });

  it('property: arbitrary strings never throw and are accepted only when auto, a ratio or a valid WxH', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 20 }), (s) => {
        const r = checkEvolinkSize(s);
        if (r.ok) expect(s === 'auto' || (EVOLINK_RATIOS as readonly string[]).includes(s) || parseEvolinkWxH(s) !== null).toBe(true);
      }),
    );
  });
});

describe('evolinkPixelSize', () => {
  it('reproduces the nine ratio × resolution examples of EvoLink’s gpt-image-2 skill', () => {
    const examples: Array<[string, '1K' | '2K' | '4K', number, number]> = [
      ['1:1', '1K', 1024, 1024],
      ['1:1', '2K', 2048, 2048],
      ['1:1', '4K', 2880, 2880],
      ['16:9', '1K', 1360, 768],
      ['16:9', '2K', 2736, 1536],
      ['16:9', '4K', 3840, 2160],
      ['3:2', '1K', 1248, 832],
      ['3:2', '2K', 2512, 1680],
      ['3:2', '4K', 3520, 2352],
    ];
    for (const [size, res, w, h] of examples) expect(evolinkPixelSize(size, res), `${size} ${res}`).toEqual({ width: w, height: h });
    // "portrait swaps W/H"
    expect(evolinkPixelSize('9:16', '4K')).toEqual({ width: 2160, height: 3840 });
    expect(evolinkPixelSize('2:3', '1K')).toEqual({ width: 832, height: 1248 });
  });

  it('every ratio at every resolution gives a size that passes the WxH rules, near the ratio', () => {
    for (const ratio of EVOLINK_RATIOS) {
      const [a, b] = ratio.split(':').map(Number) as [number, number];
      for (const res of EVOLINK_RESOLUTIONS) {
        const px = evolinkPixelSize(ratio, res);
        if (!px) throw new Error(`${ratio} ${res}: null`);
        expect(checkEvolinkSize(`${px.width}x${px.height}`), `${ratio} ${res}`).toEqual({ ok: true });
        expect(Math.abs(px.width / px.height / (a / b) - 1), `${ratio} ${res}`).toBeLessThan(0.02);
      }
    }
  });

  it('WxH is taken as is (resolution ignored); auto and invalid sizes give null', () => {
    expect(evolinkPixelSize('1024x1536', '4K')).toEqual({ width: 1024, height: 1536 });
    expect(evolinkPixelSize('auto', '2K')).toBeNull();
    expect(evolinkPixelSize('1000x1000', '1K')).toBeNull();
  });
});

describe('limits', () => {
  it('are the documented numbers', () => {
    expect(EVOLINK_MAX_PROMPT_CODEPOINTS).toBe(32000);
    expect(EVOLINK_MAX_IMAGES).toBe(16);
    expect(EVOLINK_MAX_IMAGE_BYTES).toBe(50 * 1024 * 1024);
  });

  it('codePointLength counts code points, not UTF-16 units', () => {
    expect(codePointLength('abc')).toBe(3);
    expect('🦊'.length).toBe(2);
    expect(codePointLength('🦊🦊')).toBe(2);
    expect(codePointLength('é')).toBe(1);
  });
});

describe('estimateEvolinkUsd (EvoLink’s gpt-image-2 price page)', () => {
  const usd = (p: Record<string, unknown>, refs = 0) => {
    const v = estimateEvolinkUsd(p, refs);
    if (v === null) throw new Error('null estimate');
    return v;
  };

  it('low 1K 1:1, no references: 16² · 1024²/2048² = 64 output tokens → $0.001728', () => {
    expect(usd({ size: '1:1', quality: 'low' })).toBeCloseTo(0.001728, 9);
  });

  it('the cheapest preset (low, 1K, any ratio) is the page’s lower bound $0.0017', () => {
    const all = EVOLINK_RATIOS.map((size) => usd({ size, quality: 'low', resolution: '1K' }));
    expect(Math.min(...all)).toBeCloseTo(0.0017, 4);
  });

  it('the dearest preset (high, 4K, 16 references) is the page’s upper bound $0.817', () => {
    const all = EVOLINK_RATIOS.map((size) => usd({ size, quality: 'high', resolution: '4K' }, 16));
    expect(Math.max(...all)).toBeCloseTo(0.817, 3);
    // 2880² high: 96² · 8,294,400 / 2048² = 18,225 output tokens.
    expect(usd({ size: '2880x2880', quality: 'high' })).toBeCloseTo((18_225 * 0.027) / 1000, 9);
  });

  it('quality ratios match the page: low ≈ 0.11× medium, high = 4× medium', () => {
    const m = usd({ size: '1:1', quality: 'medium' });
    expect(usd({ size: '1:1', quality: 'low' }) / m).toBeCloseTo(256 / 2304, 3);
    expect(usd({ size: '1:1', quality: 'high' }) / m).toBeCloseTo(4, 6);
  });

  it('scales with n and pixels; references add 2,820 image-input tokens each, once per image of n ("Multiply by Count")', () => {
    const one = usd({ size: '1:1', resolution: '2K' });
    expect(usd({ size: '1:1', resolution: '2K', n: 3 })).toBeCloseTo(3 * one, 6);
    expect(usd({ size: '1:1', resolution: '2K' })).toBeCloseTo(4 * usd({ size: '1:1', resolution: '1K' }), 6);
    const perRef = (2820 * 0.0072) / 1000;
    expect(usd({ n: 2 }, 3) - usd({ n: 2 }, 0)).toBeCloseTo(2 * 3 * perRef, 6);
    expect(usd({ n: 3 }, 16)).toBeCloseTo(3 * usd({ n: 1 }, 16), 6);
  });

  it('resolution is ignored for WxH; auto is estimated at the page’s 2048×2048 cap', () => {
    expect(usd({ size: '1024x1024', resolution: '4K' })).toBe(usd({ size: '1:1', resolution: '1K' }));
    expect(usd({ size: 'auto', resolution: '1K' })).toBe(usd({ size: '2048x2048' }));
    expect(usd({ size: 'auto', quality: 'high' })).toBeCloseTo((96 * 96 * 0.027) / 1000, 9);
  });

  it('text input tokens of the prompt count at $0.0045 per 1K, per image of n', () => {
    expect(estimatePromptTokens('')).toBe(0);
    expect(estimatePromptTokens('a red fox')).toBe(3); // 9 ASCII characters / 4, rounded up
    expect(estimatePromptTokens('붉은 여우')).toBe(5); // 4 Hangul + 1 space (ASCII)
    const p = 'x'.repeat(32_000); // 8,000 tokens
    expect(estimateEvolinkUsd({ n: 2 }, 0, DEFAULT_PRICES, p)! - usd({ n: 2 })).toBeCloseTo((2 * 8000 * 0.0045) / 1000, 6);
  });

  it('credits to USD at the 68 credits per $1 the page’s table implies (1.836 credits = $0.027)', () => {
    expect(EVOLINK_CREDITS_PER_USD).toBe(68);
    expect(evolinkCreditsToUsd(1.836)).toBeCloseTo(0.027, 9);
    expect(evolinkCreditsToUsd(0.4896)).toBeCloseTo(0.0072, 9);
    expect(evolinkCreditsToUsd(null)).toBeNull();
    expect(evolinkCreditsToUsd(-1)).toBeNull();
  });

  it('null for invalid parameters or a reference count outside 0–16', () => {
    expect(estimateEvolinkUsd({ size: '1000x1000' }, 0)).toBeNull();
    expect(estimateEvolinkUsd({ quality: 'auto' } as never, 0)).toBeNull();
    expect(estimateEvolinkUsd({}, 17)).toBeNull();
    expect(estimateEvolinkUsd({}, -1)).toBeNull();
    expect(estimateEvolinkUsd({}, 1.5)).toBeNull();
  });
});
