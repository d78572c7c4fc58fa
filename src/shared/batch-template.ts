/**
 * Batches from a template (issue 13): a prompt template with `{variables}` and inline alternatives, a table of
 * values typed or pasted as CSV/TSV, and the plan of one job per expanded prompt with what each row costs and why a
 * row is refused. Pure (papaparse and the capability and price tables only): the composer previews with it and the
 * main process checks a submitted batch with the very same functions.
 *
 * Template syntax:
 * - `{name}` is a variable: the value of the table's column `name` in each row. Names start with a letter or `_`
 *   and go on with letters, digits, `_` and `-` (any script: `{제품}`, `{商品}`).
 * - `{a|b|c}` is a group of alternatives, as in the Dynamic Prompts extension
 *   (https://github.com/adieyal/sd-dynamic-prompts/blob/main/docs/SYNTAX.md#variants): every option is used, and
 *   several groups combine as a cartesian product (`{red|green} {ball|cube}` is 4 prompts). A group is a shorthand
 *   for a one-column table; options are taken as written (white space kept, an empty option allowed). Its choice is
 *   kept as the row's value `1`, `2`, … (the group's position in the template).
 * - `\{`, `\}`, `\|` and `\\` are the characters themselves; any other backslash is literal.
 * - A table (first row: column names) gives the rows; with no table there is one row. Every row is expanded with
 *   every combination of the groups: rows × Π(options) prompts, at most {@link BATCH_MAX_ROWS}.
 * - A column named `reference` (or `참조`, `参照`) names reference images per row (file names separated by `;`), matched
 *   against the references added to the composer (case-insensitively); references no row names are shared by every row.
 */
import Papa from 'papaparse';
import { capabilityOf, estimateCredits, estimateUsd, promptLength, type ModelId, type ProviderId } from './capabilities';
import { AppError } from './errors';
import { LIMITS } from './limits';
import { DEFAULT_PRICES, type PriceTable } from './pricing';

/** Most prompts one batch expands to (one job each). */
export const BATCH_MAX_ROWS = 500;
/** Longest table text accepted, in UTF-16 code units (200,000: a few thousand rows of ordinary values). */
export const BATCH_MAX_TABLE_CHARS = 200_000;
/** Longest template, in UTF-16 code units (the contract's prompt ceiling). */
export const BATCH_MAX_TEMPLATE_CHARS = LIMITS.prompt;
/** The names of the column that names each row's reference images (English, Korean, Japanese). */
export const REFERENCE_COLUMNS: readonly string[] = ['reference', '참조', '参照'];
/** A variable's (and a column's) name: a letter or `_`, then letters, marks, digits, `_`, `-`. */
export const VARIABLE_NAME_RE = /^[\p{L}_][\p{L}\p{M}\p{N}_-]*$/u;

/** One piece of a parsed template. `group` of an alternative is its 1-based position among the groups. */
export type TemplatePart =
  | { kind: 'text'; text: string }
  | { kind: 'variable'; name: string }
  | { kind: 'alternatives'; options: string[]; group: number };

/** A parsed template: its parts in order, the variables it uses (each once, in order) and how many groups. */
export interface ParsedTemplate {
  parts: TemplatePart[];
  variables: string[];
  groups: number;
}

/** Why a template cannot be parsed (`params.reason` of the `validation` error, field `template`). */
export type TemplateSyntaxReason = 'unclosed_brace' | 'stray_brace' | 'nested_brace' | 'empty_braces' | 'bad_variable' | 'too_long';

function syntax(reason: TemplateSyntaxReason, at: number, detail: string, extra: Record<string, string | number> = {}): never {
  throw new AppError('validation', `template: ${detail} (at character ${at + 1})`, {
    params: { field: 'template', reason, at: at + 1, ...extra },
  });
}

const SPECIAL = new Set(['{', '}', '|', '\\']);

