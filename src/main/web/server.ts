/**
 * The local web host: the same dispatcher as the Electron shell, over HTTP on 127.0.0.1, for browsers (and for
 * the e2e tests on machines where the Electron runtime cannot be installed). The protocol is the one documented
 * in src/shared/bridge.ts.
 *
 * Defences, in the order every request meets them (the `onRequest` hook):
 * 1. Host must be exactly `127.0.0.1:PORT` or `localhost:PORT` (DNS rebinding: a page on evil.com that re-points
 *    its name at 127.0.0.1 still sends `Host: evil.com`).
 * 2. Origin, when sent, must be exactly `http://127.0.0.1:PORT` or `http://localhost:PORT` (CSRF from any other
 *    page, including other local servers on other ports, which count as the same *site* for cookies).
 *    `Sec-Fetch-Site: same-site | cross-site` is refused for the same reason (covers GETs that carry no Origin).
 * 3. The session cookie must hold the per-start token (compared in constant time). The only way to get the
 *    cookie is `GET /?token=T` with the token printed in the terminal.
 * Every response carries a strict CSP and the other headers in {@link SECURITY_HEADERS}.
 * Nothing logs the token or request bodies (they may hold API keys).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { constants as fsConstants } from 'node:fs';
import { open } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import type { ServerResponse } from 'node:http';
import Fastify, { LogController, type FastifyReply, type FastifyRequest } from 'fastify';
import fastifyStatic from '@fastify/static';
import { isCallName, type Dispatcher } from '../dispatcher';
import { AppError } from '../../shared/errors';
import { MEDIA_MIME_ALLOWLIST, MediaParams } from '../media-url';

/** Name of the session cookie. */
export const SESSION_COOKIE = 'atelier_session';

/** The renderer's Content-Security-Policy in the browser. */
export const WEB_CSP =
  "default-src 'self'; img-src 'self' blob: data:; style-src 'self' 'unsafe-inline'; script-src 'self'; " +
  "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/** Headers on every response, including errors and the event stream. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': WEB_CSP,
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  // Other origins (another local server on another port) may not even embed our images.
  'cross-origin-resource-policy': 'same-origin',
  'x-content-type-options': 'nosniff',
};

/** Largest call body: a 25 MB reference image as base64 (~33.4 MB) plus JSON, with headroom. Not unbounded. */
export const CALL_BODY_LIMIT = 40 * 1024 * 1024;
/** Largest body anywhere else (no other route takes one). */
const DEFAULT_BODY_LIMIT = 64 * 1024;
/** Interval of the SSE comment that keeps proxies and idle timers from closing the stream. */
const HEARTBEAT_MS = 15_000;
/** A client that lets this much event data pile up unread is dropped rather than grow memory without bound. */
const MAX_SSE_BACKLOG = 4 * 1024 * 1024;

const UNAUTHORIZED_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Atelier: open the link from the terminal</title></head>
<body style="font-family: system-ui, sans-serif; background: #1e1e1e; color: #ddd; padding: 3rem; max-width: 40rem">
<h1 style="font-weight: 500">Atelier needs the link from the terminal</h1>
<p>For your safety, this page only opens through the address Atelier printed when it started
(the line <code>Atelier is running at http://127.0.0.1:…/?token=…</code>).
Open that address, or restart Atelier to get a new one.</p>
</body></html>
`;

export interface WebHostOptions {
  dispatcher: Dispatcher;
  /** Folder of the built renderer (index.html and its assets). */
  rendererDir: string;
  /** Port to listen on; 0 (default) picks a free one. */
  port?: number;
  /** Session token; default 32 random bytes, base64url. Must be base64url, at least 16 characters. */
  token?: string;
  /** Log level of fastify's pino logger, written to stderr (default 'warn'). */
  logLevel?: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Event-stream heartbeat interval in ms (default 15 000); for tests. */
  heartbeatMs?: number;
}

export interface WebHost {
  /** What the user opens: `http://127.0.0.1:PORT/?token=…` (holds the token: print it, never log it). */
  url: string;
  /** `http://127.0.0.1:PORT` */
  origin: string;
  port: number;
  token: string;
  /** Ends the event streams and closes the server; idempotent. */
  close(): Promise<void>;
}

