/**
 * Shared helpers for the EvoLink integration tests (client, adapter, test server).
 */
import sharp from 'sharp';
import { FormData, request } from 'undici';
import { AppError } from '../../src/shared/errors';
import { EvolinkClient, type EvolinkClientOptions, type EvolinkRetryInfo } from '../../src/main/services/providers/evolink/client';
import { startEvolinkTestServer, type EvolinkTestServer, type EvolinkTestServerOptions } from '../servers/evolink/server';

export const KEY = 'sk-evo-test-key-0001';
export const OTHER_KEY = 'sk-evo-other-key-0002';
export const POOR_KEY = 'sk-evo-poor-key-0003';
export const NO_ACCESS_KEY = 'sk-evo-noaccess-key-0004';
export const FEW_FILES_KEY = 'sk-evo-fewfiles-key-0005';

/**
 * A server with five keys: the default one, another account, a nearly empty one (1 credit), one without access to
 * gpt-image-2, and one whose Files quota is 2 files. Tasks take 1 s (200 ms pending).
 */
export function startServer(opts: EvolinkTestServerOptions = {}): Promise<EvolinkTestServer> {
  return startEvolinkTestServer({
    keys: [KEY, OTHER_KEY, { key: POOR_KEY, credits: 1 }, { key: NO_ACCESS_KEY, modelAccess: false }, { key: FEW_FILES_KEY, maxFiles: 2 }],
    taskDurationMs: 1000,
    queueDelayMs: 200,
    ...opts,
  });
}

/** A client on `srv` (both APIs under its URL) with fast backoff that records every retry and every sleep. */
export function fastClient(
  srv: EvolinkTestServer,
  overrides: Partial<EvolinkClientOptions> = {},
): { client: EvolinkClient; retries: EvolinkRetryInfo[]; slept: number[] } {
  const retries: EvolinkRetryInfo[] = [];
  const slept: number[] = [];
  const client = new EvolinkClient({
    apiKey: KEY,
    baseUrl: srv.url,
    filesBaseUrl: srv.url,
    backoffBaseMs: 5,
    backoffCapMs: 20,
    timeoutMs: 5_000,
    onRetry: (i) => retries.push(i),
    sleep: async (ms) => {
      slept.push(ms);
      await new Promise((r) => setTimeout(r, Math.min(ms, 20)));
    },
    ...overrides,
  });
  return { client, retries, slept };
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

/** A raw request to the test server (bypassing the client): status, headers and parsed JSON (or text). */
export async function raw(
  srv: EvolinkTestServer,
  method: 'GET' | 'POST',
  path: string,
  opts: { key?: string | null; headers?: Record<string, string>; json?: unknown; body?: string | FormData } = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: unknown }> {
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  const key = opts.key === undefined ? KEY : opts.key;
  if (key !== null) headers['authorization'] = `Bearer ${key}`;
  let body: string | FormData | undefined = opts.body;
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

/** Uploads `bytes` as multipart `file` with a raw request. */
export function rawUpload(
  srv: EvolinkTestServer,
  bytes: Uint8Array,
  name: string,
  opts: { key?: string | null; mime?: string; field?: string; fields?: Record<string, string> } = {},
) {
  const form = new FormData();
  for (const [k, v] of Object.entries(opts.fields ?? {})) form.append(k, v);
  form.append(opts.field ?? 'file', new Blob([bytes as Uint8Array<ArrayBuffer>], { type: opts.mime ?? 'application/octet-stream' }), name);
  return raw(srv, 'POST', '/api/v1/files/upload/stream', { key: opts.key, body: form });
}

/** The error envelope of a raw reply. */
export function envelopeOf(body: unknown): { code: string | number; message: string; type?: string; param?: string } {
  return (body as { error: { code: string | number; message: string; type?: string; param?: string } }).error;
}