/**
 * Parses a template (see the module's doc for the syntax).
 * @throws AppError `validation` with `params.field = 'template'`, `params.reason` a {@link TemplateSyntaxReason} and
 *   `params.at` (1-based character position); `bad_variable` also has `params.name`
 */
export function parseTemplate(template: string): ParsedTemplate {
  if (template.length > BATCH_MAX_TEMPLATE_CHARS) syntax('too_long', BATCH_MAX_TEMPLATE_CHARS, `longer than ${BATCH_MAX_TEMPLATE_CHARS} characters`);
  const parts: TemplatePart[] = [];
  const variables: string[] = [];
  let groups = 0;
  let text = '';
  const flush = (): void => {
    if (text) parts.push({ kind: 'text', text });
    text = '';
  };
  let i = 0;
  while (i < template.length) {
    const ch = template[i]!;
    if (ch === '\\' && i + 1 < template.length && SPECIAL.has(template[i + 1]!)) {
      text += template[i + 1];
      i += 2;
      continue;
    }
    if (ch === '}') syntax('stray_brace', i, 'a "}" has no "{"');
    if (ch !== '{') {
      text += ch;
      i++;
      continue;
    }
    // A group: options up to the next unescaped "}".
    const open = i;
    const options: string[] = [];
    let cur = '';
    let closed = false;
    i++;
    while (i < template.length) {
      const c = template[i]!;
      if (c === '\\' && i + 1 < template.length && SPECIAL.has(template[i + 1]!)) {
        cur += template[i + 1];
        i += 2;
        continue;
      }
      if (c === '{') syntax('nested_brace', i, 'a "{" inside braces');
      if (c === '|') {
        options.push(cur);
        cur = '';
        i++;
        continue;
      }
      if (c === '}') {
        options.push(cur);
        closed = true;
        i++;
        break;
      }
      cur += c;
      i++;
    }
    if (!closed) syntax('unclosed_brace', open, 'a "{" is not closed');
    flush();
    if (options.length === 1) {
      const name = options[0]!.trim();
      if (name === '') syntax('empty_braces', open, '"{}" names nothing');
      if (!VARIABLE_NAME_RE.test(name)) syntax('bad_variable', open, `"${name}" is not a variable name`, { name });
      parts.push({ kind: 'variable', name });
      if (!variables.includes(name)) variables.push(name);
    } else {
      groups++;
      parts.push({ kind: 'alternatives', options, group: groups });
    }
  }
  flush();
  return { parts, variables, groups };
}

/** `text` with every `{`, `}`, `|` and `\` escaped, so {@link parseTemplate} reads it back as that text alone. */
export function escapeTemplateText(text: string): string {
  return text.replace(/[{}|\\]/g, (c) => `\\${c}`);
}

/** How many prompts the groups of `t` make from one row: the product of their option counts (1 without groups). */
export function countCombinations(t: ParsedTemplate): number {
  let n = 1;
  for (const p of t.parts) if (p.kind === 'alternatives') n *= p.options.length;
  return n;
}

/** One expanded prompt of one row: the text, and the option chosen in each group (in group order). */
export interface Expansion {
  prompt: string;
  choices: string[];
}

/**
 * Every prompt one row of values makes: the variables replaced by `values[name]` (missing: empty), each combination
 * of the groups' options in order (the first group varies slowest). Values are inserted as they are, never parsed.
 * @returns {@link countCombinations} expansions
 */
export function expandRow(t: ParsedTemplate, values: Readonly<Record<string, string>>): Expansion[] {
  let acc: Expansion[] = [{ prompt: '', choices: [] }];
  for (const p of t.parts) {
    if (p.kind === 'text') acc = acc.map((e) => ({ ...e, prompt: e.prompt + p.text }));
    else if (p.kind === 'variable') acc = acc.map((e) => ({ ...e, prompt: e.prompt + (values[p.name] ?? '') }));
    else acc = acc.flatMap((e) => p.options.map((o) => ({ prompt: e.prompt + o, choices: [...e.choices, o] })));
  }
  return acc;
}