/** SHA-256 of both sides then `timingSafeEqual`: constant time whatever the lengths. */
function tokenEquals(given: string, token: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(token).digest();
  return timingSafeEqual(a, b) && given.length === token.length;
}

/** Every value of cookie `name` in a Cookie header (a browser may send several with the same name). */
function cookieValues(header: string | undefined, name: string): string[] {
  if (!header) return [];
  const out: string[] = [];
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) out.push(part.slice(eq + 1).trim());
  }
  return out;
}

/** The path of a request target without its query (which may hold the token). */
function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}

/**
 * Starts the web host on 127.0.0.1.
 * @throws Error for a malformed `token`, or when the port cannot be bound
 */
export async function startWebHost(opts: WebHostOptions): Promise<WebHost> {
  const { dispatcher, rendererDir } = opts;
  const token = opts.token ?? randomBytes(32).toString('base64url');
  if (!/^[A-Za-z0-9_-]{16,512}$/.test(token)) throw new Error('web host token must be 16-512 base64url characters');
  const heartbeatMs = opts.heartbeatMs ?? HEARTBEAT_MS;

  const app = Fastify({
    logger: {
      level: opts.logLevel ?? 'warn',
      stream: process.stderr,
      // Only method and path: the query of `/?token=` is the secret, bodies may hold API keys.
      serializers: {
        req: (req: { method?: string; url?: string }) => ({ method: req.method, path: pathOf(req.url ?? '') }),
        res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
      },
    },
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: DEFAULT_BODY_LIMIT,
    // Event streams never go idle; close() must not wait for them.
    forceCloseConnections: true,
    return503OnClosing: true,
  });

  // Calls take JSON only: a cross-site "simple" request (text/plain, form) cannot even be parsed.
  app.removeContentTypeParser('text/plain');

  let allowedHosts = new Set<string>();
  let allowedOrigins = new Set<string>();
  const streams = new Set<ServerResponse>();

  const isAuthenticated = (req: FastifyRequest) =>
    cookieValues(req.headers.cookie, SESSION_COOKIE).some((v) => tokenEquals(v, token));
  const forbidden = (reply: FastifyReply) => reply.code(403).type('text/plain; charset=utf-8').send('Forbidden');

  app.addHook('onRequest', async (req, reply) => {
    const host = req.headers.host?.toLowerCase();
    if (host === undefined || !allowedHosts.has(host)) return forbidden(reply);
    const origin = req.headers.origin;
    if (origin !== undefined && !allowedOrigins.has(origin)) return forbidden(reply);
    const site = req.headers['sec-fetch-site'];
    if (site === 'cross-site' || site === 'same-site') return forbidden(reply);

    const path = pathOf(req.url);
    const isPage = path === '/' && (req.method === 'GET' || req.method === 'HEAD');
    // `GET /?token=` is checked by its route; everything else needs the cookie.
    if (isPage && req.query && typeof req.query === 'object' && 'token' in req.query) return;
    if (isAuthenticated(req)) return;
    if (isPage) return reply.code(401).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(UNAUTHORIZED_PAGE);
    return reply.code(401).type('text/plain; charset=utf-8').send('Unauthorized: open the URL Atelier printed in the terminal');
  });

  app.addHook('onSend', async (_req, reply, payload) => {
    reply.headers(SECURITY_HEADERS);
    return payload;
  });

  app.setErrorHandler((err: { statusCode?: number; message?: string }, req, reply) => {
    const status = typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
    if (status >= 500) req.log.error({ err }, 'request failed');
    // 4xx messages are fastify's own (body too large, bad JSON, unsupported content type); 5xx stay generic.
    return reply
      .code(status)
      .type('text/plain; charset=utf-8')
      .send(status >= 500 ? 'Internal Server Error' : (err.message ?? 'Bad Request'));
  });

  await app.register(fastifyStatic, {
    root: rendererDir,
    prefix: '/',
    index: false,
    wildcard: true,
    dotfiles: 'deny',
    decorateReply: true,
  });

  app.get('/', async (req, reply) => {
    const query = req.query as Record<string, unknown>;
    if ('token' in query) {
      if (typeof query.token !== 'string' || !tokenEquals(query.token, token)) {
        return reply.code(401).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(UNAUTHORIZED_PAGE);
      }
      // The token leaves the address bar (and history) at once; the cookie carries it from now on.
      return reply
        .header('set-cookie', `${SESSION_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Strict`)
        .header('cache-control', 'no-store')
        .redirect('/', 302);
    }
    return reply.header('cache-control', 'no-store').sendFile('index.html', { cacheControl: false });
  });

  app.post<{ Params: { name: string } }>('/api/call/:name', { bodyLimit: CALL_BODY_LIMIT }, async (req, reply) => {
    const { name } = req.params;
    reply.header('cache-control', 'no-store');
    if (!isCallName(name)) {
      return reply.code(404).send({ ok: false, error: new AppError('not_found', 'unknown call').toShape() });
    }
    return reply.code(200).send(await dispatcher.call(name, req.body, { transport: 'web' }));
  });

  app.get('/api/events', (req, reply) => {
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    streams.add(res);
    let unsubscribe: () => void = () => {};
    const write = (chunk: string) => {
      if (res.writableEnded || res.destroyed) return;
      if (res.writableLength > MAX_SSE_BACKLOG) {
        req.log.warn('event stream client too slow, dropping it');
        res.destroy();
        return;
      }
      res.write(chunk);
    };
    const heartbeat = setInterval(() => write(': heartbeat\n\n'), heartbeatMs);
    const cleanup = () => {
      clearInterval(heartbeat);
      unsubscribe();
      streams.delete(res);
    };
    res.on('close', cleanup);
    write(': connected\n\n');
    unsubscribe = dispatcher.subscribe((event) => write(`data: ${JSON.stringify(event)}\n\n`));
  });

  app.get<{ Params: { blobId: string; variant: string } }>('/media/:blobId/:variant', async (req, reply) => {
    const params = MediaParams.safeParse(req.params);
    if (!params.success) return reply.code(400).type('text/plain; charset=utf-8').send('Bad Request');
    const file = await dispatcher.mediaFile(params.data.blobId, params.data.variant);
    if (!file) return reply.code(404).type('text/plain; charset=utf-8').send('Not Found');
    if (!MEDIA_MIME_ALLOWLIST.has(file.mime)) {
      req.log.warn({ mime: file.mime }, 'media file with a MIME type outside the allowlist');
      return reply.code(404).type('text/plain; charset=utf-8').send('Not Found');
    }
    let handle;
    try {
      // The library's own open (no symbolic link followed) when it offers one; else never through a final link.
      handle = await (file.open ? file.open() : open(file.path, fsConstants.O_RDONLY | (process.platform === 'win32' ? 0 : fsConstants.O_NOFOLLOW)));
      const stat = await handle.stat();
      if (!stat.isFile()) throw new Error('not a file');
      return reply
        .code(200)
        .header('content-type', file.mime)
        .header('content-length', stat.size)
        .header('cache-control', 'private, max-age=31536000, immutable')
        .header('x-content-type-options', 'nosniff')
        .send(handle.createReadStream());
    } catch {
      await handle?.close();
      return reply.code(404).type('text/plain; charset=utf-8').send('Not Found');
    }
  });

  app.addHook('preClose', async () => {
    for (const res of streams) res.end();
  });

  await app.listen({ host: '127.0.0.1', port: opts.port ?? 0 });
  const port = (app.server.address() as AddressInfo).port;
  allowedHosts = new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
  allowedOrigins = new Set([`http://127.0.0.1:${port}`, `http://localhost:${port}`]);
  const origin = `http://127.0.0.1:${port}`;

  let closing: Promise<void> | undefined;
  return {
    url: `${origin}/?token=${encodeURIComponent(token)}`,
    origin,
    port,
    token,
    close: () => (closing ??= app.close()),
  };
}
