/**
 * Issue 11, theme: every text colour of both palettes (src/renderer/src/styles/theme.css) meets WCAG AA, 4.5:1
 * (https://www.w3.org/TR/WCAG22/#contrast-minimum), on every opaque surface of its palette, and white meets it on
 * the filled buttons (primary, its hover, danger). The ratios are computed from the CSS as written, so a palette
 * edit that breaks one fails here, on every surface and not only on the screens the axe-core walk visits
 * (tests/e2e/accessibility.test.ts). Translucent fills (`--accent-soft`, `--danger-bg`) are left to that walk.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/paths';

const CSS = readFileSync(join(REPO_ROOT, 'src/renderer/src/styles/theme.css'), 'utf8');
const TEXT = ['--text', '--text-dim', '--text-faint', '--accent', '--accent-hover', '--danger', '--warn'];
const SURFACES = ['--bg', '--surface', '--surface-2', '--surface-3'];
const FILLED = ['--accent-solid', '--accent-solid-hover', '--danger-solid'];

/** The custom properties declared in the first block whose selector is exactly `selector`. */
function block(selector: string): Map<string, string> {
  const at = CSS.indexOf(`${selector} {`);
  if (at < 0) throw new Error(`theme.css: no block ${selector}`);
  const body = CSS.slice(at, CSS.indexOf('}', at));
  return new Map([...body.matchAll(/(--[a-z0-9-]+):\s*([^;]+);/g)].map((m) => [m[1]!, m[2]!.trim()]));
}

/** WCAG relative luminance of a #rrggbb colour. */
function luminance(hex: string): number {
  const m = /^#([0-9a-f]{6})$/i.exec(hex);
  if (!m) throw new Error(`not a #rrggbb colour: ${hex}`);
  const [r, g, b] = [0, 2, 4].map((i) => {
    const c = parseInt(m[1]!.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
}

function ratio(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi! + 0.05) / (lo! + 0.05);
}

const dark = block(':root');
const palettes = { dark, light: new Map([...dark, ...block(":root[data-theme='light']")]) };

describe('theme contrast (WCAG AA, 4.5:1)', () => {
  for (const [name, p] of Object.entries(palettes)) {
    it(`${name}: every text colour on every surface, and white on the filled buttons`, () => {
      const value = (v: string): string => p.get(v) ?? (() => { throw new Error(`${name}: ${v} is not set`); })();
      const low: string[] = [];
      for (const t of TEXT) for (const s of SURFACES) if (ratio(value(t), value(s)) < 4.5) low.push(`${t} on ${s}: ${ratio(value(t), value(s)).toFixed(2)}`);
      for (const f of FILLED) if (ratio('#ffffff', value(f)) < 4.5) low.push(`white on ${f}: ${ratio('#ffffff', value(f)).toFixed(2)}`);
      expect(value('--accent-text')).toBe('#ffffff');
      expect(low).toEqual([]);
    });
  }

  it('the primary button is white on #2563eb (5.2:1) dark and #1f63e0 (5.4:1) light, as the README says', () => {
    expect(palettes.dark.get('--accent-solid')).toBe('#2563eb');
    expect(palettes.light.get('--accent-solid')).toBe('#1f63e0');
    expect(ratio('#ffffff', '#2563eb').toFixed(1)).toBe('5.2');
    expect(ratio('#ffffff', '#1f63e0').toFixed(1)).toBe('5.4');
  });
});
