/**
 * The local web host: the same dispatcher as the Electron shell, over HTTP on 127.0.0.1, for browsers (and for
 * the e2e tests on machines where the Electron runtime cannot be installed). The protocol is the one documented
 * in src/shared/bridge.ts.
 *
 * The session is never a cookie: browsers send the cookies of 127.0.0.1 to every port of it, so any other local
 * server the browser visits would receive a cookie session. Instead:
 * - The host mints one-use launch codes (`/?launch=CODE`, printed in the terminal or opened through a 0600 file).
 *   The page posts its code once to `POST /api/session`; the code dies and the page receives a session secret,
 *   which it keeps in its origin's localStorage (scoped by scheme, host *and port*: no other port can read it)
 *   and sends as `Authorization: Bearer …` on every call and on the event stream.
 * - Images (`<img src>` cannot carry a header) are served against a per-image, short-lived HMAC in the query
 *   (src/shared/media-sign.ts) under a media key handed out with the session; never against the session itself.
 * - Nothing the browser attaches by itself (cookies, Referer) is ever accepted as a credential.
 *
 * Defences, in the order every request meets them (the `onRequest` hook):
 * 1. Host must be exactly `127.0.0.1:PORT` or `localhost:PORT` (DNS rebinding: a page on evil.com that re-points
 *    its name at 127.0.0.1 still sends `Host: evil.com`).
 * 2. Origin, when sent, must be exactly `http://127.0.0.1:PORT` or `http://localhost:PORT` (CSRF from any other
 *    page, including other local servers on other ports). `Sec-Fetch-Site: same-site | cross-site` is refused,
 *    except for a top-level navigation to `/` (the launch file opened from disk navigates cross-site).
 * 3. The renderer's static files and `POST /api/session` are public (they hold no secret); `/api/*` needs the
 *    bearer secret (compared through its SHA-256), `/media/*` a valid signature.
 * Every refusal answers with `Connection: close`, and the socket limits in {@link WebHostLimits} (header and
 * request timeouts, idle timeout, a connection cap) keep a local process from holding the host's sockets.
 * Every response carries the renderer's CSP (src/shared/csp.ts) and the other headers in {@link SECURITY_HEADERS}.
 * Nothing logs a launch code, a session secret or request bodies (they may hold API keys).
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { constants as fsConstants } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { ServerResponse } from 'node:http';
import Fastify, { LogController, type FastifyReply, type FastifyRequest } from 'fastify';
import fastifyStatic from '@fastify/static';
import { isCallName, type Dispatcher } from '../dispatcher';
import { contract, type CallContext, type CallName, type CallResult } from '@shared/contract';
import { callBodyLimit, MAX_CALL_BODY_BYTES } from '@shared/limits';
import { AppError } from '@shared/errors';
import { Theme } from '@shared/domain';
import { RENDERER_CSP_HEADER } from '@shared/csp';
import { MEDIA_SIG_MAX_AHEAD_S, mediaSigMessage } from '@shared/media-sign';
import { MEDIA_MIME_ALLOWLIST, MediaParams } from '../media-url';

/** The renderer's Content-Security-Policy header (the one policy of src/shared/csp.ts). */
export const WEB_CSP = RENDERER_CSP_HEADER;

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

/**
 * Largest call body of all (65 MiB: one 48 MiB file as base64, e.g. a 50 MB OpenAI reference image). Each call has
 * its own, smaller limit where its input is smaller ({@link callBodyLimit} in src/shared/limits.ts: 1 MiB for most,
 * about 17 MiB for bulk id lists); a body over its call's limit is refused with 413 before it is read.
 */
export const CALL_BODY_LIMIT = MAX_CALL_BODY_BYTES;
/** Largest body anywhere else (no other route takes one). */
const DEFAULT_BODY_LIMIT = 64 * 1024;
/** Interval of the SSE comment that keeps proxies and idle timers from closing the stream. */
const HEARTBEAT_MS = 15_000;
/** A client that lets this much event data pile up unread is dropped rather than grow memory without bound. */
const MAX_SSE_BACKLOG = 4 * 1024 * 1024;
/** Launch codes not yet used, at most; minting another forgets the oldest. */
const MAX_LAUNCH_CODES = 16;
/** Live sessions, at most; a new one ends the oldest. */
const MAX_SESSIONS = 64;

