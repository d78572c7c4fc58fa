/**
 * OpenAI request builders and checks: Atelier's model parameters → a generations body, an edit form (fields and
 * files) or a Responses body for a chain step, each checked against ./schemas.ts and the per-model rules of
 * src/shared/providers/openai.ts before anything is sent (OpenAI's API reference,
 * https://platform.openai.com/docs/api-reference/images; openai-node `ImageGenerateParams` / `ImageEditParams`;
 * OpenAI's image-generation guide, https://developers.openai.com/api/docs/guides/image-generation).
 */
import type { z } from 'zod';
import { AppError } from '@shared/errors';
import {
  OPENAI_LIMITS,
  OPENAI_PARAMS,
  isOpenAiImageModel,
  takesInputFidelity,
  type OpenAiImageModel,
  type OpenAiImageParams,
} from '@shared/providers/openai';
import { codePointLength } from '@shared/providers/evolink';
import { readImageHeader } from '../../library/inspect';
import { extOf } from '../common';
import { parseWith } from '../requests';
import { EditFields, GenerationsBody, ResponsesBody, type OpenAiEditForm, type OpenAiImageFile } from './schemas';

/**
 * Builds a generations body from a model's parameters (src/shared/providers/openai.ts, parsed again here so missing
 * keys get the documented defaults and unknown keys are refused).
 * - `wireModel`: the `model` value sent (an OpenAI-compatible server's own name); default `model`.
 * - Every parameter is sent explicitly, except `output_compression` for png (only jpeg/webp take it) and
 *   `input_fidelity` (an edit parameter).
 * @throws AppError `prompt_too_long` (`params.length`, `params.max`) or `validation` (`params.field`, `params.reason`).
 */
export function buildGenerationsBody(input: {
  model: OpenAiImageModel;
  wireModel?: string;
  prompt: string;
  params: Record<string, unknown>;
  /** Stream with this many partial previews (1–3): `stream: true`, `partial_images` (see {@link streamFields}). */
  partialImages?: number;
}): GenerationsBody {
  checkPrompt(input.prompt);
  const p = parseParams(input.model, input.params);
  return parseOrThrow(GenerationsBody, { ...imageFields(input, p), moderation: p.moderation, ...streamFields(input.partialImages) }, '');
}

/**
 * `stream: true` and `partial_images: n` for a streamed call with `n` (1–3) partial previews
 * (https://platform.openai.com/docs/api-reference/images-streaming); nothing when `n` is absent or 0, so a call
 * without previews sends no `stream` at all.
 */
export function streamFields(n: number | undefined): { stream?: true; partial_images?: number } {
  return n !== undefined && n > 0 ? { stream: true, partial_images: n } : {};
}

/**
 * The fields generations and edits share, every one explicit: `model` (`wireModel` where given), `prompt`, `n`,
 * `size`, `quality`, `background`, `output_format`, and `output_compression` for jpeg/webp only.
 */
function imageFields(input: { model: OpenAiImageModel; wireModel?: string; prompt: string }, p: OpenAiImageParams): Record<string, unknown> {
  const fields: Record<string, unknown> = {
    model: input.wireModel ?? input.model,
    prompt: input.prompt,
    n: p.n,
    size: p.size,
    quality: p.quality,
    background: p.background,
    output_format: p.output_format,
  };
  if (p.output_format !== 'png') fields['output_compression'] = p.output_compression;
  return fields;
}

/**
 * Builds an edit request from a model's parameters and the reference images (in order; the first is the one the
 * mask applies to). As {@link buildGenerationsBody}, plus: `input_fidelity` only for gpt-image-1 / -1.5, and no
 * `moderation` (not an edit parameter in openai-node's `ImageEditParams`). Images get neutral part names
 * (`image-<n>.<ext>`, `mask.png`), never the user's file names.
 * @throws AppError `prompt_too_long`, `validation`, or `bad_file` (see {@link validateEditForm}).
 */
export function buildEditForm(input: {
  model: OpenAiImageModel;
  wireModel?: string;
  prompt: string;
  params: Record<string, unknown>;
  images: ReadonlyArray<{ bytes: Uint8Array; mime: OpenAiImageFile['mime'] }>;
  mask?: { bytes: Uint8Array; mime: string };
  /** As {@link buildGenerationsBody}'s. */
  partialImages?: number;
}): OpenAiEditForm {
  checkPrompt(input.prompt);
  const p = parseParams(input.model, input.params);
  const fields: Record<string, unknown> = { ...imageFields(input, p), ...streamFields(input.partialImages) };
  if (takesInputFidelity(input.model) && 'input_fidelity' in p) fields['input_fidelity'] = p.input_fidelity;
  const form: OpenAiEditForm = {
    fields: parseOrThrow(EditFields, fields, ''),
    images: input.images.map((img, i) => ({ bytes: img.bytes, mime: img.mime, name: `image-${i + 1}.${extOf(img.mime)}` })),
  };
  if (input.mask) {
    form.mask = { bytes: input.mask.bytes, mime: input.mask.mime as OpenAiImageFile['mime'], name: 'mask.png' };
  }
  validateEditForm(form);
  return form;
}

