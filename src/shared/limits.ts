/**
 * The one table of input limits (issue 9, item 11). Every string and array a contract call takes is bounded by
 * one of these, checked by the call's zod schema in the dispatcher before any handler runs; a call over a limit
 * fails at once with `validation` naming the field, the reason (`too_long`, `too_many`) and `max` (see
 * {@link tooBigParams}), and changes nothing. The local web host also refuses an over-long body before reading it
 * ({@link callBodyLimit}).
 *
 * Units: string lengths are UTF-16 code units (JavaScript `length`, what zod's `.max` counts) unless the entry says
 * bytes; list limits are items. Services may apply stricter rules of their own on top (a folder name is at most
 * 200 code points, a preset name 100 characters, a prompt the provider's own limit): the contract's limit is the
 * ceiling that keeps a hostile caller from making the app hold or process megabytes of text.
 *
 * Pure TS (zod only), shared by the main process and the renderer.
 */
import { z } from 'zod';

/** 1 MiB, in bytes. */
const MiB = 1024 * 1024;

/** The input limits. Strings in UTF-16 code units, lists in items, `*Bytes` in bytes. */
export const LIMITS = {
  /** Ids (UUIDs, blob ids, task ids): 64 characters. */
  id: 64,
  /** Names of projects, folders, collections, export presets: 255 characters (the usual file-name limit). */
  name: 255,
  /** One tag: 64 characters. */
  tag: 64,
  /** An image's title: 200 characters. */
  title: 200,
  /** An image's note: 5,000 characters. */
  note: 5_000,
  /** The search box's text: 500 characters. */
  search: 500,
  /**
   * A prompt, at the contract: 64,000 UTF-16 units, i.e. room for the longest prompt any provider takes (OpenAI:
   * 32,000 characters, https://platform.openai.com/docs/api-reference/images/create, counted here in code points,
   * which can be two units each). The provider's own limit (Apiframe 2,000, per its OpenAPI `prompt.maxLength`;
   * EvoLink 32,000 code points) is checked at submit from the capability table (`maxPromptChars`, `promptUnit`).
   */
  prompt: 64_000,
  /** An export naming template: 1,024 characters (the export service takes at most 500). */
  template: 1_024,
  /** A file's name as the page sends it (may be a relative path inside a dropped folder): 1,024 characters. */
  fileName: 1_024,
  /** A file-system path or a path grant token: 4,096 bytes of UTF-8 (Linux `PATH_MAX`). */
  pathBytes: 4_096,
  /** An API key: 4,096 characters (real keys are well under 200). */
  apiKey: 4_096,
  /** A provider base URL: 2,048 characters. */
  url: 2_048,
  /** A model name (`custom:<name>`, a filter's model id) or a price table key (provider, model, item): 200. */
  modelName: 200,
  /** A page cursor the app made (base64url of the last row's sort keys): 8,192 characters. */
  cursor: 8_192,
  /** A model parameter's name: 64 characters. */
  paramKey: 64,
  /** A job's parameters, as JSON: 16,384 characters (the model's own schema then checks every one). */
  paramsJson: 16_384,
  /** A file's bytes as base64 in one call (a reference image, one import file): 64 MiB of text (48 MiB of bytes;
   * covers OpenAI's 50 MB reference limit). */
  fileBase64: 64 * MiB,
  /** A mask PNG as base64: 16 MiB of text. */
  maskBase64: 16 * MiB,
  /** Ids in one bulk call (tag, move, copy, trash, restore, collect, export): 250,000, a whole large library. */
  bulkIds: 250_000,
  /** Tags added or removed by one call: 50. */
  tagsPerCall: 50,
  /** Tags a search filter may require: 20. */
  filterTags: 20,
  /** Reference images of one job: 16 (OpenAI's and EvoLink's limit). */
  references: 16,
  /** Files in one `import.addFiles` batch: 500. */
  filesPerBatch: 500,
  /** Paths (path grant tokens) in one `import.start`: 10,000. */
  importPaths: 10_000,
  /** Model names of the OpenAI-compatible server: 50. */
  customModels: 50,
} as const;

/** Largest body of a call over the local web host that carries no file bytes and no bulk id list: 1 MiB. */
export const DEFAULT_CALL_BODY_BYTES = 1 * MiB;
/**
 * Largest body of a bulk call: {@link LIMITS.bulkIds} ids of {@link LIMITS.id} characters with their JSON quotes
 * and commas, plus 1 MiB for the rest (a saved query, a patch, tags): about 17 MiB.
 */
