/**
 * The shared provider transport (src/main/services/providers/http.ts) over real loopback HTTP, against a bare
 * node:http server whose every route misbehaves in one way: a body over the cap (declared and streamed, and the
 * server sees us hang up), no headers within the timeout, a body that stalls, a connection dropped before and
 * during the body, 429 with Retry-After (slept, and too long to sleep), the per-attempt body factory, and result
 * downloads (redirects, gone, magic-byte sniffing).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AppError } from '../../src/shared/errors';
import {
  downloadImage,
  isTransientFailure,
  sendWithRetry,
  type HttpRequest,
  type HttpRetryInfo,
  type HttpTransport,
} from '../../src/main/services/providers/http';

const PNG_1x1 = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);

let server: Server;
let base: string;
const hits = new Map<string, number>();
/** Resolved when the server sees the client hang up on /stream-forever. */
let streamClosed: Promise<void> = Promise.resolve();
let onStreamClosed: () => void = () => undefined;

function route(req: IncomingMessage, res: ServerResponse): void {
  const path = new URL(req.url ?? '/', 'http://x').pathname;
  const n = (hits.get(path) ?? 0) + 1;
  hits.set(path, n);
  switch (path) {
    case '/json':
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      return;
    case '/declared-large':
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(1024 * 1024) });
      res.write(Buffer.alloc(16));
      return; // never finishes: the client must refuse on the header alone
    case '/stream-forever': {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      const chunk = Buffer.alloc(16 * 1024);
      const t = setInterval(() => res.write(chunk), 5);
      res.on('close', () => {
        clearInterval(t);
        onStreamClosed();
      });
      return;
    }
    case '/no-headers':
      return; // never answers
    case '/stall-body':
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"ok":');
      return; // the rest never comes
    case '/drop':
      req.socket.destroy();
      return;
    case '/drop-mid-body':
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
      res.write('{"ok":', () => setTimeout(() => req.socket.destroy(), 20));
      return;
    case '/429-then-ok':
      if (n === 1) res.writeHead(429, { 'retry-after': '0' }).end('{}');
      else res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      return;
    case '/429-long':
      res.writeHead(429, { 'retry-after': '3600' }).end('{}');
      return;
    case '/503': {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => res.writeHead(503).end(body));
      return;
    }
    case '/redirect':
      res.writeHead(302, { location: '/image.png' }).end();
      return;
    case '/image.png':
      res.writeHead(200, { 'content-type': 'image/png', 'content-length': String(PNG_1x1.length) }).end(PNG_1x1);
      return;
    case '/not-image':
      res.writeHead(200, { 'content-type': 'image/png' }).end('<html>not an image</html>');
      return;
    case '/gone':
      res.writeHead(410).end();
      return;
    default:
      res.writeHead(404).end();
  }
}

beforeAll(async () => {
  server = createServer(route);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function transport(overrides: Partial<HttpTransport> = {}): HttpTransport & { retries: HttpRetryInfo[]; slept: number[] } {
  const retries: HttpRetryInfo[] = [];
  const slept: number[] = [];
  return {
    label: 'Test',
    timeoutMs: 300,
    policy: {
      maxRetries: 2,
      backoffBaseMs: 10,
      backoffCapMs: 100,
      maxRetryAfterMs: 60_000,
      retryable: (method, key, err) => err.code === 'rate_limited' || ((method === 'GET' || key) && isTransientFailure(err)),
    },
    random: () => 0.5,
    sleep: async (ms) => {
      slept.push(ms);
    },
    onRetry: (info) => retries.push(info),
    mapError: (status, _h, text, what) => {
      if (status === 429) return new AppError('rate_limited', `${what} 429`, { status });
      return new AppError(status >= 500 ? 'provider_unavailable' : 'provider_rejected', `${what} ${status}: ${text}`, { status });
    },
    ...overrides,
    retries,
    slept,
  };
}

function get(path: string, extra: Partial<HttpRequest> = {}): HttpRequest {
  return { method: 'GET', url: new URL(path, base), headers: {}, hasIdempotencyKey: false, maxBytes: 64 * 1024, ...extra };
}

async function errorOf(p: Promise<unknown>): Promise<AppError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(AppError);
    return e as AppError;
  }
  throw new Error('expected a rejection');
}

describe('size cap', () => {
  it('a Content-Length over the cap is refused without reading the body, and not retried', async () => {
    hits.clear();
    const err = await errorOf(sendWithRetry(transport(), get('/declared-large', { maxBytes: 1000 })));
    expect(err).toMatchObject({ code: 'provider_bad_response', status: 200 });
    expect(err.message).toBe('Test GET /declared-large reply is larger than 1000 bytes');
    expect(hits.get('/declared-large')).toBe(1);
  });

  it('an endless chunked body is cut at the cap and the connection is closed', async () => {
    streamClosed = new Promise((resolve) => (onStreamClosed = resolve));
    const err = await errorOf(sendWithRetry(transport(), get('/stream-forever', { maxBytes: 100 * 1024 })));
    expect(err).toMatchObject({ code: 'provider_bad_response', status: 200 });
    await streamClosed; // the server saw us hang up (the test would time out otherwise)
  });
});