/** The mainline model that drives the `image_generation` tool in a Responses request (as in OpenAI's image-generation guide). */
export const OPENAI_RESPONSES_MAINLINE_MODEL = 'gpt-5.5';

/**
 * Builds a `POST /responses` body for one chain step from a model's parameters.
 * - `previousResponseId` set: continues that stored response (its image is in the model's context); `images` are
 *   only the further inputs, and `input` is the bare prompt when there are none.
 * - Otherwise `images` start with the parent: one user message with the prompt as `input_text` and each image as an
 *   `input_image` data URL, in order.
 * - The tool gets only the fields it takes: `model`, `action: edit`, `size`, `quality`, `background`, `output_format`,
 *   `output_compression` (jpeg/webp only), `moderation`, `input_fidelity` (gpt-image-1 / -1.5), `input_image_mask`
 *   (the mask as a PNG data URL). It makes one image per call, so `n` above 1 is refused.
 * @throws AppError `prompt_too_long`, `validation` (`field: 'n'`, `reason: 'one_per_call'`, or a parameter).
 */
export function buildResponsesBody(input: {
  model: OpenAiImageModel;
  wireModel?: string;
  mainlineModel?: string;
  prompt: string;
  params: Record<string, unknown>;
  images: ReadonlyArray<{ bytes: Uint8Array; mime: OpenAiImageFile['mime'] }>;
  mask?: { bytes: Uint8Array; mime: string };
  previousResponseId?: string | null;
  /** Stream with this many partial previews (1–3): top-level `stream: true`, the tool's `partial_images`. */
  partialImages?: number;
}): ResponsesBody {
  checkPrompt(input.prompt);
  const p = parseParams(input.model, input.params);
  if (p.n !== 1) {
    throw new AppError('validation', 'The Responses API image tool makes one image per call', {
      params: { field: 'n', reason: 'one_per_call' },
    });
  }
  if (!input.previousResponseId && input.images.length === 0) {
    // `action: edit` with no image in context is an error (OpenAI's image-generation guide).
    throw new AppError('validation', 'A Responses API edit needs the parent image or a previous response', {
      params: { field: 'references', reason: 'needs_parent' },
    });
  }
  const tool: Record<string, unknown> = {
    type: 'image_generation',
    model: input.wireModel ?? input.model,
    action: 'edit',
    size: p.size,
    quality: p.quality,
    background: p.background,
    output_format: p.output_format,
    moderation: p.moderation,
  };
  if (p.output_format !== 'png') tool['output_compression'] = p.output_compression;
  if (takesInputFidelity(input.model) && 'input_fidelity' in p) tool['input_fidelity'] = p.input_fidelity;
  if (input.mask) tool['input_image_mask'] = { image_url: `data:image/png;base64,${Buffer.from(input.mask.bytes).toString('base64')}` };
  const parts = [
    { type: 'input_text', text: input.prompt },
    ...input.images.map((img) => ({ type: 'input_image', image_url: `data:${img.mime};base64,${Buffer.from(img.bytes).toString('base64')}` })),
  ];
  const body: Record<string, unknown> = {
    model: input.mainlineModel ?? OPENAI_RESPONSES_MAINLINE_MODEL,
    input: input.images.length === 0 ? input.prompt : [{ role: 'user', content: parts }],
    tools: [tool],
    tool_choice: { type: 'image_generation' },
  };
  if (input.previousResponseId) body['previous_response_id'] = input.previousResponseId;
  const stream = streamFields(input.partialImages);
  if (stream.stream) {
    body['stream'] = true;
    tool['partial_images'] = stream.partial_images;
  }
  return parseOrThrow(ResponsesBody, body, '');
}

/**
 * Checks a generations body: the wire schema ({@link GenerationsBody}) and, when `model` is one of OpenAI's, that
 * model's parameter rules (gpt-image-2 sizes, transparent needs png/webp, …).
 * @throws AppError `prompt_too_long` or `validation` (`params.field` the parameter, `params.reason`).
 */
export function validateGenerationsBody(body: unknown): GenerationsBody {
  checkPrompt((body as { prompt?: unknown } | null)?.prompt);
  const b = parseOrThrow(GenerationsBody, body, '');
  if (isOpenAiImageModel(b.model)) {
    const { model: _m, prompt: _p, user: _u, stream: _s, partial_images: _pi, ...params } = b;
    parseParams(b.model, params);
  }
  return b;
}