export const BULK_CALL_BODY_BYTES = LIMITS.bulkIds * (LIMITS.id + 3) + 1 * MiB;
/** Largest body of a call that carries one file as base64 ({@link LIMITS.fileBase64} plus 1 MiB): 65 MiB. */
export const FILE_CALL_BODY_BYTES = LIMITS.fileBase64 + 1 * MiB;
/** Largest body of `chains.stageMask` ({@link LIMITS.maskBase64} plus 64 KiB). */
export const MASK_CALL_BODY_BYTES = LIMITS.maskBase64 + 64 * 1024;

/** Calls that may carry up to {@link LIMITS.bulkIds} ids. */
const BULK_CALLS: ReadonlySet<string> = new Set([
  'assets.update',
  'assets.tag',
  'assets.move',
  'assets.copy',
  'assets.trash',
  'assets.restore',
  'collections.create',
  'collections.add',
  'collections.remove',
  'export.start',
  'assets.undoState',
  'folders.undelete',
  'stacks.restore',
]);

/**
 * The largest body, in bytes, the local web host reads for call `name` (the largest legitimate input of that call,
 * JSON-encoded, with headroom): {@link FILE_CALL_BODY_BYTES} for `references.stage` and `import.addFiles`,
 * {@link MASK_CALL_BODY_BYTES} for `chains.stageMask`, {@link BULK_CALL_BODY_BYTES} for bulk calls, else
 * {@link DEFAULT_CALL_BODY_BYTES} (a 64,000-unit prompt is at most 192 KB of UTF-8). The Electron IPC has no body
 * limit: there the schemas' own limits apply.
 */
export function callBodyLimit(name: string): number {
  if (name === 'references.stage' || name === 'import.addFiles') return FILE_CALL_BODY_BYTES;
  if (name === 'chains.stageMask') return MASK_CALL_BODY_BYTES;
  if (BULK_CALLS.has(name)) return BULK_CALL_BODY_BYTES;
  return DEFAULT_CALL_BODY_BYTES;
}

/** The largest of every {@link callBodyLimit}: what any call may send at most. */
export const MAX_CALL_BODY_BYTES = Math.max(FILE_CALL_BODY_BYTES, MASK_CALL_BODY_BYTES, BULK_CALL_BODY_BYTES, DEFAULT_CALL_BODY_BYTES);

/** UTF-8 length of `s` in bytes, without allocating (lone surrogates count 3, as TextEncoder writes U+FFFD). */
export function utf8Bytes(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/**
 * A file-system path (web host) or a path grant token (Electron): 1 to {@link LIMITS.pathBytes} bytes of UTF-8.
 * Over the limit it fails with `validation`, `reason: 'too_long'`, `max: 4096`, `unit: 'bytes'`.
 */
export const PathString = z
  .string()
  .min(1)
  .max(LIMITS.pathBytes)
  .refine((s) => s.length > LIMITS.pathBytes || utf8Bytes(s) <= LIMITS.pathBytes, {
    message: `at most ${LIMITS.pathBytes} bytes of UTF-8`,
    params: { reason: 'too_long', max: LIMITS.pathBytes, unit: 'bytes' },
  });

/**
 * Model parameters as the composer sends them: at most {@link LIMITS.paramsJson} characters of JSON, names of at
 * most {@link LIMITS.paramKey}. The model's own schema (capabilities) then checks each value.
 */
export const ParamsRecord = z.record(z.string().max(LIMITS.paramKey), z.unknown()).refine(
  (o) => {
    try {
      return JSON.stringify(o).length <= LIMITS.paramsJson;
    } catch {
      return false;
    }
  },
  { message: `at most ${LIMITS.paramsJson} characters of JSON`, params: { reason: 'too_long', max: LIMITS.paramsJson } },
);

/** One zod issue, as much of it as {@link tooBigParams} reads. */
interface IssueLike {
  code: string;
  origin?: string;
  maximum?: number | bigint;
  params?: Record<string, unknown>;
}

/**
 * The `params` of the `validation` error for an issue that is a limit of this table (a string or list too long),
 * or null for any other issue. `reason`: `too_long` (a string; `unit` `characters` or `bytes`) or `too_many` (a
 * list); `max`: the limit.
 */
export function tooBigParams(issue: IssueLike): { reason: 'too_long' | 'too_many'; max: number; unit: 'characters' | 'bytes' | 'items' } | null {
  if (issue.code === 'too_big' && (issue.origin === 'string' || issue.origin === 'array') && issue.maximum !== undefined) {
    const max = Number(issue.maximum);
    return issue.origin === 'string' ? { reason: 'too_long', max, unit: 'characters' } : { reason: 'too_many', max, unit: 'items' };
  }
  const p = issue.params;
  if (issue.code === 'custom' && p && p['reason'] === 'too_long' && typeof p['max'] === 'number') {
    return { reason: 'too_long', max: p['max'], unit: p['unit'] === 'bytes' ? 'bytes' : 'characters' };
  }
  return null;
}