/** A table's data row: its 1-based number (the header not counted), values by column, and any surplus cells. */
export interface TableRow {
  row: number;
  values: Record<string, string>;
  /** Cells beyond the header's columns (a comma in an unquoted CSV value, say): the row is refused. */
  extraCells: number;
}

/** A parsed table: column names (the header row, trimmed), data rows, and the delimiter found. */
export interface ParsedTable {
  columns: string[];
  rows: TableRow[];
  /** `,`, `\t` or `;`; '' where the text is empty. */
  delimiter: string;
}

/** Why a table cannot be read (`params.reason` of the `validation` error, field `table`). */
export type TableReason = 'too_long' | 'bad_quotes' | 'empty_column' | 'duplicate_column' | 'bad_column';

function tableError(reason: TableReason, detail: string, extra: Record<string, string | number> = {}): never {
  throw new AppError('validation', `table: ${detail}`, { params: { field: 'table', reason, ...extra } });
}

/**
 * Reads a table pasted or typed as CSV or TSV (RFC 4180 quoting, by papaparse): the first row names the columns.
 * The delimiter is a tab where the header line has one, else guessed among `,` and `;`. Cells are trimmed; blank
 * lines are skipped; a missing cell is empty. Empty text is no table (no columns, no rows).
 * @throws AppError `validation` with `params.field = 'table'` and `params.reason` a {@link TableReason}:
 *   `bad_quotes` (`params.row`, 1-based data row), `empty_column` / `bad_column` / `duplicate_column`
 *   (`params.column`, 1-based, and `params.name`)
 */
export function parseTable(text: string): ParsedTable {
  if (text.length > BATCH_MAX_TABLE_CHARS) tableError('too_long', `longer than ${BATCH_MAX_TABLE_CHARS} characters`, { max: BATCH_MAX_TABLE_CHARS });
  const body = text.replace(/^\uFEFF/, '');
  if (body.trim() === '') return { columns: [], rows: [], delimiter: '' };
  const firstLine = body.trimStart().split(/\r\n|\n|\r/, 1)[0] ?? '';
  const result = Papa.parse(body.trimStart(), {
    delimiter: firstLine.includes('\t') ? '\t' : '',
    delimitersToGuess: [',', ';', '\t'],
    skipEmptyLines: 'greedy',
  });
  const quotes = result.errors.find((e) => e.type === 'Quotes');
  if (quotes) tableError('bad_quotes', `a quote is not closed (row ${quotes.row ?? 0})`, { row: quotes.row ?? 0 });
  const [header = [], ...records] = result.data;
  const columns = header.map((h) => h.trim());
  columns.forEach((name, i) => {
    if (name === '') tableError('empty_column', `column ${i + 1} has no name`, { column: i + 1, name });
    if (!VARIABLE_NAME_RE.test(name)) tableError('bad_column', `column ${i + 1} "${name}" is not a variable name`, { column: i + 1, name });
    if (columns.indexOf(name) !== i) tableError('duplicate_column', `column ${i + 1} "${name}" is named twice`, { column: i + 1, name });
  });
  const delimiter = result.meta.delimiter === '\t' || result.meta.delimiter === ';' ? result.meta.delimiter : ',';
  const rows = records.map((cells, r): TableRow => {
    const values: Record<string, string> = {};
    columns.forEach((c, i) => (values[c] = (cells[i] ?? '').trim()));
    const surplus = cells.slice(columns.length).filter((c) => c.trim() !== '').length;
    return { row: r + 1, values, extraCells: surplus };
  });
  return { columns, rows, delimiter };
}

