/**
 * What the providers' request builders (`apiframe/requests.ts`, `evolink/requests.ts`, `openai/requests.ts`) share:
 * reading the first issue of a failed zod parse into the dotted path and the unknown keys their `validation` errors
 * name. Each provider words the error itself.
 */
import type { z } from 'zod';

/** The first issue of a failed parse: the issue, its dotted path under `prefix` ('' for none), its unknown keys. */
export interface SchemaIssue {
  issue: z.core.$ZodIssue | undefined;
  /** e.g. `gptImage2Params.quality`; '' at the root. */
  path: string;
  /** The keys of an `unrecognized_keys` issue, else []. */
  unknownKeys: string[];
}

/**
 * Parses `value` with `schema`; on failure hands the first issue ({@link SchemaIssue}) to `fail`, which throws the
 * provider's own AppError.
 */
export function parseWith<T extends z.ZodType>(
  schema: T,
  value: unknown,
  prefix: string,
  fail: (issue: SchemaIssue) => never,
): z.output<T> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const path = [prefix, ...(issue?.path ?? []).map(String)].filter((s) => s !== '').join('.');
  return fail({ issue, path, unknownKeys: issue?.code === 'unrecognized_keys' ? [...issue.keys] : [] });
}
