/**
 * OpenAI's 32,000-character prompt limit is counted one way — Unicode code points — by the composer (through the
 * capability table) and by the client that builds the request: a prompt of 32,000 emoji (64,000 UTF-16 units) is
 * accepted by both, one more code point is refused by both with the same length.
 */
import { describe, expect, it } from 'vitest';
import { capabilityOf, promptLength } from '../../src/shared/capabilities';
import { OPENAI_LIMITS } from '../../src/shared/providers/openai';
import { buildGenerationsBody } from '../../src/main/services/providers/openai/client';
import { AppError } from '../../src/shared/errors';

describe('OpenAI prompt limit in code points', () => {
  const cap = capabilityOf('openai', 'gpt-image-2')!;
  const atLimit = '🦊'.repeat(OPENAI_LIMITS.maxPromptChars);
  const over = `${atLimit}a`;

  it('the composer and the client agree at the limit and one past it', () => {
    expect(atLimit.length).toBe(64_000);
    expect(promptLength(cap, atLimit)).toBe(32_000);
    expect(promptLength(cap, atLimit) > cap.maxPromptChars).toBe(false);
    expect(buildGenerationsBody({ model: 'gpt-image-2', prompt: atLimit, params: {} }).prompt).toBe(atLimit);

    expect(promptLength(cap, over)).toBe(32_001);
    let err: unknown;
    try {
      buildGenerationsBody({ model: 'gpt-image-2', prompt: over, params: {} });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('prompt_too_long');
    expect((err as AppError).params).toEqual({ length: promptLength(cap, over), max: cap.maxPromptChars });
  });
});
