/**
 * Issue 9, item 11: every string and every list a contract call takes has a maximum. Walks each call's input
 * schema (zod v4 internals: `_zod.def`) and lists every `z.string()` / `z.array()` / record key without a
 * `max_length` (or `length_equals`) check; the test fails naming them.
 */
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { contract } from '../../src/shared/contract';
import { callBodyLimit, LIMITS, MAX_CALL_BODY_BYTES } from '../../src/shared/limits';

interface Def {
  type: string;
  checks?: Array<{ _zod: { def: { check: string; maximum?: number; length?: number } } }>;
  [k: string]: unknown;
}
const defOf = (s: unknown): Def => (s as { _zod: { def: Def } })._zod.def;

/** The maximum a string/array schema declares, or null. */
function maxOf(def: Def): number | null {
  for (const c of def.checks ?? []) {
    const d = c._zod.def;
    if (d.check === 'max_length' && typeof d.maximum === 'number') return d.maximum;
    if (d.check === 'length_equals' && typeof d.length === 'number') return d.length;
  }
  return null;
}

/** Paths (dotted, `[]` for list items, `{key}` for record keys) of every unbounded string or list in `schema`. */
function unbounded(schema: unknown, path: string, out: string[], seen = new Set<unknown>()): string[] {
  if (seen.has(schema)) return out;
  seen.add(schema);
  const def = defOf(schema);
  const sub = (s: unknown, p: string) => unbounded(s, p, out, seen);
  switch (def.type) {
    case 'string':
      if (maxOf(def) === null) out.push(path || '(root)');
      break;
    case 'array':
      if (maxOf(def) === null) out.push(path || '(root)');
      sub(def['element'], `${path}[]`);
      break;
    case 'object':
      for (const [k, v] of Object.entries(def['shape'] as Record<string, unknown>)) sub(v, path ? `${path}.${k}` : k);
      if (def['catchall']) sub(def['catchall'], `${path}.*`);
      break;
    case 'record':
      sub(def['keyType'], `${path}{key}`);
      sub(def['valueType'], `${path}{value}`);
      break;
    case 'union':
      (def['options'] as unknown[]).forEach((o) => sub(o, path));
      break;
    case 'intersection':
      sub(def['left'], path);
      sub(def['right'], path);
      break;
    case 'tuple':
      (def['items'] as unknown[]).forEach((o, i) => sub(o, `${path}[${i}]`));
      break;
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'readonly':
    case 'catch':
    case 'nonoptional':
      sub(def['innerType'], path);
      break;
    case 'pipe':
      sub(def['in'], path);
      break;
    case 'lazy':
      sub((def['getter'] as () => unknown)(), path);
      break;
    default:
      // enum, literal, number, boolean, null, unknown (bounded by the body limit and checked by a later schema)
      break;
  }
  return out;
}

describe('contract input limits', () => {
  it('the walker finds an unbounded string and list (it can fail)', async () => {
    const { z: zod } = await import('zod');
    const probe = zod.object({ a: zod.string(), b: zod.array(zod.string().max(3)).optional(), c: zod.string().max(5) });
    expect(unbounded(probe, '', [])).toEqual(['a', 'b']);
  });

  it('every string and list in every call input has a maximum', () => {
    const found: string[] = [];
    for (const [name, spec] of Object.entries(contract)) {
      for (const p of unbounded((spec as { input: z.ZodType }).input, '', [])) found.push(`${name}: ${p}`);
    }
    expect(found, `unbounded inputs:\n${found.join('\n')}`).toEqual([]);
  });

  it('the web host reads at most the largest legitimate body of each call', () => {
    for (const name of Object.keys(contract)) expect(callBodyLimit(name)).toBeLessThanOrEqual(MAX_CALL_BODY_BYTES);
    // A bulk call of 250,000 UUIDs fits its limit; a folder name of 39 MB does not fit its call's.
    const ids = Array.from({ length: LIMITS.bulkIds }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);
    expect(JSON.stringify({ ids, folderId: ids[0] }).length).toBeLessThanOrEqual(callBodyLimit('assets.move'));
    expect(39 * 1024 * 1024).toBeGreaterThan(callBodyLimit('folders.create'));
    // A 50 MB reference image (OpenAI's limit) as base64 fits references.stage.
    expect(Math.ceil((50_000_000 * 4) / 3) + 1000).toBeLessThanOrEqual(callBodyLimit('references.stage'));
  });
});
