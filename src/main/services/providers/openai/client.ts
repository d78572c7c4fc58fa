/**
 * OpenAI Images API HTTP client (undici): `POST /images/generations` (JSON), `POST /images/edits` (multipart),
 * `POST /responses` (JSON, the `image_generation` tool for chain steps), `GET /models`, and a plain GET for `url` outputs of OpenAI-compatible servers. The only code in Atelier that
 * speaks OpenAI's wire protocol.
 *
 * Why undici and not the official `openai` package:
 * - One HTTP stack in the main process (the Apiframe client, downloads and the test servers all use undici), so
 *   timeouts, abort signals, dispatchers (MockAgent, proxies) and size caps behave the same everywhere.
 * - The SDK's retry policy resends 5xx / network / timeout failures of a POST. The Images API has no idempotency
 *   key, so such a resend can pay twice for one job; here a POST is only retried on 429.
 * - The SDK buffers replies without a size cap and its errors would still need mapping to {@link AppError}; we need
 *   both the cap (a reply carries up to 10 base64 images) and our own error codes anyway.
 * - It adds no dependency to the app bundle. The wire is small: two POSTs and a GET.
 *
 * Sources: OpenAI's API reference (https://platform.openai.com/docs/api-reference/images,
 * https://platform.openai.com/docs/api-reference/responses), its image-generation guide
 * (https://developers.openai.com/api/docs/guides/image-generation), openai-node
 * (https://github.com/openai/openai-node @ 7b7d6ca: `src/resources/images.ts`, `src/resources/responses/responses.ts`,
 * `internal/uploads.ts`, `core/error.ts`), OpenAI's error-code guide
 * (https://platform.openai.com/docs/guides/error-codes) for 429 `insufficient_quota` (billing: retrying never helps; see also
 * learn.microsoft.com dev-proxy "openai-insufficient-quota"). The API key only ever goes into the `Authorization`
 * header: never into messages, errors or logs.
 */
import { FormData, type Dispatcher } from 'undici';
import { z } from 'zod';
import { AppError } from '../../../../shared/errors';
import {
  buildTransport,
  downloadImage,
  headerOf,
  isTransientFailure,
  jsonOrUndefined,
  parseJsonReply,
  retryAfterFromHeaders,
  sendWithRetry,
  type HttpClientOptions,
  type HttpHeaders,
  type HttpMethod,
  type HttpReply,
  type HttpRetryInfo,
  type HttpTransport,
} from '../http';
import {
  OPENAI_LIMITS,
  OPENAI_PARAMS,
  isOpenAiImageModel,
  takesInputFidelity,
  type OpenAiImageModel,
  type OpenAiImageParams,
  type OpenAiImageUsage,
} from '../../../../shared/providers/openai';
import { codePointLength } from '../../../../shared/providers/evolink';
import { readImageHeader } from '../../library/inspect';
import { extOf } from '../common';

// ---------------------------------------------------------------------------------------------------------------
// Constants
// ---------------------------------------------------------------------------------------------------------------

/** Production base URL (includes `/v1`). */
export const OPENAI_DEFAULT_BASE_URL = 'https://api.openai.com/v1';
/**
 * Per-request timeout, ms: 5 min. The Images API answers only when the images are done, which can take up to ~2 min
 * for high quality / large sizes; the SDK's own default is 10 min.
 */
export const OPENAI_DEFAULT_TIMEOUT_MS = 5 * 60_000;
/** Retries after the first attempt, for 429 (and, for GETs, 5xx / network / timeout). SDK default: 2. */
export const OPENAI_DEFAULT_MAX_RETRIES = 2;
/** Backoff without a Retry-After header: full jitter over base·2^n, capped (SDK: 0.5 s … 8 s). */
export const OPENAI_DEFAULT_BACKOFF_BASE_MS = 500;
/** Full-jitter backoff cap, ms (SDK: 8 s). */
export const OPENAI_DEFAULT_BACKOFF_CAP_MS = 8_000;
/**
 * Longest Retry-After slept inside a call, ms. A longer wait is thrown as `rate_limited` with `retryAfterMs` for the
 * job engine to schedule (which may resend a 429'd submit: a 429 certainly did not run the job).
 */
export const OPENAI_DEFAULT_MAX_RETRY_AFTER_MS = 60_000;
/**
 * Largest reply read, bytes (384 MiB). One reply carries up to 10 images as base64 (4/3 of their size); a
 * 3840×2160 PNG is ~10–25 MB, so 10 of them fit.
 */
export const OPENAI_MAX_RESPONSE_BYTES = 384 * 1024 * 1024;
/** Largest `url` output downloaded (compatible servers), bytes. */
export const OPENAI_MAX_DOWNLOAD_BYTES = 64 * 1024 * 1024;

