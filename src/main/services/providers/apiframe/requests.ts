/**
 * Apiframe request builders: Atelier's model parameters → a `POST /v2/images/generate` body, checked against the
 * client's copy of the OpenAPI schema (`specs/apiframe-v2-openapi.json` `GenerateImageRequest`, see ./schemas.ts)
 * before anything is sent.
 */
import type { z } from 'zod';
import { AppError } from '@shared/errors';
import { ApiframeGptImage15Params, ApiframeGptImage2Params, type ModelId } from '@shared/capabilities';
import { parseWith } from '../requests';
import { APIFRAME_PROMPT_MAX, GenerateImageBody } from './schemas';

/**
 * Builds a `POST /v2/images/generate` body from Atelier's model-level parameters.
 *
 * - `params` are the capability parameters of `model` (src/shared/capabilities.ts; parsed here again, so missing
 *   keys get the documented defaults and an unknown key is refused). They go into `gptImage2Params` for
 *   `gpt-image-2` and into `gptImageParams` for `gpt-image-1.5` (OpenAPI oneOf[40] / oneOf[39]).
 * - `inputImages` (http(s) URLs, e.g. from {@link ApiframeClient.upload}) become `input_images`, omitted when empty.
 * - No webhook fields, ever.
 *
 * @throws AppError `prompt_too_long` (`params.length`, `params.max`) or `validation` (`params.field`, `params.reason`;
 *   `field: 'model', reason: 'unsupported'` for a model Apiframe does not serve).
 */
export function buildGenerateBody(input: {
  model: ModelId;
  prompt: string;
  params: Record<string, unknown>;
  inputImages?: readonly string[];
}): GenerateImageBody {
  const images = input.inputImages && input.inputImages.length > 0 ? { input_images: [...input.inputImages] } : {};
  let body: unknown;
  switch (input.model) {
    case 'gpt-image-2': {
      const p = parseOrThrow(ApiframeGptImage2Params, input.params, 'gptImage2Params');
      body = { model: 'gpt-image-2', prompt: input.prompt, gptImage2Params: { ...p, ...images } };
      break;
    }
    case 'gpt-image-1.5': {
      const p = parseOrThrow(ApiframeGptImage15Params, input.params, 'gptImageParams');
      body = { model: 'gpt-image-1.5', prompt: input.prompt, gptImageParams: { ...p, ...images } };
      break;
    }
    default:
      // Apiframe serves only the GPT Image models above (OpenAPI GenerateImageRequest.oneOf).
      throw new AppError('validation', `Apiframe does not serve ${input.model}`, {
        params: { field: 'model', reason: 'unsupported' },
      });
  }
  return validateGenerateBody(body);
}

/**
 * Checks a generate body against {@link GenerateImageBody} (the client's copy of the OpenAPI schema) and returns it
 * typed. Used by {@link ApiframeClient.generate} so that no hand-built body can carry an unknown field.
 *
 * @throws AppError `prompt_too_long` or `validation` (`params.field` is the dotted path, e.g. `gptImage2Params.quality`).
 */
export function validateGenerateBody(body: unknown): GenerateImageBody {
  const prompt = (body as { prompt?: unknown } | null)?.prompt;
  if (typeof prompt === 'string' && prompt.length > APIFRAME_PROMPT_MAX) {
    throw new AppError('prompt_too_long', `Prompt is ${prompt.length} characters; Apiframe accepts ${APIFRAME_PROMPT_MAX}`, {
      params: { length: prompt.length, max: APIFRAME_PROMPT_MAX },
    });
  }
  return parseOrThrow(GenerateImageBody, body, '');
}

function parseOrThrow<T extends z.ZodType>(schema: T, value: unknown, prefix: string): z.output<T> {
  return parseWith(schema, value, prefix, ({ issue, path, unknownKeys }) => {
    const reason = `${issue?.message ?? 'invalid'}${unknownKeys.length > 0 ? ` (${unknownKeys.join(', ')})` : ''}`;
    throw new AppError('validation', `Invalid Apiframe request${path ? ` at ${path}` : ''}: ${reason}`, {
      params: { field: path, reason },
    });
  });
}