describe('timeouts and drops', () => {
  it('no headers within timeoutMs → timeout, retried for a GET until the retries are spent', async () => {
    hits.clear();
    const t = transport();
    const started = Date.now();
    const err = await errorOf(sendWithRetry(t, get('/no-headers')));
    expect(err).toMatchObject({ code: 'timeout', message: 'Test GET /no-headers timed out after 300 ms' });
    expect(hits.get('/no-headers')).toBe(3);
    expect(t.retries.map((r) => r.attempt)).toEqual([1, 2]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(3 * 290);
  });

  it('a body that stalls after the headers → timeout (the timer covers the whole body)', async () => {
    const err = await errorOf(sendWithRetry(transport({ policy: { ...transport().policy, maxRetries: 0 } }), get('/stall-body')));
    expect(err.code).toBe('timeout');
  });

  it('a POST without a key that times out is sent once', async () => {
    hits.clear();
    const err = await errorOf(sendWithRetry(transport(), { ...get('/no-headers'), method: 'POST', body: () => '{}' }));
    expect(err.code).toBe('timeout');
    expect(hits.get('/no-headers')).toBe(1);
  });

  it('a connection dropped before the reply → network (retried for a GET)', async () => {
    hits.clear();
    const err = await errorOf(sendWithRetry(transport(), get('/drop')));
    expect(err.code).toBe('network');
    expect(err.message).toMatch(/^Test GET \/drop failed: /);
    expect(hits.get('/drop')).toBe(3);
  });

  it('a connection dropped mid-body → network', async () => {
    const err = await errorOf(sendWithRetry(transport({ policy: { ...transport().policy, maxRetries: 0 } }), get('/drop-mid-body')));
    expect(err.code).toBe('network');
  });

  it('a refused connection → network', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const err = await errorOf(
      sendWithRetry(transport({ policy: { ...transport().policy, maxRetries: 0 } }), { ...get('/'), url: new URL(`http://127.0.0.1:${port}/`) }),
    );
    expect(err.code).toBe('network');
    expect(err.message).toContain('ECONNREFUSED');
  });

  it("the caller's signal aborts an attempt in flight → canceled, not retried", async () => {
    hits.clear();
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 50);
    const err = await errorOf(sendWithRetry(transport({ timeoutMs: 5_000 }), get('/no-headers', { signal: ac.signal })));
    expect(err).toMatchObject({ code: 'canceled', message: 'Test request canceled' });
    expect(hits.get('/no-headers')).toBe(1);
  });
});

describe('retries', () => {
  it('429 with Retry-After: 0 is slept exactly and retried; the hook sees path and delay', async () => {
    hits.clear();
    const t = transport({
      mapError: (status) => new AppError('rate_limited', 'x', { status, retryAfterMs: 0 }),
    });
    const reply = await sendWithRetry(t, get('/429-then-ok'));
    expect(reply.status).toBe(200);
    expect(t.slept).toEqual([0]);
    expect(t.retries).toMatchObject([{ method: 'GET', path: '/429-then-ok', attempt: 1, delayMs: 0 }]);
  });

  it('429 asking for longer than maxRetryAfterMs is thrown at once for the job engine', async () => {
    hits.clear();
    const t = transport({ mapError: (status) => new AppError('rate_limited', 'x', { status, retryAfterMs: 3_600_000 }) });
    const err = await errorOf(sendWithRetry(t, get('/429-long')));
    expect(err).toMatchObject({ code: 'rate_limited', retryAfterMs: 3_600_000 });
    expect(hits.get('/429-long')).toBe(1);
    expect(t.slept).toEqual([]);
  });

  it('a keyed POST gets a fresh body on every attempt; jittered backoff between them', async () => {
    hits.clear();
    let built = 0;
    const t = transport();
    const err = await errorOf(
      sendWithRetry(t, {
        ...get('/503'),
        method: 'POST',
        hasIdempotencyKey: true,
        body: () => `attempt ${++built}`,
      }),
    );
    expect(err).toMatchObject({ code: 'provider_unavailable', status: 503, message: 'POST /503 503: attempt 3' });
    expect(built).toBe(3);
    expect(t.slept).toEqual([5, 10]); // floor(0.5 · min(100, 10·2^n))
  });

  it('accept() refusing a 2xx reply goes through the same retry rule', async () => {
    hits.clear();
    let calls = 0;
    const reply = await sendWithRetry(transport(), {
      ...get('/json'),
      accept: () => {
        if (++calls === 1) throw new AppError('provider_unavailable', 'envelope says storage error', { status: 200 });
      },
    });
    expect(reply.status).toBe(200);
    expect(hits.get('/json')).toBe(2);
  });
});

describe('downloadImage', () => {
  const dl = (path: string, sniff = true) => ({
    url: new URL(path, base),
    userAgent: 'test-agent',
    maxBytes: 1024,
    noun: 'result',
    goneStatuses: [404, 410],
    goneHint: '; hint',
    sniff,
  });

  it('follows a redirect and returns the bytes and content type', async () => {
    const got = await downloadImage(transport(), dl('/redirect'));
    expect(Buffer.from(got.bytes).equals(PNG_1x1)).toBe(true);
    expect(got.contentType).toBe('image/png');
  });

  it('a non-image is refused when sniffing, passed through when not', async () => {
    expect(await errorOf(downloadImage(transport(), dl('/not-image')))).toMatchObject({
      code: 'provider_bad_response',
      params: { reason: 'not_an_image' },
    });
    expect((await downloadImage(transport(), dl('/not-image', false))).bytes.length).toBeGreaterThan(0);
  });

  it('a gone status → result_expired with the hint; another 4xx → provider_bad_response; over the cap → refused', async () => {
    expect(await errorOf(downloadImage(transport(), dl('/gone')))).toMatchObject({
      code: 'result_expired',
      status: 410,
      message: 'Test result is gone (HTTP 410); hint',
    });
    expect(await errorOf(downloadImage(transport(), { ...dl('/gone'), goneStatuses: [404] }))).toMatchObject({
      code: 'provider_bad_response',
      message: 'Test result download failed (HTTP 410)',
    });
    expect(await errorOf(downloadImage(transport(), { ...dl('/image.png'), maxBytes: 10 }))).toMatchObject({
      code: 'provider_bad_response',
      status: 200,
    });
  });
});