/**
 * Socket limits. Node checks the header and request timeouts every `checkIntervalMs`, so a socket is closed at
 * most that much after its deadline.
 */
export interface WebHostLimits {
  /** All request headers must arrive within this (ms; Node `headersTimeout`); else 408 and close. */
  headersTimeoutMs: number;
  /** The whole request, body included, must arrive within this (ms; Node `requestTimeout`). A 40 MB body over loopback takes well under a second. */
  requestTimeoutMs: number;
  /** A socket with no traffic either way for this long is closed (ms; fastify `connectionTimeout`). Above the event-stream heartbeat. */
  idleTimeoutMs: number;
  /** An idle keep-alive socket is closed after this (ms; fastify `keepAliveTimeout`). */
  keepAliveTimeoutMs: number;
  /** Concurrent connections accepted; more are closed at once (Node `server.maxConnections`). */
  maxConnections: number;
  /** How often Node checks the header and request timeouts (ms; Node `connectionsCheckingInterval`). */
  checkIntervalMs: number;
}

/** The defaults of {@link WebHostLimits}. */
export const DEFAULT_LIMITS: Readonly<WebHostLimits> = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 120_000,
  idleTimeoutMs: 60_000,
  keepAliveTimeoutMs: 5_000,
  maxConnections: 64,
  checkIntervalMs: 1_000,
};

/** What `POST /api/session` returns for a good launch code. */
export interface SessionGrant {
  /** The bearer secret (32 random bytes, base64url). */
  token: string;
  /** The media signing key (32 random bytes, base64url); see src/shared/media-sign.ts. */
  mediaKey: string;
}

export interface WebHostOptions {
  dispatcher: Dispatcher;
  /** Folder of the built renderer (index.html and its assets). */
  rendererDir: string;
  /** Port to listen on; 0 (default) picks a free one. */
  port?: number;
  /** Log level of fastify's pino logger, written to stderr (default 'warn'). */
  logLevel?: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Event-stream heartbeat interval in ms (default 15 000); for tests. */
  heartbeatMs?: number;
  /** Socket limits (default {@link DEFAULT_LIMITS}); tests shorten them. */
  limits?: Partial<WebHostLimits>;
  /**
   * Runs a call from its JSON body as sent, unparsed (the service host parses it on its own thread: an import batch
   * is megabytes of JSON); resolves null when the text is not JSON (answered 400). Without it the body is parsed
   * here and given to `dispatcher.call`.
   */
  callJson?: (name: CallName, json: string, ctx: CallContext) => Promise<CallResult<unknown> | null>;
}

/** The theme chosen in Settings (`app.info`), or null when the call fails (the page then follows the system). */
async function themeChoice(dispatcher: Dispatcher): Promise<Theme | null> {
  const info = await dispatcher.call('app.info', {}, { transport: 'web' });
  const theme = Theme.safeParse(info.ok ? (info.value as { theme?: unknown }).theme : undefined);
  return theme.success ? theme.data : null;
}

/** The page with `data-theme-choice="<theme>"` on its `<html>` element (unchanged when `theme` is null). */
export function withThemeChoice(html: string, theme: Theme | null): string {
  return theme ? html.replace(/<html(\s|>)/i, `<html data-theme-choice="${theme}"$1`) : html;
}

/** A call body as received: JSON text, not parsed on the HTTP thread. */
class RawJson {
  constructor(readonly text: string) {}
}

export interface WebHost {
  /** The first launch link, `http://127.0.0.1:PORT/?launch=CODE`: works once (print it, never log it). */
  url: string;
  /** `http://127.0.0.1:PORT` */
  origin: string;
  port: number;
  /** Mints another one-use launch link (for a second browser, or after the first was used). */
  newLaunchUrl(): string;
  /** Ends the event streams and closes the server; idempotent. */
  close(): Promise<void>;
}

const digest = (value: string): string => createHash('sha256').update(value).digest('hex');

/** Constant-time comparison of two base64url strings of any lengths. */
function secretEquals(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b) && given.length === expected.length;
}

/** The path of a request target without its query (which may hold a launch code or a signature). */
function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}

/** The secret of an `Authorization: Bearer <secret>` header, or null. */
function bearerOf(header: string | undefined): string | null {
  if (!header) return null;
  const m = /^Bearer ([A-Za-z0-9_-]{16,512})$/.exec(header);
  return m ? m[1]! : null;
}

