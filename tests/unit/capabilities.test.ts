import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  ApiframeGptImage15Params,
  ApiframeGptImage2Params,
  CAPABILITIES,
  capabilityOf,
  carryParams,
  estimateCredits,
} from '../../src/shared/capabilities';

describe('Apiframe capability schemas (OpenAPI GenerateImageRequest.oneOf[39], [40])', () => {
  it('fills the documented defaults', () => {
    expect(ApiframeGptImage2Params.parse({})).toEqual({
      quality: 'auto',
      aspect_ratio: '1:1',
      output_format: 'webp',
      background: 'auto',
      moderation: 'auto',
      number_of_images: 1,
    });
    expect(ApiframeGptImage15Params.parse({})).toMatchObject({ input_fidelity: 'low', background: 'auto' });
  });

  it('refuses what the spec refuses', () => {
    expect(ApiframeGptImage2Params.safeParse({ background: 'transparent' }).success).toBe(false);
    expect(ApiframeGptImage2Params.safeParse({ aspect_ratio: '16:9' }).success).toBe(false);
    expect(ApiframeGptImage2Params.safeParse({ input_fidelity: 'high' }).success).toBe(false);
    expect(ApiframeGptImage15Params.safeParse({ moderation: 'low' }).success).toBe(false);
    expect(ApiframeGptImage15Params.safeParse({ background: 'transparent' }).success).toBe(true);
    expect(ApiframeGptImage2Params.safeParse({ number_of_images: 11 }).success).toBe(false);
    expect(ApiframeGptImage2Params.safeParse({ number_of_images: 0 }).success).toBe(false);
    expect(ApiframeGptImage2Params.safeParse({ number_of_images: 1.5 }).success).toBe(false);
  });

  it('derives controls that match the schema', () => {
    const cap = capabilityOf('apiframe', 'gpt-image-2')!;
    const names = cap.controls.map((c) => c.name);
    expect(names).toEqual(['quality', 'aspect_ratio', 'output_format', 'background', 'moderation', 'number_of_images']);
    const n = cap.controls.find((c) => c.name === 'number_of_images');
    expect(n).toEqual({ kind: 'int', name: 'number_of_images', min: 1, max: 10, default: 1 });
    const bg = cap.controls.find((c) => c.name === 'background');
    expect(bg).toMatchObject({ kind: 'enum', options: ['auto', 'opaque'], default: 'auto' });
  });

  it('carries over only the values the new model accepts', () => {
    const to15 = capabilityOf('apiframe', 'gpt-image-1.5')!;
    const out = carryParams(to15, { quality: 'high', moderation: 'low', background: 'opaque', number_of_images: 3 });
    expect(out).toMatchObject({ quality: 'high', background: 'opaque', number_of_images: 3, input_fidelity: 'low' });
    expect(out).not.toHaveProperty('moderation');
    const to2 = capabilityOf('apiframe', 'gpt-image-2')!;
    expect(carryParams(to2, { background: 'transparent' })['background']).toBe('auto');
  });

  it('carryParams always yields params the schema accepts (property)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...CAPABILITIES),
        fc.dictionary(fc.constantFrom('quality', 'background', 'number_of_images', 'moderation', 'x'), fc.oneof(fc.string(), fc.integer(), fc.constantFrom('high', 'opaque', 'transparent', 'low'))),
        (cap, prev) => {
          expect(cap.params.safeParse(carryParams(cap, prev)).success).toBe(true);
        },
      ),
    );
  });

  it('estimates credits per quality and count (docs-v2.apiframe.ai)', () => {
    expect(estimateCredits('apiframe', 'gpt-image-2', { quality: 'medium', number_of_images: 2 })).toBe(18);
    expect(estimateCredits('apiframe', 'gpt-image-1.5', { quality: 'low' })).toBe(2);
    expect(estimateCredits('sandbox', 'gpt-image-2', { quality: 'high' })).toBe(0);
  });
});