const OPENAI_TRANSPORT_DEFAULTS = {
  timeoutMs: OPENAI_DEFAULT_TIMEOUT_MS,
  maxRetries: OPENAI_DEFAULT_MAX_RETRIES,
  backoffBaseMs: OPENAI_DEFAULT_BACKOFF_BASE_MS,
  backoffCapMs: OPENAI_DEFAULT_BACKOFF_CAP_MS,
  maxRetryAfterMs: OPENAI_DEFAULT_MAX_RETRY_AFTER_MS,
};

// ---------------------------------------------------------------------------------------------------------------
// Wire schemas: requests
// ---------------------------------------------------------------------------------------------------------------

const Quality = z.enum(['low', 'medium', 'high', 'auto']);
const Background = z.enum(['auto', 'opaque', 'transparent']);
const OutputFormat = z.enum(['png', 'jpeg', 'webp']);
const Compression = z.number().int().min(0).max(100);
const Count = z.number().int().min(OPENAI_LIMITS.minImages).max(OPENAI_LIMITS.maxImages);
/** Prompt, 1–32000 characters counted as Unicode code points, as the composer counts them (openai-node `prompt`). */
const Prompt = z
  .string()
  .min(1)
  .refine((s) => codePointLength(s) <= OPENAI_LIMITS.maxPromptChars, { message: `Too long: at most ${OPENAI_LIMITS.maxPromptChars} characters` });
/** `size`: `auto` or `<W>x<H>`; the per-model rules are checked separately for known models. */
const Size = z.string().regex(/^(auto|[1-9]\d{0,5}x[1-9]\d{0,5})$/, 'Expected "auto" or "<width>x<height>"');

/** The fields generations and edits share (openai-node `ImageGenerateParams` ∩ `ImageEditParams`). */
const IMAGE_REQUEST_FIELDS = {
  model: z.string().min(1),
  prompt: Prompt,
  n: Count.optional(),
  size: Size.optional(),
  quality: Quality.optional(),
  background: Background.optional(),
  output_format: OutputFormat.optional(),
  output_compression: Compression.optional(),
  user: z.string().optional(),
};

/**
 * `POST /images/generations` body (openai-node `ImageGenerateParams`, minus streaming and the dall-e-only
 * `response_format`/`style`, which can therefore never be sent). `model` is always sent: without it the API falls
 * back to dall-e-2. `model` is any non-empty string so that OpenAI-compatible servers' own names pass; for
 * OpenAI's models the per-model rules of src/shared/providers/openai.ts apply on top.
 */
export const GenerationsBody = z.strictObject({ ...IMAGE_REQUEST_FIELDS, moderation: z.enum(['low', 'auto']).optional() });
/** Wire shape of {@link GenerationsBody}. */
export type GenerationsBody = z.infer<typeof GenerationsBody>;

/** A file sent in an edit: bytes, declared type and the part's file name. */
export interface OpenAiImageFile {
  bytes: Uint8Array;
  mime: 'image/png' | 'image/jpeg' | 'image/webp';
  /** File name of the multipart part (neutral, e.g. `image-1.png`). */
  name: string;
}

/** Scalar fields of `POST /images/edits` (openai-node `ImageEditParams` minus streaming; no `moderation`, see below). */
export const EditFields = z.strictObject({ ...IMAGE_REQUEST_FIELDS, input_fidelity: z.enum(['low', 'high']).optional() });
/** Wire shape of {@link EditFields}. */
export type EditFields = z.infer<typeof EditFields>;

/**
 * A `POST /images/edits` request: the scalar fields plus 1–16 images (sent as repeated `image[]` parts, the SDK's
 * array encoding) and an optional PNG `mask` for the first image.
 */
export interface OpenAiEditForm {
  fields: EditFields;
  images: OpenAiImageFile[];
  mask?: OpenAiImageFile;
}

// ---------------------------------------------------------------------------------------------------------------
// Wire schemas: replies
// ---------------------------------------------------------------------------------------------------------------

const Tokens = z.number().int().min(0);

/** `usage` of an ImagesResponse (tokens). Details are optional; unknown keys are tolerated. */
export const ImagesUsageSchema = z.looseObject({
  input_tokens: Tokens,
  output_tokens: Tokens,
  total_tokens: Tokens,
  input_tokens_details: z
    .looseObject({ text_tokens: Tokens, image_tokens: Tokens, cached_tokens: Tokens.optional() })
    .optional(),
  output_tokens_details: z.looseObject({ text_tokens: Tokens, image_tokens: Tokens }).optional(),
});

