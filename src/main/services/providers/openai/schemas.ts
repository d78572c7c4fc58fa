/**
 * OpenAI wire schemas (zod): the Images API bodies (`POST /images/generations` JSON, `POST /images/edits` multipart
 * fields), the Responses API body with the `image_generation` tool, and the replies (`ImagesResponse`, `Response`,
 * the model list, the error envelope), one schema per endpoint.
 *
 * Sources: OpenAI's API reference (https://platform.openai.com/docs/api-reference/images,
 * https://platform.openai.com/docs/api-reference/responses) and openai-node
 * (https://github.com/openai/openai-node @ 7b7d6ca: `src/resources/images.ts`, `src/resources/responses/responses.ts`,
 * `core/error.ts`). Per-model parameter rules and limits: src/shared/providers/openai.ts.
 */
import { z } from 'zod';
import { OPENAI_LIMITS } from '@shared/providers/openai';
import { codePointLength } from '@shared/providers/evolink';

// ---------------------------------------------------------------------------------------------------------------
// Requests
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
  /** Server-sent events instead of one JSON reply (https://platform.openai.com/docs/api-reference/images-streaming). */
  stream: z.boolean().optional(),
  /** Partial previews streamed before the final image, 0–3 (only with `stream`). */
  partial_images: z.number().int().min(0).max(3).optional(),
};

/**
 * `POST /images/generations` body (openai-node `ImageGenerateParams`, minus the dall-e-only
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

/** Scalar fields of `POST /images/edits` (openai-node `ImageEditParams`; no `moderation`, see below). */
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
// Replies
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

/**
 * One server-sent event of a streamed image call (https://platform.openai.com/docs/api-reference/images-streaming):
 * `image_generation.partial_image` / `image_edit.partial_image` carry `b64_json` and `partial_image_index`
 * (0-based); `image_generation.completed` / `image_edit.completed` carry the final `b64_json`, the echoed `size`,
 * `quality`, `background`, `output_format`, `created_at` (epoch s) and `usage`. Unknown keys are tolerated.
 */
export const ImageStreamEventSchema = z.looseObject({
  type: z.string(),
  b64_json: z.string().nullish(),
  partial_image_index: z.number().int().min(0).nullish(),
  created_at: z.number().nullish(),
  background: z.string().nullish(),
  output_format: z.string().nullish(),
  quality: z.string().nullish(),
  size: z.string().nullish(),
  usage: ImagesUsageSchema.nullish(),
});
/** A parsed {@link ImageStreamEventSchema}. */
export type ImageStreamEvent = z.infer<typeof ImageStreamEventSchema>;

/** One output: decoded bytes (checked to be PNG/JPEG/WebP) or, where allowed, a URL to download. */
export type OpenAiOutput = { bytes: Uint8Array; mime: 'image/png' | 'image/jpeg' | 'image/webp' } | { url: string };

/** What {@link OpenAiClient.generate} / {@link OpenAiClient.edit} return: the parsed reply plus its decoded outputs. */
export type OpenAiImagesResult = ImagesResponse & { outputs: OpenAiOutput[] };

/** `GET /models` reply: `{ object: "list", data: [{ id, … }] }`. */
export const ModelListSchema = z.looseObject({ data: z.array(z.looseObject({ id: z.string() })) });

/** OpenAI's error envelope (openai-node `core/error.ts`; the moderation shape from third-party client fixtures only). */
export const ErrorEnvelope = z.looseObject({
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
 * `Tool.ImageGeneration`): no `n` (one image per call), no `moderation` default change; `partial_images` (0–3) with a
 * streamed request.
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
  partial_images: z.number().int().min(0).max(3).optional(),
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
  /** Server-sent events (`response.image_generation_call.partial_image`, then `response.completed`). */
  stream: z.boolean().optional(),
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