/** Why one row of a batch is refused (each says in the composer with the row's number). */
export type RowIssue =
  | { reason: 'prompt_too_long'; length: number; max: number }
  | { reason: 'empty_prompt' }
  | { reason: 'empty_value'; variable: string }
  | { reason: 'extra_cells'; cells: number }
  | { reason: 'unknown_reference'; name: string }
  | { reason: 'too_many_references'; count: number; max: number };

/** Why a whole batch is refused (template, table, size), as the `validation` error's params. */
export interface BatchIssue {
  field: 'template' | 'table' | 'model';
  reason: string;
  [k: string]: string | number;
}

/** One prompt of a plan: a row of the table (`row`, 0 without a table) with one combination of the groups. */
export interface PlannedRow {
  /** 0-based position in the batch (the job's order). */
  index: number;
  /** The table's 1-based data row, 0 where there is no table. */
  row: number;
  /** The row's values: the table's columns, then each group's choice under `1`, `2`, …. */
  values: Record<string, string>;
  /** The expanded prompt, trimmed. */
  prompt: string;
  /** Indexes into the plan input's `references`, in submit order (shared first, then the row's own). */
  references: number[];
  issue: RowIssue | null;
  /** What the row is estimated to cost: credits (Apiframe; 0 for the sandbox) and USD, null where unknown. */
  creditsEstimate: number | null;
  usdEstimate: number | null;
}

/** Totals of a plan's estimates: summed credits and USD, with how many rows have each and how many neither. */
export interface BatchEstimate {
  credits: number;
  usd: number;
  creditRows: number;
  usdRows: number;
  unknownRows: number;
}

/** What a template and table make for one model. */
export interface BatchPlan {
  /** The value names of every row: the table's columns, then `1`, `2`, … for the groups. */
  columns: string[];
  /** Prompts the batch expands to (rows × combinations); may exceed {@link BATCH_MAX_ROWS}, then `issue` says so. */
  count: number;
  /** Every planned prompt (empty where `issue` is set). */
  rows: PlannedRow[];
  /** A reason that refuses the whole batch, or null. */
  issue: BatchIssue | null;
  /** Rows with an issue. */
  refused: number;
  estimate: BatchEstimate;
}

/** What {@link planBatch} takes. `params` are the model's parameters (checked by its schema for the estimate). */
export interface BatchPlanInput {
  template: string;
  table: string;
  provider: ProviderId;
  model: ModelId;
  params: Record<string, unknown>;
  /** The references added to the composer, by file name. */
  references: readonly { name: string }[];
  prices?: PriceTable;
}

const nameKey = (s: string): string => s.normalize('NFC').trim().toLowerCase();
const EMPTY_ESTIMATE: BatchEstimate = { credits: 0, usd: 0, creditRows: 0, usdRows: 0, unknownRows: 0 };

/**
 * Plans a batch: parses the template and the table, expands every row, and checks each prompt against the model's
 * limits (prompt length in the provider's unit, an empty prompt, an empty value of a variable the template uses,
 * surplus cells, reference names and counts), with each row's estimate and the total. Never throws: a template or
 * table that cannot be read, a variable that is no column, a header without rows or more than
 * {@link BATCH_MAX_ROWS} prompts is `issue`.
 */