/**
 * `ImagesResponse` (openai-node): `created` (epoch s), `data[]` with `b64_json` (GPT image models
 * always answer base64) or `url` (dall-e and some compatible servers), and the echoed `background`, `output_format`,
 * `quality`, `size`, plus `usage`. Compatible servers often send `null` for absent fields, so every optional key is
 * nullish. `revised_prompt` is dall-e-3 only and not relied on.
 */
export const ImagesResponseSchema = z.looseObject({
  created: z.number(),
  data: z
    .array(
      z.looseObject({
        b64_json: z.string().nullish(),
        url: z.string().nullish(),
        revised_prompt: z.string().nullish(),
      }),
    )
    .min(1),
  background: z.string().nullish(),
  output_format: z.string().nullish(),
  quality: z.string().nullish(),
  size: z.string().nullish(),
  usage: ImagesUsageSchema.nullish(),
});
/** A parsed ImagesResponse. */
export type ImagesResponse = z.infer<typeof ImagesResponseSchema>;

/** One output: decoded bytes (checked to be PNG/JPEG/WebP) or, where allowed, a URL to download. */
export type OpenAiOutput = { bytes: Uint8Array; mime: 'image/png' | 'image/jpeg' | 'image/webp' } | { url: string };

/** What {@link OpenAiClient.generate} / {@link OpenAiClient.edit} return: the parsed reply plus its decoded outputs. */
export type OpenAiImagesResult = ImagesResponse & { outputs: OpenAiOutput[] };

/** `GET /models` reply: `{ object: "list", data: [{ id, … }] }`. */
export const ModelListSchema = z.looseObject({ data: z.array(z.looseObject({ id: z.string() })) });

/** OpenAI's error envelope (openai-node `core/error.ts`; the moderation shape from third-party client fixtures only). */
const ErrorEnvelope = z.looseObject({
  error: z.union([
    z.looseObject({
      message: z.string().nullish(),
      type: z.string().nullish(),
      param: z.string().nullish(),
      code: z.union([z.string(), z.number()]).nullish(),
      moderation_details: z
        .looseObject({ moderation_stage: z.string().nullish(), categories: z.array(z.string()).nullish() })
        .nullish(),
    }),
    // Some OpenAI-compatible servers answer `{ "error": "text" }`.
    z.string(),
  ]),
});

// ---------------------------------------------------------------------------------------------------------------
// Responses API (`POST /responses` with the `image_generation` tool, https://platform.openai.com/docs/api-reference/responses)
// ---------------------------------------------------------------------------------------------------------------

/**
 * The `image_generation` tool of a Responses request: only the fields the tool takes (openai-node
 * `Tool.ImageGeneration`): no `n` (one image per call), no `moderation` default change, no streaming partials.
 */
export const ImageGenerationTool = z.strictObject({
  type: z.literal('image_generation'),
  model: z.string().min(1),
  action: z.enum(['generate', 'edit', 'auto']).optional(),
  size: Size.optional(),
  quality: Quality.optional(),
  background: Background.optional(),
  output_format: OutputFormat.optional(),
  output_compression: Compression.optional(),
  moderation: z.enum(['low', 'auto']).optional(),
  input_fidelity: z.enum(['low', 'high']).nullable().optional(),
  input_image_mask: z.strictObject({ image_url: z.string().startsWith('data:image/png;base64,') }).optional(),
});
/** Wire shape of {@link ImageGenerationTool}. */
export type ImageGenerationTool = z.infer<typeof ImageGenerationTool>;

/** One content part of a user message: the prompt text or an image as a data URL (openai-node `ResponseInputImage`). */
const InputPart = z.union([
  z.strictObject({ type: z.literal('input_text'), text: Prompt }),
  z.strictObject({
    type: z.literal('input_image'),
    image_url: z.string().regex(/^data:image\/(png|jpeg|webp);base64,/),
    detail: z.enum(['low', 'high', 'auto']).optional(),
  }),
]);

/**
 * `POST /responses` body for a chain step (openai-node `ResponseCreateParams`): a mainline `model` that drives the tool, `input` (the
 * prompt alone, or one user message with `input_text` / `input_image` parts), `previous_response_id` to continue a
 * stored response, and exactly one `image_generation` tool. `tool_choice` forces the tool so every call makes an image.
 */
