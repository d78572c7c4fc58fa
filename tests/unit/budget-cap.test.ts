/**
 * The budget dialog's reading of a typed cap (src/renderer/src/features/budgets/cap.ts): thousands separators as
 * written in English, Korean and Japanese, full-width digits from an input method, a decimal comma, and text that is
 * no amount refused rather than read as some other number.
 */
import { describe, expect, it } from 'vitest';
import { parseCap } from '../../src/renderer/src/features/budgets/cap';

describe('parseCap', () => {
  it('reads a thousands separator as one (1,000 credits is a thousand, not one)', () => {
    expect(parseCap('1,000')).toBe(1000);
    expect(parseCap(' 12,500.5 ')).toBe(12500.5);
    expect(parseCap('1,000,000')).toBe(1_000_000);
  });
  it('reads full-width digits and punctuation from an input method', () => {
    expect(parseCap('１，０００')).toBe(1000);
    expect(parseCap('２５．５')).toBe(25.5);
  });
  it('reads plain numbers, a decimal comma, and empty as no cap', () => {
    expect(parseCap('40')).toBe(40);
    expect(parseCap('0.5')).toBe(0.5);
    expect(parseCap('.5')).toBe(0.5);
    expect(parseCap('1,5')).toBe(1.5);
    expect(parseCap('0')).toBe(0);
    expect(parseCap('')).toBeNull();
    expect(parseCap('   ')).toBeNull();
  });
  it('refuses what is no amount', () => {
    for (const s of ['-5', '$5', 'abc', '1.2.3', '1,00,0', '1e3', 'Infinity', '5 credits']) expect(parseCap(s)).toBe('bad');
  });
});
