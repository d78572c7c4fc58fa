/**
 * Shared helpers for the OpenAI integration tests (client, adapter, test server).
 */
import sharp from 'sharp';
import { FormData } from 'undici';
import { OpenAiClient, type OpenAiClientOptions, type OpenAiRetryInfo } from '../../src/main/services/providers/openai/client';
import { startOpenAiTestServer, type OpenAiTestServer, type OpenAiTestServerOptions } from '../servers/openai/server';
import { fastBackoff, rawRequest, type RawReply } from '../helpers/providers';

export { appErrorOf, solidImage } from '../helpers/providers';

export const KEY = 'sk-test-openai-0001';
export const UNVERIFIED_KEY = 'sk-test-unverified-0002';
export const NOQUOTA_KEY = 'sk-test-noquota-0003';

/** A server with three keys: a good one, an unverified organization's, and one whose quota is exhausted. */
export function startServer(opts: OpenAiTestServerOptions = {}): Promise<OpenAiTestServer> {
  return startOpenAiTestServer({
    keys: [KEY, { key: UNVERIFIED_KEY, verified: false }, { key: NOQUOTA_KEY, quotaExhausted: true }],
    ...opts,
  });
}

/** A client with fast backoff that records every retry and every sleep (ms). */
export function fastClient(
  srv: OpenAiTestServer,
  overrides: Partial<OpenAiClientOptions> = {},
): { client: OpenAiClient; retries: OpenAiRetryInfo[] } {
  const retries: OpenAiRetryInfo[] = [];
  const client = new OpenAiClient({
    apiKey: KEY,
    baseUrl: srv.baseUrl,
    timeoutMs: 10_000,
    ...fastBackoff(retries),
    ...overrides,
  });
  return { client, retries };
}

/** A PNG mask `width`×`height` px with an alpha channel: transparent (edit here) left half, opaque right half. */
export async function maskPng(width: number, height: number, alpha = true): Promise<Uint8Array> {
  if (!alpha) return new Uint8Array(await sharp({ create: { width, height, channels: 3, background: { r: 0, g: 0, b: 0 } } }).png().toBuffer());
  const half = Math.max(1, Math.floor(width / 2));
  const buf = await sharp({ create: { width, height, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 1 } } })
    .composite([{ input: { create: { width: half, height, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } }, left: 0, top: 0, blend: 'dest-out' }])
    .png()
    .toBuffer();
  return new Uint8Array(buf);
}

/** Format, width and height (px) and alpha of encoded image bytes. */
export async function imageInfo(bytes: Uint8Array): Promise<{ format: string | undefined; width: number; height: number; hasAlpha: boolean }> {
  const m = await sharp(bytes).metadata();
  return { format: m.format, width: m.width ?? 0, height: m.height ?? 0, hasAlpha: m.hasAlpha ?? false };
}

/** RGBA of pixel (x, y) of an encoded image. */
export async function pixelAt(bytes: Uint8Array, x: number, y: number): Promise<{ r: number; g: number; b: number; a: number }> {
  const px = await sharp(bytes).ensureAlpha().extract({ left: x, top: y, width: 1, height: 1 }).raw().toBuffer();
  return { r: px[0] as number, g: px[1] as number, b: px[2] as number, a: px[3] as number };
}

/** A raw request to the test server (bypassing the client): status, headers and parsed JSON (or text). */
export async function raw(
  srv: OpenAiTestServer,
  method: 'GET' | 'POST',
  path: string,
  opts: { key?: string | null; json?: unknown; form?: FormData; body?: string; headers?: Record<string, string> } = {},
): Promise<RawReply> {
  const { key, form, ...rest } = opts;
  return rawRequest(`${srv.url}${path}`, method, { ...rest, bearer: key === undefined ? KEY : key, ...(form ? { body: form, json: undefined } : {}) });
}

/** A multipart edit form: text fields, then files under `field` (default `image[]`). */
export function editForm(
  fields: Record<string, string>,
  images: Uint8Array[],
  opts: { field?: string; mask?: Uint8Array; type?: string } = {},
): FormData {
  const fd = new FormData();
  for (const [k, v] of Object.entries(fields)) fd.append(k, v);
  images.forEach((b, i) => fd.append(opts.field ?? 'image[]', new Blob([b as Uint8Array<ArrayBuffer>], { type: opts.type ?? 'image/png' }), `img-${i}.png`));
  if (opts.mask) fd.append('mask', new Blob([opts.mask as Uint8Array<ArrayBuffer>], { type: 'image/png' }), 'mask.png');
  return fd;
}

/** The `error` object of an OpenAI error reply. */
export function errorOf(body: unknown): { message: string; type: string; param: string | null; code: string | null } {
  return (body as { error: { message: string; type: string; param: string | null; code: string | null } }).error;
}
