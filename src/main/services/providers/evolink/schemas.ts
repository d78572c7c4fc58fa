/**
 * EvoLink wire schemas (zod): the create body Atelier sends and the replies it reads, one schema per endpoint.
 *
 * Sources: EvoLink's API manual ("the manual"): the create body
 * (https://docs.evolink.ai/en/api-manual/image-series/gpt-image-2/gpt-image-2-image-generation) and the task object
 * (https://docs.evolink.ai/en/api-manual/task-management/get-task-detail); EvoLink's gpt-image-2 skill
 * (https://github.com/EvoLinkAI/gpt-image-2-gen-skill `references/api-params.md`) for the create body's ranges; and
 * EvoLink's own media MCP server ("the MCP client", https://github.com/EvoLinkAI/evolink-media-mcp
 * `packages/core/src/services/{api-client,file-client,error-handler}.ts`, `file-api.md`) for task error codes, the
 * error envelope and the Files API. Where the sources leave a shape open (`results` vs `result_data[].image_url`, a
 * numeric or string error `code`) both are accepted.
 */
import { z } from 'zod';
import {
  EVOLINK_MAX_IMAGES,
  EVOLINK_MAX_N,
  EVOLINK_MAX_PROMPT_CODEPOINTS,
  EVOLINK_MIN_N,
  EVOLINK_QUALITIES,
  EVOLINK_RESOLUTIONS,
  EvolinkSize,
  codePointLength,
  isEvolinkRatio,
} from '@shared/providers/evolink';
import { HttpUrl } from '../schemas';

/** The only model this client creates tasks for (the manual: the "official channel"). */
export const EVOLINK_MODEL = 'gpt-image-2';

/**
 * Task `error.code` values (the MCP client's `api-client.ts`). A failed task carries one of these (or another
 * string; unknown codes are accepted) with EvoLink's message.
 */
export const EVOLINK_TASK_ERROR_CODES = [
  'content_policy_violation',
  'invalid_parameters',
  'image_dimension_mismatch',
  'image_processing_error',
  'model_unavailable',
  'generation_timeout',
  'quota_exceeded',
  'resource_exhausted',
  'service_error',
  'service_unavailable',
  'generation_failed_no_content',
  'upstream_error',
  'rate_limited',
  'request_cancelled',
  'resource_not_found',
  'unknown_error',
] as const;
/** One of {@link EVOLINK_TASK_ERROR_CODES}. */
export type EvolinkTaskErrorCode = (typeof EVOLINK_TASK_ERROR_CODES)[number];

// ---------------------------------------------------------------------------------------------------------------
// Request
// ---------------------------------------------------------------------------------------------------------------

/**
 * `POST /v1/images/generations` body exactly as the manual documents it, minus `callback_url` (Atelier polls), so it can
 * never be sent. Strict: any other key is refused before it reaches the wire. `resolution` is allowed only with a
 * ratio `size` (EvoLink ignores it otherwise, per the skill; the client does not send what is ignored).
 */
export const EvolinkCreateTaskBody = z
  .strictObject({
    model: z.literal(EVOLINK_MODEL),
    prompt: z
      .string()
      .min(1)
      .refine((p) => codePointLength(p) <= EVOLINK_MAX_PROMPT_CODEPOINTS, {
        message: `prompt is longer than ${EVOLINK_MAX_PROMPT_CODEPOINTS} code points`,
      }),
    size: EvolinkSize.optional(),
    resolution: z.enum(EVOLINK_RESOLUTIONS).optional(),
    quality: z.enum(EVOLINK_QUALITIES).optional(),
    n: z.number().int().min(EVOLINK_MIN_N).max(EVOLINK_MAX_N).optional(),
    image_urls: z.array(HttpUrl).min(1).max(EVOLINK_MAX_IMAGES).optional(),
  })
  .superRefine((b, ctx) => {
    if (b.resolution !== undefined && !(b.size !== undefined && isEvolinkRatio(b.size))) {
      ctx.addIssue({ code: 'custom', path: ['resolution'], message: 'resolution is only sent with a ratio size', input: b.resolution });
    }
  });
/** Wire shape of {@link EvolinkCreateTaskBody}. */
export type EvolinkCreateTaskBody = z.infer<typeof EvolinkCreateTaskBody>;

// ---------------------------------------------------------------------------------------------------------------
// Replies
// ---------------------------------------------------------------------------------------------------------------

/** Task `status` (the manual's task detail page). */
export const EVOLINK_TASK_STATUSES = ['pending', 'processing', 'completed', 'failed'] as const;
/** One of {@link EVOLINK_TASK_STATUSES}. */
export type EvolinkTaskStatus = (typeof EVOLINK_TASK_STATUSES)[number];

