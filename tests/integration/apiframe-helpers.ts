/**
 * Shared helpers for the Apiframe integration tests (client, adapter, test server).
 */
import sharp from 'sharp';
import { request } from 'undici';
import { AppError } from '../../src/shared/errors';
import { ApiframeClient, type ApiframeClientOptions, type ApiframeRetryInfo } from '../../src/main/services/providers/apiframe/client';
import { startApiframeTestServer, type ApiframeTestServer, type ApiframeTestServerOptions } from '../servers/apiframe/server';

export const KEY = 'afk_test_key_0001';
export const OTHER_KEY = 'afk_other_key_0002';
export const POOR_KEY = 'afk_poor_key_0003';
export const INACTIVE_KEY = 'afk_inactive_key_0004';

/** A server with four keys: the default one, another team, a nearly empty one (3 credits), an inactive one. */
export function startServer(opts: ApiframeTestServerOptions = {}): Promise<ApiframeTestServer> {
  return startApiframeTestServer({
    keys: [KEY, OTHER_KEY, { key: POOR_KEY, credits: 3 }, { key: INACTIVE_KEY, active: false }],
    jobDurationMs: 1000,
    queueDelayMs: 200,
    ...opts,
  });
}

/** A client with fast backoff that records every retry. */
export function fastClient(
  srv: ApiframeTestServer,
  overrides: Partial<ApiframeClientOptions> = {},
): { client: ApiframeClient; retries: ApiframeRetryInfo[] } {
  const retries: ApiframeRetryInfo[] = [];
  const client = new ApiframeClient({
    apiKey: KEY,
    baseUrl: srv.url,
    backoffBaseMs: 5,
    backoffCapMs: 20,
    timeoutMs: 5_000,
    onRetry: (i) => retries.push(i),
    ...overrides,
  });
  return { client, retries };
}

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

/** A solid-colour image, encoded. */
export async function solidImage(
  rgb: { r: number; g: number; b: number },
  format: 'png' | 'jpeg' | 'webp' | 'gif' = 'png',
  size = 64,
): Promise<Uint8Array> {
  const img = sharp({ create: { width: size, height: size, channels: 3, background: rgb } });
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

/** RGB of pixel (x, y) of an encoded image. */
export async function pixelAt(bytes: Uint8Array, x: number, y: number): Promise<{ r: number; g: number; b: number }> {
  const px = await sharp(bytes).removeAlpha().extract({ left: x, top: y, width: 1, height: 1 }).raw().toBuffer();
  return { r: px[0] as number, g: px[1] as number, b: px[2] as number };
}

/** A raw request to the test server (bypassing the client), returning status, headers and parsed JSON (or text). */
export async function raw(
  srv: ApiframeTestServer,
  method: 'GET' | 'POST',
  path: string,
  opts: { headers?: Record<string, string>; json?: unknown; body?: string } = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: unknown }> {
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  let body: string | undefined = opts.body;
  if (opts.json !== undefined) {
    headers['content-type'] ??= 'application/json';
    body = JSON.stringify(opts.json);
  }
  const res = await request(`${srv.url}${path}`, { method, headers, body: body ?? null });
  const text = await res.body.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: res.statusCode, headers: res.headers, body: parsed };
}
