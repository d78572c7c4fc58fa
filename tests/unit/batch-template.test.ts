/**
 * The batch template expander and table reader (src/shared/batch-template.ts), property-tested with fast-check:
 * counts multiply across groups and rows, no output keeps a brace, escapes read back as the text, and every
 * refusal names its row and reason.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BATCH_MAX_ROWS,
  countCombinations,
  escapeTemplateText,
  expandRow,
  parseTable,
  parseTemplate,
  planBatch,
} from '../../src/shared/batch-template';
import { AppError } from '../../src/shared/errors';

/** Plain text without the template's special characters (any script). */
const plain = fc.string({ unit: fc.constantFrom('a', 'b', ' ', 'é', '한', '猫', ',', '.', '-', 'x', '7'), maxLength: 8 });
/** A group of 2–4 options of plain text. */
const group = fc.array(plain, { minLength: 2, maxLength: 4 });
/** A template: plain text and groups, alternating, as parts. */
const templateParts = fc.array(fc.oneof(plain.map((t) => ({ text: t })), group.map((g) => ({ options: g }))), { maxLength: 6 });
const render = (parts: ({ text: string } | { options: string[] })[]): string =>
  parts.map((p) => ('text' in p ? escapeTemplateText(p.text) : `{${p.options.map(escapeTemplateText).join('|')}}`)).join('');

function reasonOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    if (err instanceof AppError) return err.params?.['reason'];
    throw err;
  }
  return null;
}

