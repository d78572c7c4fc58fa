/**
 * Shared helpers for the EvoLink integration tests (client, adapter, test server).
 */
import { FormData } from 'undici';
import { EvolinkClient, type EvolinkClientOptions, type EvolinkRetryInfo } from '../../src/main/services/providers/evolink/client';
import { startEvolinkTestServer, type EvolinkTestServer, type EvolinkTestServerOptions } from '../servers/evolink/server';
import { fastBackoff, rawRequest, type RawReply } from '../helpers/providers';

export { appErrorOf, solidImage, rgbAt as pixelAt } from '../helpers/providers';

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
    timeoutMs: 5_000,
    ...fastBackoff(retries),
    sleep: async (ms) => {
      slept.push(ms);
      await new Promise((r) => setTimeout(r, Math.min(ms, 20)));
    },
    ...overrides,
  });
  return { client, retries, slept };
}

/** A raw request to the test server (bypassing the client): status, headers and parsed JSON (or text). */
export async function raw(
  srv: EvolinkTestServer,
  method: 'GET' | 'POST',
  path: string,
  opts: { key?: string | null; headers?: Record<string, string>; json?: unknown; body?: string | FormData } = {},
): Promise<RawReply> {
  const { key, ...rest } = opts;
  return rawRequest(`${srv.url}${path}`, method, { ...rest, bearer: key === undefined ? KEY : key });
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