export const ResponsesBody = z.strictObject({
  model: z.string().min(1),
  input: z.union([
    Prompt,
    z.array(z.strictObject({ role: z.literal('user'), content: z.array(InputPart).min(1) })).length(1),
  ]),
  previous_response_id: z.string().min(1).optional(),
  tools: z.tuple([ImageGenerationTool]),
  tool_choice: z.strictObject({ type: z.literal('image_generation') }).optional(),
  store: z.boolean().optional(),
});
/** Wire shape of {@link ResponsesBody}. */
export type ResponsesBody = z.infer<typeof ResponsesBody>;

/**
 * A Responses API reply (openai-node `Response`): `id` (`resp_…`), `status`, `output[]` items — of which only
 * `image_generation_call` (`id` `ig_…`, `status`, `result` base64 or null) matters here; messages and reasoning
 * items pass through loosely — and `usage` (the mainline model's tokens). `tool_usage.image_gen` (the tool's own
 * image-model usage, Images-API shaped) is read when present; it is not in openai-node's types (how the tool is billed is not documented).
 */
export const ResponsesReplySchema = z.looseObject({
  id: z.string().min(1),
  status: z.string().nullish(),
  output: z.array(
    z.union([
      z.looseObject({
        type: z.literal('image_generation_call'),
        id: z.string(),
        status: z.string().nullish(),
        result: z.string().nullish(),
      }),
      z.looseObject({ type: z.string() }),
    ]),
  ),
  usage: z.looseObject({ input_tokens: Tokens, output_tokens: Tokens, total_tokens: Tokens }).nullish(),
  tool_usage: z.looseObject({ image_gen: ImagesUsageSchema.nullish() }).nullish(),
  error: z.looseObject({ message: z.string().nullish(), code: z.string().nullish() }).nullish(),
});
/** A parsed Responses reply. */
export type ResponsesReply = z.infer<typeof ResponsesReplySchema>;

/** What {@link OpenAiClient.responses} returns: the parsed reply plus the decoded images of its completed calls. */
export type OpenAiResponsesResult = ResponsesReply & {
  outputs: Array<{ bytes: Uint8Array; mime: 'image/png' | 'image/jpeg' | 'image/webp' }>;
};

