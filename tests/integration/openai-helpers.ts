/**
 * Shared helpers for the OpenAI integration tests (client, adapter, test server).
 */
import sharp from 'sharp';
import { FormData, request } from 'undici';
import { AppError } from '../../src/shared/errors';
import { OpenAiClient, type OpenAiClientOptions, type OpenAiRetryInfo } from '../../src/main/services/providers/openai/client';
import { startOpenAiTestServer, type OpenAiTestServer, type OpenAiTestServerOptions } from '../servers/openai/server';

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
    backoffBaseMs: 5,
    backoffCapMs: 20,
    timeoutMs: 10_000,
    onRetry: (i) => retries.push(i),
    ...overrides,
  });
  return { client, retries };
}

/** Runs `fn` and returns the AppError it throws (fails if it resolves or throws something else). */
export async function appErrorOf(fn: () => Promise<unknown>): Promise<AppError> {
  try {
    await fn();
  } catch (e) {
    if (e instanceof AppError) return e;
    throw new Error(`expected an AppError, got ${String(e)}`, { cause: e });
  }
  throw new Error('expected an AppError, but the call resolved');
}

/** A solid-colour image, encoded, `width`×`height` px. */
export async function solidImage(
  rgb: { r: number; g: number; b: number },
  format: 'png' | 'jpeg' | 'webp' | 'gif' = 'png',
  width = 64,
  height = width,
): Promise<Uint8Array> {
  const img = sharp({ create: { width, height, channels: 3, background: rgb } });
  const buf =
    format === 'png'
      ? await img.png().toBuffer()
      : format === 'jpeg'
        ? await img.jpeg().toBuffer()
        : format === 'webp'
          ? await img.webp().toBuffer()
          : await img.gif().toBuffer();
  return new Uint8Array(buf);
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
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: unknown }> {
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  const key = opts.key === undefined ? KEY : opts.key;
  if (key !== null) headers['authorization'] = `Bearer ${key}`;
  let body: string | FormData | null = opts.body ?? null;
  if (opts.json !== undefined) {
    headers['content-type'] ??= 'application/json';
    body = JSON.stringify(opts.json);
  }
  if (opts.form) body = opts.form;
  const res = await request(`${srv.url}${path}`, { method, headers, body });
  const text = await res.body.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: res.statusCode, headers: res.headers, body: parsed };
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