/**
 * Checks an edit request: fields as {@link validateGenerationsBody} (and `input_fidelity` only where the model takes
 * it), then the files against {@link OPENAI_LIMITS}: 1–16 images, each PNG/JPEG/WebP by magic bytes (matching its
 * declared type) and < 50,000,000 bytes; the mask a PNG < 4,000,000 bytes with the same width and height (px) as the
 * first image. Headers only, nothing decoded.
 * @throws AppError `validation` (`params.field`: `image`, `mask`, or a parameter) or `bad_file`
 *   (`params.name`, `params.reason`: `too_large`, `not_an_image`, `unsupported_format`, …).
 */
export function validateEditForm(form: OpenAiEditForm): OpenAiEditForm {
  checkPrompt(form.fields.prompt);
  const f = parseOrThrow(EditFields, form.fields, '');
  if (isOpenAiImageModel(f.model)) {
    const { model: _m, prompt: _p, user: _u, stream: _s, partial_images: _pi, input_fidelity, ...params } = f;
    if (input_fidelity !== undefined && !takesInputFidelity(f.model)) {
      throw new AppError('validation', `${f.model} takes no input_fidelity`, {
        params: { field: 'input_fidelity', reason: 'unsupported' },
      });
    }
    parseParams(f.model, params);
  }
  const n = form.images.length;
  if (n < OPENAI_LIMITS.minInputImages || n > OPENAI_LIMITS.maxInputImages) {
    throw new AppError('validation', `An edit takes ${OPENAI_LIMITS.minInputImages}–${OPENAI_LIMITS.maxInputImages} images, not ${n}`, {
      params: { field: 'image', reason: n === 0 ? 'missing' : 'too_many', max: OPENAI_LIMITS.maxInputImages },
    });
  }
  let first: { width: number; height: number } | undefined;
  for (const img of form.images) {
    const h = checkFile(img, OPENAI_LIMITS.maxInputImageBytes, OPENAI_LIMITS.inputImageMimes);
    first ??= h;
  }
  if (form.mask) {
    const m = checkFile(form.mask, OPENAI_LIMITS.maxMaskBytes, [OPENAI_LIMITS.maskMime]);
    if (first && (m.width !== first.width || m.height !== first.height)) {
      throw new AppError(
        'validation',
        `The mask is ${m.width}×${m.height} px but the first image is ${first.width}×${first.height} px; they must match`,
        { params: { field: 'mask', reason: 'dimensions_differ' } },
      );
    }
  }
  return form;
}

function parseParams(model: OpenAiImageModel, params: Record<string, unknown>): OpenAiImageParams {
  return parseOrThrow(OPENAI_PARAMS[model], params, '');
}

/** @throws AppError `prompt_too_long` (`params.length` in code points, as the composer shows it) over the limit. */
function checkPrompt(prompt: unknown): void {
  const length = typeof prompt === 'string' ? codePointLength(prompt) : 0;
  if (length > OPENAI_LIMITS.maxPromptChars) {
    throw new AppError('prompt_too_long', `Prompt is ${length} characters; OpenAI accepts ${OPENAI_LIMITS.maxPromptChars}`, {
      params: { length, max: OPENAI_LIMITS.maxPromptChars },
    });
  }
}

function checkFile(file: OpenAiImageFile, maxBytes: number, mimes: readonly string[]): { width: number; height: number } {
  if (file.bytes.length === 0) {
    throw new AppError('bad_file', `${file.name} is empty`, { params: { name: file.name, reason: 'empty' } });
  }
  if (file.bytes.length >= maxBytes) {
    throw new AppError('bad_file', `${file.name} is ${file.bytes.length} bytes; OpenAI takes less than ${maxBytes}`, {
      params: { name: file.name, reason: 'too_large', maxBytes },
    });
  }
  const h = readImageHeader(file.bytes);
  if (!h.ok) {
    throw new AppError('bad_file', `${file.name}: ${h.detail}`, { params: { name: file.name, reason: h.reason } });
  }
  if (!mimes.includes(h.mime) || h.mime !== file.mime) {
    throw new AppError('bad_file', `${file.name} is ${h.mime}; expected ${mimes.join(' or ')} as declared (${file.mime})`, {
      params: { name: file.name, reason: 'unsupported_format' },
    });
  }
  return { width: h.width, height: h.height };
}

function parseOrThrow<T extends z.ZodType>(schema: T, value: unknown, prefix: string): z.output<T> {
  return parseWith(schema, value, prefix, ({ issue, path, unknownKeys }) => {
    const keys = unknownKeys.length > 0 ? ` (${unknownKeys.join(', ')})` : '';
    const field = path || (unknownKeys[0] ?? '');
    const reason = `${issue?.message ?? 'invalid'}${keys}`;
    throw new AppError('validation', `Invalid OpenAI request${field ? ` at ${field}` : ''}: ${reason}`, {
      params: { field, reason },
    });
  });
}

/**
 * Checks a `POST /responses` body against {@link ResponsesBody} and returns it typed.
 * @throws AppError `validation` (`params.field`, `params.reason`).
 */
export function validateResponsesBody(body: unknown): ResponsesBody {
  return parseOrThrow(ResponsesBody, body, '');
}