/** Remembers at most `max` entries, forgetting the oldest first. */
function remember<V>(map: Map<string, V>, key: string, value: V, max: number): void {
  map.set(key, value);
  while (map.size > max) map.delete(map.keys().next().value as string);
}

/**
 * Starts the web host on 127.0.0.1.
 * @throws Error when the port cannot be bound, or for limits Node refuses (headers timeout above the request timeout)
 */
export async function startWebHost(opts: WebHostOptions): Promise<WebHost> {
  const { dispatcher, rendererDir } = opts;
  const heartbeatMs = opts.heartbeatMs ?? HEARTBEAT_MS;
  const limits: WebHostLimits = { ...DEFAULT_LIMITS, ...opts.limits };
  const mediaKey = randomBytes(32);
  /** SHA-256 (hex) of each unused launch code. */
  const launchCodes = new Map<string, true>();
  /** SHA-256 (hex) of each live session secret. */
  const sessions = new Map<string, true>();

  const app = Fastify({
    logger: {
      level: opts.logLevel ?? 'warn',
      stream: process.stderr,
      // Only method and path: queries hold launch codes and signatures, bodies may hold API keys.
      serializers: {
        req: (req: { method?: string; url?: string }) => ({ method: req.method, path: pathOf(req.url ?? '') }),
        res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
      },
    },
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: DEFAULT_BODY_LIMIT,
    connectionTimeout: limits.idleTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    http: {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      connectionsCheckingInterval: limits.checkIntervalMs,
    },
    // Event streams never go idle; close() must not wait for them.
    forceCloseConnections: true,
    return503OnClosing: true,
  });
  app.server.maxConnections = limits.maxConnections;

  // Calls take JSON only: a cross-site "simple" request (text/plain, form) cannot even be parsed.
  app.removeContentTypeParser('text/plain');

  let allowedHosts = new Set<string>();
  let allowedOrigins = new Set<string>();
  const streams = new Set<ServerResponse>();

  const hasSession = (req: FastifyRequest) => {
    const secret = bearerOf(req.headers.authorization);
    return secret !== null && sessions.has(digest(secret));
  };
  /** Refusals close the connection: nothing more is read from a caller that has been refused. */
  const refuse = (reply: FastifyReply, status: 401 | 403, text: string) =>
    reply.code(status).header('connection', 'close').type('text/plain; charset=utf-8').send(text);
  const mediaSignatureOk = (req: FastifyRequest): boolean => {
    const q = req.query as Record<string, unknown>;
    const params = req.params as Record<string, unknown> | undefined;
    const parsed = MediaParams.safeParse(params);
    if (!parsed.success || typeof q.exp !== 'string' || typeof q.sig !== 'string' || !/^\d{1,12}$/.test(q.exp)) return false;
    const exp = Number(q.exp);
    const now = Date.now() / 1000;
    if (exp <= now || exp > now + MEDIA_SIG_MAX_AHEAD_S) return false;
    const expected = createHmac('sha256', mediaKey)
      .update(mediaSigMessage(parsed.data.blobId, parsed.data.variant, exp))
      .digest('base64url');
    return secretEquals(q.sig, expected);
  };

  app.addHook('onRequest', async (req, reply) => {
    const host = req.headers.host?.toLowerCase();
    if (host === undefined || !allowedHosts.has(host)) return refuse(reply, 403, 'Forbidden');
    const origin = req.headers.origin;
    if (origin !== undefined && !allowedOrigins.has(origin)) return refuse(reply, 403, 'Forbidden');
    const path = pathOf(req.url);
    const isPage = path === '/' && (req.method === 'GET' || req.method === 'HEAD');
    const site = req.headers['sec-fetch-site'];
    if (site === 'cross-site' || site === 'same-site') {
      // Only a top-level navigation to the page itself (the launch file opened from disk is cross-site).
      const navigation = req.headers['sec-fetch-mode'] === 'navigate' && req.headers['sec-fetch-dest'] === 'document';
      if (!(isPage && navigation)) return refuse(reply, 403, 'Forbidden');
    }
    if (path.startsWith('/media/')) return; // the route checks the signature (it needs the parsed params)
    if (path === '/api/session' && req.method === 'POST') return; // the launch code is the credential
    if (path.startsWith('/api/')) {
      if (hasSession(req)) return;
      return refuse(reply, 401, 'Unauthorized: open the link Atelier printed in the terminal');
    }
    // The renderer's own files: public, they hold no secret.
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

  // The page is the same with or without `?launch=`: the renderer exchanges the code (and drops it from the URL).
  // It carries the theme chosen in Settings on <html data-theme-choice> (public/theme-boot.js reads it before the
  // first paint): each start of the host is a new origin, whose localStorage has no copy of it yet.
  app.get('/', async (_req, reply) => {
    const page = await readFile(path.join(rendererDir, 'index.html'), 'utf8');
    return reply
      .header('cache-control', 'no-store')
      .type('text/html; charset=utf-8')
      .send(withThemeChoice(page, await themeChoice(dispatcher)));
  });

  app.post('/api/session', async (req, reply) => {
    const body = req.body as { launch?: unknown } | null | undefined;
    const code = body && typeof body === 'object' && typeof body.launch === 'string' ? body.launch : '';
    const key = digest(code);
    if (!/^[A-Za-z0-9_-]{16,512}$/.test(code) || !launchCodes.delete(key)) {
      return refuse(reply, 401, 'Unauthorized: that link was already used or is not this host\'s; get a new one from the terminal');
    }
    const token = randomBytes(32).toString('base64url');
    remember(sessions, digest(token), true, MAX_SESSIONS);
    const grant: SessionGrant = { token, mediaKey: mediaKey.toString('base64url') };
    return reply.header('cache-control', 'no-store').code(200).send(grant);
  });

  // A page that kept its secret asks whether it is still good (204), e.g. after the host restarted.
  app.get('/api/session', async (_req, reply) => reply.header('cache-control', 'no-store').code(204).send());

  // One route per call, each with its call's body limit (src/shared/limits.ts): fastify refuses a longer body with
  // 413 from its Content-Length, or as soon as a chunked one passes the limit, before any of it is parsed.
  const callRoute = async (name: CallName, body: unknown, reply: FastifyReply) => {
    reply.header('cache-control', 'no-store');
    const ctx: CallContext = { transport: 'web' };
    let result: CallResult<unknown> | null;
    if (!(body instanceof RawJson)) result = await dispatcher.call(name, body, ctx);
    else if (opts.callJson) result = await opts.callJson(name, body.text, ctx);
    else {
      let input: unknown;
      let json = true;
      try {
        input = JSON.parse(body.text);
      } catch {
        json = false;
      }
      result = json ? await dispatcher.call(name, input, ctx) : null;
    }
    if (result === null) return reply.code(400).header('connection', 'close').type('text/plain; charset=utf-8').send('Bad Request: the body is not JSON');
    return reply.code(200).send(result);
  };
  // The calls' JSON bodies are read as text and parsed where the call runs (see `callJson`), in their own scope so
  // that no other route takes a body this way.
  await app.register(async (calls) => {
    calls.removeContentTypeParser('application/json');
    calls.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, text, done) => done(null, new RawJson(text as string)));
    for (const name of Object.keys(contract) as CallName[]) {
      calls.post(`/api/call/${name}`, { bodyLimit: callBodyLimit(name) }, async (req, reply) => callRoute(name, req.body, reply));
    }
    calls.post<{ Params: { name: string } }>('/api/call/:name', { bodyLimit: DEFAULT_BODY_LIMIT }, async (req, reply) => {
      const { name } = req.params;
      reply.header('cache-control', 'no-store');
      if (!isCallName(name)) {
        return reply.code(404).send({ ok: false, error: new AppError('not_found', 'unknown call').toShape() });
      }
      return callRoute(name, req.body, reply);
    });
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
    if (!mediaSignatureOk(req) && !hasSession(req)) return refuse(reply, 401, 'Unauthorized');
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
  const newLaunchUrl = () => {
    const code = randomBytes(32).toString('base64url');
    remember(launchCodes, digest(code), true, MAX_LAUNCH_CODES);
    return `${origin}/?launch=${code}`;
  };

  let closing: Promise<void> | undefined;
  return {
    url: newLaunchUrl(),
    origin,
    port,
    newLaunchUrl,
    close: () => (closing ??= app.close()),
  };
}
