/**
 * Helpers shared by the provider integration tests (apiframe, evolink, openai): errors, images, raw requests to a
 * test server, and the fast-backoff client options.
 */
import sharp from 'sharp';
import { type FormData, request } from 'undici';
import { AppError } from '../../src/shared/errors';

/** Runs `fn` and returns the AppError it throws (fails the test if it resolves or throws something else). */
export async function appErrorOf(fn: () => Promise<unknown>): Promise<AppError> {
  try {
    await fn();
  } catch (e) {
    if (e instanceof AppError) return e;
    throw new Error(`expected an AppError, got ${String(e)}`, { cause: e });
  }
  throw new Error('expected an AppError, but the call resolved');
}

/** A solid-colour image, encoded, `width`×`height` px (square by default). */
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

/** RGB of pixel (x, y) of an encoded image (alpha dropped). */
export async function rgbAt(bytes: Uint8Array, x: number, y: number): Promise<{ r: number; g: number; b: number }> {
  const px = await sharp(bytes).removeAlpha().extract({ left: x, top: y, width: 1, height: 1 }).raw().toBuffer();
  return { r: px[0] as number, g: px[1] as number, b: px[2] as number };
}

/** What {@link rawRequest} answers: status, headers and the parsed JSON body (or its text). */
export interface RawReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

/**
 * A raw request to `url` (bypassing the clients). `bearer` adds `Authorization: Bearer …` (over `headers`); `json`
 * is sent as the body with `content-type: application/json` unless `headers` has one.
 */
export async function rawRequest(
  url: string,
  method: 'GET' | 'POST',
  opts: { bearer?: string | null; headers?: Record<string, string>; json?: unknown; body?: string | FormData | null } = {},
): Promise<RawReply> {
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  if (opts.bearer !== undefined && opts.bearer !== null) headers['authorization'] = `Bearer ${opts.bearer}`;
  let body: string | FormData | null = opts.body ?? null;
  if (opts.json !== undefined) {
    headers['content-type'] ??= 'application/json';
    body = JSON.stringify(opts.json);
  }
  const res = await request(url, { method, headers, body });
  const text = await res.body.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: res.statusCode, headers: res.headers, body: parsed };
}

/** Client options for fast backoff (5 ms base, 20 ms cap) that push every retry onto `retries`. */
export function fastBackoff<I>(retries: I[]): { backoffBaseMs: number; backoffCapMs: number; onRetry: (info: I) => void } {
  return { backoffBaseMs: 5, backoffCapMs: 20, onRetry: (i) => retries.push(i) };
}