// ---------------------------------------------------------------------------------------------------------------
// Building requests from Atelier parameters
// ---------------------------------------------------------------------------------------------------------------

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
}): GenerationsBody {
  checkPrompt(input.prompt);
  const p = parseParams(input.model, input.params);
  const body: Record<string, unknown> = {
    model: input.wireModel ?? input.model,
    prompt: input.prompt,
    n: p.n,
    size: p.size,
    quality: p.quality,
    background: p.background,
    output_format: p.output_format,
    moderation: p.moderation,
  };
  if (p.output_format !== 'png') body['output_compression'] = p.output_compression;
  return parseOrThrow(GenerationsBody, body, '');
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
}): OpenAiEditForm {
  checkPrompt(input.prompt);
  const p = parseParams(input.model, input.params);
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
    const { model: _m, prompt: _p, user: _u, ...params } = b;
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
    const { model: _m, prompt: _p, user: _u, input_fidelity, ...params } = f;
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
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const path = [prefix, ...(issue?.path ?? []).map(String)].filter((s) => s !== '').join('.');
  const keys = issue && issue.code === 'unrecognized_keys' ? ` (${issue.keys.join(', ')})` : '';
  const field = path || (issue && issue.code === 'unrecognized_keys' ? (issue.keys[0] ?? '') : '');
  const reason = `${issue?.message ?? 'invalid'}${keys}`;
  throw new AppError('validation', `Invalid OpenAI request${field ? ` at ${field}` : ''}: ${reason}`, {
    params: { field, reason },
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Client
// ---------------------------------------------------------------------------------------------------------------

/** Information passed to {@link OpenAiClientOptions.onRetry} before each retry sleep (shape: {@link HttpRetryInfo}; no key). */
export type OpenAiRetryInfo = HttpRetryInfo;

/**
 * Construction options of {@link OpenAiClient}. Durations in ms, sizes in bytes. The transport options are those
 * of {@link HttpClientOptions}, with OpenAI's defaults: `timeoutMs` 300 000, `maxRetries` 2, `backoffBaseMs` 500,
 * `backoffCapMs` 8 000 (SDK: 0.5 s … 8 s), `maxRetryAfterMs` 60 000, `userAgent` `Atelier (openai-client)`.
 */
export interface OpenAiClientOptions extends HttpClientOptions {
  /** `sk-…` key sent as `Authorization: Bearer`; null for a compatible server without auth. */
  apiKey: string | null;
  /** Base URL including the version path, without trailing slash; default {@link OPENAI_DEFAULT_BASE_URL}. */
  baseUrl?: string;
  /** Reply size cap; default {@link OPENAI_MAX_RESPONSE_BYTES}. */
  maxResponseBytes?: number;
  /** Accept `data[].url` outputs instead of `b64_json` (OpenAI-compatible servers). Default false. */
  allowUrlOutputs?: boolean;
  /** Wording of messages ("OpenAI" or e.g. "OpenAI-compatible server"). */
  label?: string;
}

/** Per-call options. */
export interface OpenAiCallOptions {
  /** Aborts the call (and a retry sleep); surfaces as AppError `canceled`. */
  signal?: AbortSignal;
}

/**
 * OpenAI's retry rule (the SDK's own policy would resend a POST, see the file doc): a 429 rate limit
 * is retried for every request — it certainly did not run the job. A 429 `insufficient_quota` (billing; OpenAI's
 * error-code guide: retrying never helps) is mapped to `insufficient_credits` by {@link errorFromReply} and so is
 * never retried. 5xx other than 501, network failures and timeouts are retried for GETs only: the Images API has no
 * idempotency key, so a resent POST may pay twice.
 */
export function openAiRetryable(method: HttpMethod, _hasIdempotencyKey: boolean, err: AppError): boolean {
  if (err.code === 'rate_limited') return true;
  return method === 'GET' && isTransientFailure(err);
}

/**
 * OpenAI Images client. One instance per key and base URL; cheap to create.
 *
 * Retry policy: a 429 (rate limit) is retried up to `maxRetries` times, sleeping `retry-after-ms` (ms) or
 * `Retry-After` (seconds or HTTP date) when given — or throwing at once when that is over `maxRetryAfterMs` — and a
 * jittered backoff otherwise. A 429 `insufficient_quota` is never retried. 5xx, network failures and timeouts of
 * the two POSTs are **never** retried (the Images API has no idempotency key; a resend may pay twice); those of
 * `GET /models` and downloads are.
 *
 * Error mapping (every failure is an {@link AppError}; `status` set when a reply arrived, `providerMessage` from
 * `error.message`, `details` keyed by `error.param`):
 * 400 → `provider_rejected` (code `moderation_blocked`: `params.reason`, and `details` `moderation_stage` /
 * `categories` from `moderation_details`), 401 → `provider_auth`, 403 → `provider_forbidden`, 404 →
 * `provider_not_found`, 409 → `provider_conflict`, 422 and other 4xx → `provider_rejected`, 429 → `rate_limited`
 * (`retryAfterMs`) or, for type/code `insufficient_quota` and its billing codes, `insufficient_credits` (not
 * retryable), ≥ 500 → `provider_unavailable`, no reply within `timeoutMs` → `timeout`, refused / reset / dropped
 * connection → `network`, a 2xx body that is not JSON, fails its schema, or carries base64 that is not a PNG/JPEG/WebP
 * → `provider_bad_response`, the caller's signal → `canceled`.
 */
export class OpenAiClient {
  private readonly apiKey: string | null;
  private readonly base: URL;
  private readonly dispatcher: Dispatcher | undefined;
  private readonly maxResponseBytes: number;
  private readonly allowUrlOutputs: boolean;
  private readonly userAgent: string;
  private readonly label: string;
  /** Per-attempt timeout, ms (also in {@link http}; kept as a field, which tests read). */
  private readonly timeoutMs: number;
  private readonly http: HttpTransport;

  /**
   * @throws AppError `provider_auth` when the key holds characters that cannot go in a header (never echoed),
   *   `validation` when `baseUrl` is not an http(s) URL.
   */
  constructor(opts: OpenAiClientOptions) {
    this.label = opts.label ?? 'OpenAI';
    if (opts.apiKey !== null && !/^[\x21-\x7e]+$/.test(opts.apiKey)) {
      throw new AppError('provider_auth', `The ${this.label} API key is empty or contains characters that cannot be sent`);
    }
    const baseUrl = (opts.baseUrl ?? OPENAI_DEFAULT_BASE_URL).replace(/\/+$/, '');
    if (!isHttpUrl(baseUrl)) {
      throw new AppError('validation', `${this.label} base URL must be an http(s) URL`, {
        params: { field: 'baseUrl', reason: 'not_http_url' },
      });
    }
    this.apiKey = opts.apiKey;
    this.base = new URL(`${baseUrl}/`);
    this.dispatcher = opts.dispatcher;
    this.maxResponseBytes = opts.maxResponseBytes ?? OPENAI_MAX_RESPONSE_BYTES;
    this.allowUrlOutputs = opts.allowUrlOutputs ?? false;
    this.userAgent = opts.userAgent ?? 'Atelier (openai-client)';
    const label = this.label;
    this.http = buildTransport(label, opts, OPENAI_TRANSPORT_DEFAULTS, openAiRetryable, (status, headers, text, what) =>
      errorFromReply(status, headers, text, what, label),
    );
    this.timeoutMs = this.http.timeoutMs;
  }

  /**
   * `POST {base}/images/generations` with a JSON body, checked first by {@link validateGenerationsBody}.
   * @returns the parsed ImagesResponse plus `outputs` (decoded, type-checked images in `data` order).
   * @throws AppError — see the class doc; `validation` / `prompt_too_long` before anything is sent.
   */
  async generate(body: GenerationsBody, opts: OpenAiCallOptions = {}): Promise<OpenAiImagesResult> {
    const checked = validateGenerationsBody(body);
    const json = JSON.stringify(checked);
    const reply = await sendWithRetry(this.http, {
      method: 'POST',
      url: this.url('images/generations'),
      headers: this.headers({ 'content-type': 'application/json' }),
      body: () => json,
      hasIdempotencyKey: false,
      maxBytes: this.maxResponseBytes,
      signal: opts.signal,
      dispatcher: this.dispatcher,
    });
    return this.imagesResult(reply);
  }

  /**
   * `POST {base}/images/edits` as multipart/form-data: `model`, `prompt`, the other fields as text parts, then each
   * image as an `image[]` file part (1–16, in order) and the optional `mask` file part. Checked first by
   * {@link validateEditForm}.
   * @returns as {@link generate}.
   * @throws AppError — see the class doc; `validation` / `bad_file` / `prompt_too_long` before anything is sent.
   */
  async edit(form: OpenAiEditForm, opts: OpenAiCallOptions = {}): Promise<OpenAiImagesResult> {
    const checked = validateEditForm(form);
    const build = (): FormData => {
      const fd = new FormData();
      for (const [k, v] of Object.entries(checked.fields)) if (v !== undefined) fd.append(k, String(v));
      for (const img of checked.images) fd.append('image[]', blobOf(img), img.name);
      if (checked.mask) fd.append('mask', blobOf(checked.mask), checked.mask.name);
      return fd;
    };
    const reply = await sendWithRetry(this.http, {
      method: 'POST',
      url: this.url('images/edits'),
      headers: this.headers({}),
      body: build,
      hasIdempotencyKey: false,
      maxBytes: this.maxResponseBytes,
      signal: opts.signal,
      dispatcher: this.dispatcher,
    });
    return this.imagesResult(reply);
  }

  /**
   * `POST {base}/responses` (JSON) with the `image_generation` tool, checked first against
   * {@link ResponsesBody}. Retried only on 429, like the Images POSTs (no idempotency key). Synchronous: the reply
   * carries the finished `image_generation_call` items.
   * @returns the parsed reply plus `outputs`: the decoded, type-checked `result` of each completed call, in order.
   * @throws AppError as the class doc (`previous_response_not_found` and other 400s → `provider_rejected` with
   *   `params.reason`); `provider_bad_response` when the reply is not `completed` or holds no image.
   */
  async responses(body: ResponsesBody, opts: OpenAiCallOptions = {}): Promise<OpenAiResponsesResult> {
    const json = JSON.stringify(parseOrThrow(ResponsesBody, body, ''));
    const reply = await sendWithRetry(this.http, {
      method: 'POST',
      url: this.url('responses'),
      headers: this.headers({ 'content-type': 'application/json' }),
      body: () => json,
      hasIdempotencyKey: false,
      maxBytes: this.maxResponseBytes,
      signal: opts.signal,
      dispatcher: this.dispatcher,
    });
    const res = parseJsonReply(reply, ResponsesReplySchema, 'Responses reply', this.label);
    const calls = res.output.filter(
      (o): o is { type: 'image_generation_call'; id: string; status?: string | null; result?: string | null } =>
        o.type === 'image_generation_call',
    );
    const outputs = calls
      .filter((c) => typeof c.result === 'string' && c.result.length > 0)
      .map((c, i) => decodeImage(c.result as string, i, this.label));
    if ((res.status && res.status !== 'completed') || outputs.length === 0) {
      const why = res.error?.message ?? (calls.length === 0 ? 'no image_generation_call in the output' : 'the image call has no result');
      throw new AppError('provider_bad_response', `${this.label} response ${res.id} is ${res.status ?? 'without status'}: ${why}`, {
        status: reply.status,
        params: { reason: res.status && res.status !== 'completed' ? res.status : 'no_image' },
      });
    }
    return { ...res, outputs };
  }

  /**
   * `GET {base}/models`: the ids of the models the key may use. The cheapest authenticated call; idempotent, so
   * 5xx / network / timeout are retried.
   * @throws AppError as the class doc (`provider_not_found` where a compatible server has no such route).
   */
  async listModels(opts: OpenAiCallOptions = {}): Promise<string[]> {
    const reply = await sendWithRetry(this.http, {
      method: 'GET',
      url: this.url('models'),
      headers: this.headers({}),
      hasIdempotencyKey: false,
      maxBytes: 8 * 1024 * 1024,
      signal: opts.signal,
      dispatcher: this.dispatcher,
    });
    return parseJsonReply(reply, ModelListSchema, 'model list', this.label).data.map((m) => m.id);
  }

  /**
   * GETs an output URL a compatible server handed out, following up to 3 redirects, with the key only when the URL
   * is on the API's own origin. Checks that the body is a PNG/JPEG/WebP.
   * @param maxBytes size cap, bytes (default {@link OPENAI_MAX_DOWNLOAD_BYTES}).
   * @throws AppError `result_expired` on 404/410, `provider_bad_response` (other 4xx, over the cap, not an image),
   *   `provider_unavailable`, `timeout`, `network`, `canceled`.
   */
  async download(url: string, opts: OpenAiCallOptions & { maxBytes?: number } = {}): Promise<Uint8Array> {
    if (!isHttpUrl(url)) throw new AppError('provider_bad_response', `${this.label} output URL is not an http(s) URL`);
    const target = new URL(url);
    const auth = this.apiKey !== null && target.origin === this.base.origin;
    const got = await downloadImage(this.http, {
      url: target,
      userAgent: this.userAgent,
      extraHeaders: auth ? { authorization: `Bearer ${this.apiKey}` } : undefined,
      maxBytes: opts.maxBytes ?? OPENAI_MAX_DOWNLOAD_BYTES,
      signal: opts.signal,
      dispatcher: this.dispatcher,
      noun: 'output',
      goneStatuses: [404, 410],
      sniff: true,
    });
    return got.bytes;
  }

  // -------------------------------------------------------------------------------------------------------------

  private imagesResult(reply: HttpReply): OpenAiImagesResult {
    const res = parseJsonReply(reply, ImagesResponseSchema, 'ImagesResponse', this.label);
    const outputs: OpenAiOutput[] = res.data.map((d, i) => {
      if (typeof d.b64_json === 'string' && d.b64_json.length > 0) return decodeImage(d.b64_json, i, this.label);
      if (this.allowUrlOutputs && typeof d.url === 'string' && isHttpUrl(d.url)) return { url: d.url };
      throw new AppError('provider_bad_response', `${this.label} reply data[${i}] has no b64_json image`, {
        status: reply.status,
      });
    });
    return { ...res, outputs };
  }

  private url(path: string): URL {
    return new URL(path, this.base);
  }

  private headers(extra: Record<string, string>): Record<string, string> {
    const h: Record<string, string> = { accept: 'application/json', 'user-agent': this.userAgent, ...extra };
    if (this.apiKey !== null) h['authorization'] = `Bearer ${this.apiKey}`;
    return h;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------------------------

/** Billing 429s: type or code `insufficient_quota` and the codes OpenAI files under it. Waiting never fixes them. */
const QUOTA_CODES = new Set([
  'insufficient_quota',
  'credit_balance_exhausted',
  'organization_spend_limit_exceeded',
  'project_spend_limit_exceeded',
  'organization_usage_limit_exceeded',
]);

/**
 * Maps a non-2xx reply to an {@link AppError} (table on {@link OpenAiClient}). `text` is the raw body; an HTML or
 * otherwise non-JSON body maps by status alone, without `providerMessage`.
 */
export function errorFromReply(status: number, headers: HttpHeaders, text: string, what = 'request', label = 'OpenAI'): AppError {
  const json = jsonOrUndefined(text);
  const env = ErrorEnvelope.safeParse(json);
  const e = env.success ? env.data.error : undefined;
  const info = typeof e === 'string' ? { message: e } : e;
  const providerMessage = info?.message ?? undefined;
  const code = info && 'code' in info && info.code !== null && info.code !== undefined ? String(info.code) : undefined;
  const type = info && 'type' in info ? (info.type ?? undefined) : undefined;
  const param = info && 'param' in info ? (info.param ?? undefined) : undefined;
  const requestId = headerOf(headers, 'x-request-id');
  const base = `${label} ${what} → HTTP ${status}${code ? ` (${code})` : ''}${providerMessage ? `: ${providerMessage}` : ''}`;
  const message = requestId ? `${base} (request ${requestId})` : base;
  const details: Record<string, string[]> = {};
  if (param && providerMessage) details[param] = [providerMessage];
  const params: Record<string, string | number | null> = {};
  if (code) params['reason'] = code;
  if (param) params['field'] = param;
  if (info && 'moderation_details' in info && info.moderation_details) {
    const md = info.moderation_details;
    if (md.moderation_stage) details['moderation_stage'] = [md.moderation_stage];
    if (md.categories && md.categories.length > 0) details['categories'] = [...md.categories];
  }
  const common = {
    status,
    ...(providerMessage !== undefined ? { providerMessage } : {}),
    ...(Object.keys(details).length > 0 ? { details } : {}),
    ...(Object.keys(params).length > 0 ? { params } : {}),
  };
  switch (status) {
    case 400:
    case 422:
      return new AppError('provider_rejected', message, common);
    case 401:
      return new AppError('provider_auth', message, common);
    case 403:
      return new AppError('provider_forbidden', message, common);
    case 404:
      return new AppError('provider_not_found', message, common);
    case 409:
      return new AppError('provider_conflict', message, common);
    case 429: {
      if ((code && QUOTA_CODES.has(code)) || type === 'insufficient_quota') {
        return new AppError('insufficient_credits', message, {
          ...common,
          params: { ...params, required: null, available: null },
          retryable: false,
        });
      }
      const retryAfterMs = retryAfterOf(headers);
      return new AppError('rate_limited', message, {
        ...common,
        ...(retryAfterMs !== undefined ? { retryAfterMs, params: { ...params, retryAfterMs } } : {}),
      });
    }
    default:
      if (status >= 500) return new AppError('provider_unavailable', message, { ...common, retryable: status !== 501 });
      return new AppError('provider_rejected', message, common);
  }
}

/**
 * How long a 429 asks us to wait, ms: `retry-after-ms` (OpenAI's own header, ms) first, then `Retry-After`
 * (RFC 9110: delay-seconds or an HTTP date, relative to `now`). Undefined when absent or unparseable; never negative.
 */
export function retryAfterOf(headers: HttpHeaders, now: number = Date.now()): number | undefined {
  return retryAfterFromHeaders(headers, { retryAfterMs: true }, now);
}

/**
 * Decodes one `b64_json` and checks it is a PNG, JPEG or WebP by its header.
 * @throws AppError `provider_bad_response` (`params.reason: not_an_image`) for invalid base64 or non-image bytes.
 */
export function decodeImage(b64: string, index: number, label = 'OpenAI'): { bytes: Uint8Array; mime: 'image/png' | 'image/jpeg' | 'image/webp' } {
  const clean = b64.replace(/\s+/g, '');
  if (clean.length % 4 === 1 || !/^[A-Za-z0-9+/]*={0,2}$/.test(clean)) {
    throw new AppError('provider_bad_response', `${label} data[${index}].b64_json is not base64`, {
      params: { reason: 'not_an_image' },
    });
  }
  const bytes = new Uint8Array(Buffer.from(clean, 'base64'));
  const h = readImageHeader(bytes);
  if (!h.ok) {
    throw new AppError('provider_bad_response', `${label} data[${index}] is not a PNG, JPEG or WebP image (${h.detail})`, {
      params: { reason: 'not_an_image' },
    });
  }
  return { bytes, mime: h.mime };
}

/** Token usage of a reply in the shared {@link OpenAiImageUsage} shape, or null when the reply has none. */
export function usageOf(res: Pick<ImagesResponse, 'usage'>): OpenAiImageUsage | null {
  const u = res.usage;
  if (!u) return null;
  const out: OpenAiImageUsage = { input_tokens: u.input_tokens, output_tokens: u.output_tokens, total_tokens: u.total_tokens };
  if (u.input_tokens_details) {
    out.input_tokens_details = {
      text_tokens: u.input_tokens_details.text_tokens,
      image_tokens: u.input_tokens_details.image_tokens,
      ...(u.input_tokens_details.cached_tokens !== undefined ? { cached_tokens: u.input_tokens_details.cached_tokens } : {}),
    };
  }
  if (u.output_tokens_details) {
    out.output_tokens_details = {
      text_tokens: u.output_tokens_details.text_tokens,
      image_tokens: u.output_tokens_details.image_tokens,
    };
  }
  return out;
}

/**
 * True for an absolute http(s) URL, as WHATWG URL parses it. Looser than the RFC 3986 check of ../http.ts
 * (`isHttpUrl` there), which Apiframe's and EvoLink's schemas need; OpenAI-compatible servers' URLs keep this rule.
 */
export function isHttpUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}

function blobOf(f: OpenAiImageFile): Blob {
  return new Blob([f.bytes as Uint8Array<ArrayBuffer>], { type: f.mime });
}

