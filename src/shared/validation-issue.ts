/**
 * What a schema's refusal says in a `validation` error, in words the renderer can translate: the zod issue's code
 * and the facts that code needs (the unknown keys, the expected type, the bound), never zod's English message
 * alone ("Unrecognized key: createdAt" reached Korean and Japanese users as is). Pure; shared by the dispatcher
 * (call inputs) and the job service (model parameters).
 */

/** The parts of a zod (v4) issue read here; any issue object fits. */
export interface IssueLike {
  code: string;
  path: readonly PropertyKey[];
  message: string;
  keys?: readonly string[];
  expected?: unknown;
  minimum?: unknown;
  maximum?: unknown;
  divisor?: unknown;
  format?: unknown;
}

/** Issue codes the renderer has a sentence for (`errors.issue.<code>`); any other is said as `other`. */
export const ISSUE_CODES = [
  'invalid_type',
  'too_small',
  'too_big',
  'invalid_format',
  'invalid_value',
  'unrecognized_keys',
  'not_multiple_of',
] as const;

/**
 * The params of a `validation` AppError for `issue`: `field` (the dotted path, '' for the input itself), `issue`
 * (one of {@link ISSUE_CODES} or `other`), `reason` (zod's message, for logs and old renderers), and where the code
 * has them `keys` (comma-separated unknown keys), `expected`, `min`, `max`, `divisor`, `format`.
 * @param prefix put before the issue's own path (e.g. `params` for a model parameter)
 */
export function issueParams(issue: IssueLike, prefix = ''): Record<string, string | number> {
  const path = issue.path.map(String).join('.');
  const field = prefix && path ? `${prefix}.${path}` : prefix || path;
  const code = (ISSUE_CODES as readonly string[]).includes(issue.code) ? issue.code : 'other';
  const out: Record<string, string | number> = { field, issue: code, reason: issue.message };
  if (issue.keys?.length) out['keys'] = issue.keys.join(', ');
  if (typeof issue.expected === 'string') out['expected'] = issue.expected;
  const bound = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : typeof v === 'bigint' ? Number(v) : null);
  const min = bound(issue.minimum);
  const max = bound(issue.maximum);
  const divisor = bound(issue.divisor);
  if (min !== null) out['min'] = min;
  if (max !== null) out['max'] = max;
  if (divisor !== null) out['divisor'] = divisor;
  if (typeof issue.format === 'string') out['format'] = issue.format;
  return out;
}
