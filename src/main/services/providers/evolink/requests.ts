/**
 * EvoLink request builders: Atelier's gpt-image-2 parameters → a `POST /v1/images/generations` body
 * (https://docs.evolink.ai/en/api-manual/image-series/gpt-image-2/gpt-image-2-image-generation), checked against
 * ./schemas.ts before anything is sent.
 */
import type { z } from 'zod';
import { AppError } from '@shared/errors';
import { EVOLINK_MAX_PROMPT_CODEPOINTS, EvolinkGptImage2Params, codePointLength, isEvolinkRatio } from '@shared/providers/evolink';
import { parseWith } from '../requests';
import { EVOLINK_MODEL, EvolinkCreateTaskBody } from './schemas';

/**
 * Builds a `POST /v1/images/generations` body for gpt-image-2 from Atelier's parameters.
 *
 * - `params` are parsed with {@link EvolinkGptImage2Params} (defaults filled; unknown keys and broken size rules
 *   refused). `size`, `quality` and `n` are always sent; `resolution` only when `size` is a ratio.
 * - `imageUrls` (http(s), e.g. Files API `file_url`s) become `image_urls`, omitted when empty; at most 16.
 * - Never `callback_url` or any undocumented field.
 *
 * @throws AppError `prompt_too_long` (`params.length` in code points, `params.max` 32000); `validation` with
 *   `params.field` (e.g. `size`) and `params.reason` (for `size` the rule: `not_multiple_of_16`, `edge_out_of_range`,
 *   `too_few_pixels`, `too_many_pixels`, `aspect_too_wide`, `bad_format`).
 */
export function buildEvolinkCreateBody(input: {
  prompt: string;
  params: Record<string, unknown>;
  imageUrls?: readonly string[];
}): EvolinkCreateTaskBody {
  const p = parseOrThrow(EvolinkGptImage2Params, input.params, '');
  const body: Record<string, unknown> = { model: EVOLINK_MODEL, prompt: input.prompt, size: p.size };
  if (isEvolinkRatio(p.size)) body['resolution'] = p.resolution;
  body['quality'] = p.quality;
  body['n'] = p.n;
  if (input.imageUrls && input.imageUrls.length > 0) body['image_urls'] = [...input.imageUrls];
  return validateEvolinkCreateBody(body);
}

/**
 * Checks a create body against {@link EvolinkCreateTaskBody} and returns it typed; used by
 * {@link EvolinkClient.createTask} so no hand-built body can carry an undocumented field or a broken size.
 *
 * @throws AppError `prompt_too_long` or `validation` (see {@link buildEvolinkCreateBody}).
 */
export function validateEvolinkCreateBody(body: unknown): EvolinkCreateTaskBody {
  const prompt = (body as { prompt?: unknown } | null)?.prompt;
  if (typeof prompt === 'string') {
    const length = codePointLength(prompt);
    if (length > EVOLINK_MAX_PROMPT_CODEPOINTS) {
      throw new AppError('prompt_too_long', `Prompt is ${length} code points; EvoLink accepts ${EVOLINK_MAX_PROMPT_CODEPOINTS}`, {
        params: { length, max: EVOLINK_MAX_PROMPT_CODEPOINTS },
      });
    }
  }
  return parseOrThrow(EvolinkCreateTaskBody, body, '');
}

function parseOrThrow<T extends z.ZodType>(schema: T, value: unknown, prefix: string): z.output<T> {
  return parseWith(schema, value, prefix, ({ issue, path, unknownKeys }) => {
    const reason = unknownKeys.length > 0 ? `unrecognized key(s): ${unknownKeys.join(', ')}` : (issue?.message ?? 'invalid');
    // A size issue carries the rule's name (EvolinkSize): report it as the reason.
    const rule = issue?.code === 'custom' ? (issue.params as { reason?: unknown } | undefined)?.reason : undefined;
    throw new AppError('validation', `Invalid EvoLink request${path ? ` at ${path}` : ''}: ${issue?.message ?? reason}`, {
      params: { field: path, reason: typeof rule === 'string' ? rule : reason },
    });
  });
}