export function planBatch(input: BatchPlanInput): BatchPlan {
  const fail = (issue: BatchIssue, columns: string[] = [], count = 0): BatchPlan => ({
    columns,
    count,
    rows: [],
    issue,
    refused: 0,
    estimate: EMPTY_ESTIMATE,
  });
  const cap = capabilityOf(input.provider, input.model);
  if (!cap) return fail({ field: 'model', reason: 'unsupported' });
  let tpl: ParsedTemplate;
  let table: ParsedTable;
  try {
    tpl = parseTemplate(input.template);
    table = parseTable(input.table);
  } catch (err) {
    const p = err instanceof AppError ? err.params : undefined;
    return fail({ field: (p?.['field'] as 'template' | 'table') ?? 'template', reason: String(p?.['reason'] ?? 'invalid'), ...(p as Record<string, string | number>) });
  }
  const groupKeys = Array.from({ length: tpl.groups }, (_, i) => String(i + 1));
  const columns = [...table.columns, ...groupKeys];
  const unknown = tpl.variables.find((v) => !table.columns.includes(v));
  if (unknown !== undefined) return fail({ field: 'template', reason: 'unknown_variable', name: unknown }, columns);
  if (table.columns.length > 0 && table.rows.length === 0) return fail({ field: 'table', reason: 'no_rows' }, columns);
  const base = table.columns.length > 0 ? table.rows : [{ row: 0, values: {}, extraCells: 0 }];
  const count = base.length * countCombinations(tpl);
  if (count > BATCH_MAX_ROWS) return fail({ field: 'template', reason: 'too_many', count, max: BATCH_MAX_ROWS }, columns, count);

  const refKeys = input.references.map((r) => nameKey(r.name));
  const refColumn = table.columns.find((c) => REFERENCE_COLUMNS.includes(c.toLowerCase()));
  const namedIn = (r: TableRow): string[] =>
    refColumn ? (r.values[refColumn] ?? '').split(';').map((s) => s.trim()).filter((s) => s !== '') : [];
  const named = new Set(base.flatMap((r) => namedIn(r).map(nameKey)));
  const shared = refKeys.flatMap((k, i) => (named.has(k) ? [] : [i]));
  const parsedParams = cap.params.safeParse(input.params);
  const prices = input.prices ?? DEFAULT_PRICES;

  const rows: PlannedRow[] = [];
  const estimate: BatchEstimate = { ...EMPTY_ESTIMATE };
  for (const r of base) {
    // The row's own references, and the first name that matches none.
    let issueOfRow: RowIssue | null = null;
    const own: number[] = [];
    for (const n of namedIn(r)) {
      const at = refKeys.indexOf(nameKey(n));
      if (at < 0) issueOfRow ??= { reason: 'unknown_reference', name: n };
      else if (!own.includes(at)) own.push(at);
    }
    const references = [...shared, ...own];
    if (r.extraCells > 0) issueOfRow = { reason: 'extra_cells', cells: r.extraCells };
    const empty = tpl.variables.find((v) => (r.values[v] ?? '') === '');
    if (!issueOfRow && empty !== undefined) issueOfRow = { reason: 'empty_value', variable: empty };
    if (!issueOfRow && references.length > cap.maxReferenceImages) {
      issueOfRow = { reason: 'too_many_references', count: references.length, max: cap.maxReferenceImages };
    }
    for (const e of expandRow(tpl, r.values)) {
      const prompt = e.prompt.trim();
      const length = promptLength(cap, prompt);
      let issue: RowIssue | null = issueOfRow;
      if (!issue && length === 0) issue = { reason: 'empty_prompt' };
      if (!issue && length > cap.maxPromptChars) issue = { reason: 'prompt_too_long', length, max: cap.maxPromptChars };
      const values: Record<string, string> = { ...r.values };
      e.choices.forEach((c, g) => (values[String(g + 1)] = c));
      const credits = parsedParams.success ? estimateCredits(input.provider, input.model, parsedParams.data, prices) : null;
      const usd = parsedParams.success ? estimateUsd(input.provider, input.model, parsedParams.data, references.length, prices, prompt) : null;
      if (!issue) {
        if (credits !== null && input.provider !== 'sandbox') {
          estimate.credits += credits;
          estimate.creditRows++;
        }
        if (usd !== null) {
          estimate.usd += usd;
          estimate.usdRows++;
        }
        if (credits === null && usd === null) estimate.unknownRows++;
      }
      rows.push({ index: rows.length, row: r.row, values, prompt, references, issue, creditsEstimate: credits, usdEstimate: usd });
    }
  }
  return { columns, count, rows, issue: null, refused: rows.filter((r) => r.issue).length, estimate };
}