/** `usage` of a task: `credits_reserved` is in EvoLink credits (not USD) (the MCP client; example in the manual). */
export const EvolinkUsageSchema = z.looseObject({
  billing_rule: z.string().optional(),
  credits_reserved: z.number().min(0).optional(),
  user_group: z.string().optional(),
});
/** `{ billing_rule?, credits_reserved?, user_group? }` plus whatever else EvoLink adds. */
export type EvolinkUsage = z.infer<typeof EvolinkUsageSchema>;

/** `error` of a failed task: `{ code, message, type }` (the MCP client); the code is usually an {@link EvolinkTaskErrorCode}. */
export const EvolinkTaskErrorSchema = z.looseObject({
  code: z.union([z.string(), z.number()]).optional(),
  message: z.string().optional(),
  type: z.string().optional(),
});

/**
 * The task object of `POST /v1/images/generations` and `GET /v1/tasks/{id}` (the manual's examples and the MCP
 * client): `id` and `status` are required; `progress` 0–100; outputs as `results: string[]` and/or
 * `result_data: [{ image_url }]`; `task_info { can_cancel, estimated_time (s) }`; `usage`; `error` when failed;
 * `created` in epoch seconds. Unknown extra keys are tolerated.
 */
export const EvolinkTaskSchema = z.looseObject({
  id: z.string().min(1),
  status: z.enum(EVOLINK_TASK_STATUSES),
  object: z.string().optional(),
  type: z.string().optional(),
  model: z.string().optional(),
  created: z.number().optional(),
  progress: z.number().min(0).max(100).nullable().optional(),
  results: z.array(HttpUrl).nullable().optional(),
  result_data: z.array(z.looseObject({ image_url: HttpUrl })).nullable().optional(),
  task_info: z
    .looseObject({ can_cancel: z.boolean().optional(), estimated_time: z.number().min(0).optional() })
    .nullable()
    .optional(),
  usage: EvolinkUsageSchema.nullable().optional(),
  error: EvolinkTaskErrorSchema.nullable().optional(),
});
/** A parsed EvoLink task. */
export type EvolinkTask = z.infer<typeof EvolinkTaskSchema>;

/** HTTP error envelope (the MCP client's `error-handler.ts`; the docs' 400 example has no `type`). */
export const ErrorEnvelope = z.looseObject({
  error: z.looseObject({
    code: z.union([z.number(), z.string()]).optional(),
    message: z.string(),
    type: z.string().optional(),
    param: z.string().optional(),
    fallback_suggestion: z.string().optional(),
  }),
});

/** Files API envelope `{ success, code, msg, data }` (the MCP client). */
export const FilesEnvelope = z.looseObject({
  success: z.boolean(),
  code: z.number().optional(),
  msg: z.string().optional(),
  data: z.unknown().optional(),
});

/**
 * `data` of a Files API upload (the MCP client): `file_url` is what goes into `image_urls`; `expires_at` (files live 72 h) is
 * an ISO date or epoch seconds/ms. Other fields are kept when present.
 */
export const EvolinkFileSchema = z.looseObject({
  file_id: z.string().min(1),
  file_url: HttpUrl,
  file_name: z.string().optional(),
  original_name: z.string().optional(),
  file_size: z.number().int().min(0).optional(),
  mime_type: z.string().optional(),
  upload_path: z.string().optional(),
  download_url: HttpUrl.optional(),
  upload_time: z.union([z.string(), z.number()]).optional(),
  expires_at: z.union([z.string(), z.number()]).nullable().optional(),
});
/** A parsed upload `data`. */
export type EvolinkFile = z.infer<typeof EvolinkFileSchema>;

/** `data` of `GET /api/v1/files/quota` (the MCP client): file counts of the key's account. */
export const EvolinkQuotaSchema = z.looseObject({
  user_group: z.string().optional(),
  used_files: z.number().int().min(0),
  max_files: z.number().int().min(0),
  remain_files: z.number().int(),
});
/** `{ user_group?, used_files, max_files, remain_files }`. */
export type EvolinkQuota = z.infer<typeof EvolinkQuotaSchema>;

/**
 * The output URLs of a task: `results` when it has any, else `result_data[].image_url` (the manual shows
 * `results`, the vendor's client reads `result_data`; both are accepted). `[]` when neither is present.
 */
export function evolinkTaskOutputUrls(task: EvolinkTask): string[] {
  if (task.results && task.results.length > 0) return [...task.results];
  return (task.result_data ?? []).map((r) => r.image_url);
}