describe('expander', () => {
  it('a {red|green} ball expands to both; several groups combine as a product', () => {
    expect(expandRow(parseTemplate('a {red|green} ball'), {}).map((e) => e.prompt)).toEqual(['a red ball', 'a green ball']);
    const t = parseTemplate('{red|green} {ball|cube|cone}');
    expect(countCombinations(t)).toBe(6);
    expect(expandRow(t, {}).map((e) => e.prompt)).toEqual([
      'red ball',
      'red cube',
      'red cone',
      'green ball',
      'green cube',
      'green cone',
    ]);
    expect(expandRow(parseTemplate('a {colour} ball'), { colour: '빨간' })[0]!.prompt).toBe('a 빨간 ball');
  });

  it('property: the count is the product of the groups, and expandRow makes exactly that many', () => {
    fc.assert(
      fc.property(templateParts, (parts) => {
        const t = parseTemplate(render(parts));
        const expected = parts.reduce((n, p) => n * ('options' in p ? p.options.length : 1), 1);
        expect(countCombinations(t)).toBe(expected);
        expect(expandRow(t, {})).toHaveLength(expected);
        expect(t.groups).toBe(parts.filter((p) => 'options' in p).length);
      }),
      { numRuns: 300 },
    );
  });

  it('property: no output has a brace left, and each output is the text with one option per group', () => {
    fc.assert(
      fc.property(templateParts, (parts) => {
        for (const e of expandRow(parseTemplate(render(parts)), {})) {
          expect(e.prompt).not.toMatch(/[{}]/);
          let g = 0;
          const rebuilt = parts.map((p) => ('text' in p ? p.text : e.choices[g++])).join('');
          expect(rebuilt).toBe(e.prompt);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('property: rows × combinations prompts in a plan, each row with its values', () => {
    fc.assert(
      fc.property(fc.array(fc.stringMatching(/^[a-z]{1,6}$/), { minLength: 1, maxLength: 6 }), group, (products, colours) => {
        const table = ['product', ...products].join('\n');
        const plan = planBatch({
          template: `a {product}, {${colours.map(escapeTemplateText).join('|')}} background`,
          table,
          provider: 'sandbox',
          model: 'gpt-image-2',
          params: {},
          references: [],
        });
        expect(plan.issue).toBeNull();
        expect(plan.count).toBe(products.length * colours.length);
        expect(plan.rows).toHaveLength(products.length * colours.length);
        plan.rows.forEach((r) => {
          expect(r.values['product']).toBe(products[r.row - 1]);
          expect(r.prompt).toBe(`a ${r.values['product']}, ${r.values['1']} background`.trim());
        });
      }),
      { numRuns: 100 },
    );
  });

  it('property: escaped text reads back as itself, alone (\\{ \\} \\| \\\\ are the characters)', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('{', '}', '|', '\\', 'a', ' ', '한'), maxLength: 20 }), (s) => {
        const t = parseTemplate(escapeTemplateText(s));
        expect(t.groups).toBe(0);
        expect(t.variables).toEqual([]);
        expect(expandRow(t, {}).map((e) => e.prompt)).toEqual([s]);
      }),
      { numRuns: 300 },
    );
    expect(expandRow(parseTemplate('\\{not a var\\} {a|b\\|c}'), {}).map((e) => e.prompt)).toEqual(['{not a var} a', '{not a var} b|c']);
    expect(expandRow(parseTemplate('C:\\path'), {})[0]!.prompt).toBe('C:\\path');
  });

  it('values are inserted as they are, never expanded', () => {
    expect(expandRow(parseTemplate('{x}'), { x: '{a|b}' }).map((e) => e.prompt)).toEqual(['{a|b}']);
  });

  it('refuses broken templates with the reason and position', () => {
    expect(reasonOf(() => parseTemplate('a {red'))).toBe('unclosed_brace');
    expect(reasonOf(() => parseTemplate('a red}'))).toBe('stray_brace');
    expect(reasonOf(() => parseTemplate('a {b{c}}'))).toBe('nested_brace');
    expect(reasonOf(() => parseTemplate('a {}'))).toBe('empty_braces');
    expect(reasonOf(() => parseTemplate('a {two words}'))).toBe('bad_variable');
    try {
      parseTemplate('ab {cd');
    } catch (err) {
      expect((err as AppError).params).toMatchObject({ field: 'template', reason: 'unclosed_brace', at: 4 });
    }
  });
});

describe('tables', () => {
  it('reads CSV and TSV with quotes, CJK and blank lines', () => {
    const csv = parseTable('headline,lang\n"Summer, sale",en\n\n여름 세일,ko\n夏のセール,ja\n');
    expect(csv.delimiter).toBe(',');
    expect(csv.columns).toEqual(['headline', 'lang']);
    expect(csv.rows.map((r) => r.values['headline'])).toEqual(['Summer, sale', '여름 세일', '夏のセール']);
    const tsv = parseTable('product\tbackground\nmug, white\tstudio\nlamp\tbeach');
    expect(tsv.delimiter).toBe('\t');
    expect(tsv.rows[0]!.values).toEqual({ product: 'mug, white', background: 'studio' });
    expect(parseTable('  ')).toEqual({ columns: [], rows: [], delimiter: '' });
  });

  it('refuses a broken header', () => {
    expect(reasonOf(() => parseTable('a,a\n1,2'))).toBe('duplicate_column');
    expect(reasonOf(() => parseTable('a,,b\n1,2,3'))).toBe('empty_column');
    expect(reasonOf(() => parseTable('two words\nx'))).toBe('bad_column');
    expect(reasonOf(() => parseTable('a\n"open'))).toBe('bad_quotes');
  });
});

describe('plans', () => {
  const base = { provider: 'apiframe' as const, model: 'gpt-image-2' as const, params: { quality: 'low' }, references: [] };

  it('refuses rows with the row and the reason: prompt too long for the model, empty value, surplus cells', () => {
    const long = 'x'.repeat(1990);
    const plan = planBatch({ ...base, template: `{headline} ${long}`, table: 'headline,lang\nshort,en\n\nok but longer than ten,ko\n,ja\n"a",b,c' });
    expect(plan.issue).toBeNull();
    expect(plan.rows.map((r) => [r.row, r.issue?.reason ?? null])).toEqual([
      [1, null],
      [2, 'prompt_too_long'],
      [3, 'empty_value'],
      [4, 'extra_cells'],
    ]);
    expect(plan.rows[1]!.issue).toEqual({ reason: 'prompt_too_long', length: 2013, max: 2000 });
    expect(plan.refused).toBe(3);
    // The estimate counts only rows that can be sent: Apiframe gpt-image-2 low is a credit figure per image.
    expect(plan.estimate.creditRows).toBe(1);
    expect(plan.estimate.credits).toBe(plan.rows[0]!.creditsEstimate);
  });

  it('the same prompt fits one model and not another (limits per model)', () => {
    const prompt = 'y'.repeat(2500);
    expect(planBatch({ ...base, template: `${prompt} {a|b}`, table: '' }).refused).toBe(2);
    expect(planBatch({ ...base, provider: 'openai', model: 'gpt-image-1', params: {}, template: `${prompt} {a|b}`, table: '' }).refused).toBe(0);
  });

  it('an unknown variable, a header without rows and too many prompts refuse the batch', () => {
    expect(planBatch({ ...base, template: 'a {colour} ball', table: 'product\nmug' }).issue).toMatchObject({
      field: 'template',
      reason: 'unknown_variable',
      name: 'colour',
    });
    expect(planBatch({ ...base, template: '{product}', table: 'product' }).issue).toMatchObject({ reason: 'no_rows' });
    const big = planBatch({ ...base, template: '{a|b|c|d|e|f|g|h} {a|b|c|d|e|f|g|h} {a|b|c|d|e|f|g|h}', table: '' });
    expect(big.issue).toMatchObject({ reason: 'too_many', count: 512, max: BATCH_MAX_ROWS });
    expect(planBatch({ ...base, template: 'a {b', table: '' }).issue).toMatchObject({ field: 'template', reason: 'unclosed_brace' });
  });

  it('per-row references from the reference column, the others shared; unknown names refused', () => {
    const plan = planBatch({
      ...base,
      template: '{product} on a table',
      table: 'product,reference\nmug,mug.png\nlamp,Lamp.PNG; logo.png\nvase,vase.png',
      references: [{ name: 'logo.png' }, { name: 'mug.png' }, { name: 'lamp.png' }, { name: 'style.png' }],
    });
    // style.png is named by no row: shared by all. logo.png is named by row 2 only.
    expect(plan.rows.map((r) => r.references)).toEqual([[3, 1], [3, 2, 0], [3]]);
    expect(plan.rows[2]!.issue).toEqual({ reason: 'unknown_reference', name: 'vase.png' });
  });
});
