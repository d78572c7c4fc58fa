/**
 * Shared helpers for the Apiframe integration tests (client, adapter, test server).
 */
import { ApiframeClient, type ApiframeClientOptions, type ApiframeRetryInfo } from '../../src/main/services/providers/apiframe/client';
import { startApiframeTestServer, type ApiframeTestServer, type ApiframeTestServerOptions } from '../servers/apiframe/server';
import { fastBackoff, rawRequest, type RawReply } from '../helpers/providers';

export { appErrorOf, solidImage, rgbAt as pixelAt } from '../helpers/providers';

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
    timeoutMs: 5_000,
    ...fastBackoff(retries),
    ...overrides,
  });
  return { client, retries };
}

/** A raw request to the test server (bypassing the client), returning status, headers and parsed JSON (or text). */
export async function raw(
  srv: ApiframeTestServer,
  method: 'GET' | 'POST',
  path: string,
  opts: { headers?: Record<string, string>; json?: unknown; body?: string } = {},
): Promise<RawReply> {
  return rawRequest(`${srv.url}${path}`, method, opts);
}
