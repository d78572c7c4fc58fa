/**
 * Scaffolding shared by the provider test servers (apiframe, evolink, openai): the request log, fault injection,
 * listening on 127.0.0.1 and closing, the `/__control` fault endpoints, and the pieces of their CLIs.
 *
 * Everything is generic over the server's route names `R` and its fault union `F` (each server keeps its own
 * documented fault kinds; the kinds that behave the same everywhere are applied by {@link applyTransportFault}).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

// ---------------------------------------------------------------------------------------------------------------
// Request log and fault queue
// ---------------------------------------------------------------------------------------------------------------

/** Options of {@link TestServerLog.inject}. */
export interface InjectOptions {
  /** How many matching requests the fault applies to (default 1). */
  times?: number;
  /** Do the real work first (e.g. create the job), then replace the reply with the fault. */
  after?: boolean;
}

/** A request as the server received it. `body` is the parsed JSON, or a summary of a multipart upload. */
export interface RecordedRequest<R extends string = string, K extends string = string> {
  seq: number;
  route: R | 'other';
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
  /** Status it was answered with (0 for a dropped connection), set when the reply is sent. */
  status?: number;
  /** Kind of the fault applied, if any. */
  fault?: K;
  at: number;
}

interface FaultRule<R extends string, F extends { kind: string }> {
  route: R;
  fault: F;
  remaining: number;
  after: boolean;
}

/** The request log and fault queue every test server's state carries (its `state` class extends this). */
export class TestServerLog<R extends string, F extends { kind: string }> {
  /** Every request received (except `/__control`), in order. */
  readonly requests: RecordedRequest<R, F['kind']>[] = [];
  /** @internal */ readonly faults: FaultRule<R, F>[] = [];

  /** Queues a fault for the next `times` requests on `route`. */
  inject(route: R, fault: F, opts: InjectOptions = {}): void {
    this.faults.push({ route, fault, remaining: opts.times ?? 1, after: opts.after ?? false });
  }

  /** Drops every queued fault. */
  clearFaults(): void {
    this.faults.length = 0;
  }

  /** Faults still queued (per rule, how many left). */
  pendingFaults(): Array<{ route: R; kind: F['kind']; remaining: number; after: boolean }> {
    return this.faults.map((f) => ({ route: f.route, kind: f.fault.kind, remaining: f.remaining, after: f.after }));
  }

  /** Requests received on `route`. */
  requestsTo(route: R | 'other'): RecordedRequest<R, F['kind']>[] {
    return this.requests.filter((r) => r.route === route);
  }

  /** @internal Takes one matching fault rule for this phase, if any. */
  takeFault(route: R, after: boolean): F | undefined {
    const i = this.faults.findIndex((f) => f.route === route && f.after === after && f.remaining > 0);
    if (i < 0) return undefined;
    const rule = this.faults[i] as FaultRule<R, F>;
    rule.remaining -= 1;
    if (rule.remaining <= 0) this.faults.splice(i, 1);
    return rule.fault;
  }

  /** Forgets the logged requests and queued faults (servers' `resetLog` add their own counters). */
  protected clearLogAndFaults(): void {
    this.requests.length = 0;
    this.faults.length = 0;
  }
}

/** A {@link TestServerLog} with a server clock that tests can move forward (jobs progress, results expire). */
export class ClockedTestServerLog<R extends string, F extends { kind: string }> extends TestServerLog<R, F> {
  private offsetMs = 0;

  constructor(private readonly clock: () => number) {
    super();
  }

  /** Server time, epoch ms (the injected clock plus everything passed to {@link advance}). */
  now(): number {
    return this.clock() + this.offsetMs;
  }

  /** Moves the server clock forward. */
  advance(ms: number): void {
    this.offsetMs += ms;
  }
}

/**
 * Records every request into `state.requests` (except `/__control`): route and headers on arrival, the body once
 * parsed (when `keepBody` says so), the status once answered. Returns the per-request record lookup.
 */
export function recordRequests<R extends string, K extends string>(
  app: FastifyInstance,
  state: { requests: RecordedRequest<R, K>[] },
  opts: { routeOf: (method: string, url: string) => R | 'other'; now: () => number; keepBody: (req: FastifyRequest) => boolean },
): WeakMap<FastifyRequest, RecordedRequest<R, K>> {
  let seq = 0;
  const recordOf = new WeakMap<FastifyRequest, RecordedRequest<R, K>>();
  app.addHook('onRequest', async (req) => {
    const rec: RecordedRequest<R, K> = {
      seq: ++seq,
      route: opts.routeOf(req.method, req.url),
      method: req.method,
      url: req.url,
      headers: { ...req.headers },
      body: undefined,
      at: opts.now(),
    };
    if (!req.url.startsWith('/__control')) state.requests.push(rec);
    recordOf.set(req, rec);
  });
  app.addHook('preHandler', async (req) => {
    const rec = recordOf.get(req);
    if (rec && req.body !== undefined && opts.keepBody(req)) rec.body = req.body;
  });
  app.addHook('onResponse', async (req, reply) => {
    const rec = recordOf.get(req);
    if (rec && rec.status === undefined) rec.status = reply.statusCode;
  });
  return recordOf;
}

/**
 * Makes route handlers that take a queued fault before the handler (a `slow` one delays it, any other replaces the
 * reply) and one after it (the work is done, the reply replaced), then `send` the handler's reply.
 */
export function faultRoutes<R extends string, F extends { kind: string }, O>(opts: {
  state: TestServerLog<R, F>;
  signal: AbortSignal;
  applyFault: (req: FastifyRequest, reply: FastifyReply, route: R, fault: F) => Promise<boolean>;
  send: (req: FastifyRequest, reply: FastifyReply, out: O) => unknown;
}): (name: R, handler: (req: FastifyRequest) => Promise<O>) => (req: FastifyRequest, reply: FastifyReply) => Promise<unknown> {
  return (name, handler) => async (req, reply) => {
    const before = opts.state.takeFault(name, false);
    if (before && (await opts.applyFault(req, reply, name, before))) return reply;
    if (opts.signal.aborted) return reply;
    const out = await handler(req);
    const after = opts.state.takeFault(name, true);
    if (after && (await opts.applyFault(req, reply, name, after))) return reply;
    return opts.send(req, reply, out);
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Faults that behave the same on every server
// ---------------------------------------------------------------------------------------------------------------

/** Fault kinds about the transport rather than the API: the same on every server. */
export type TransportFault =
  /** Destroy the socket without answering. */
  | { kind: 'drop' }
  /** Send 200 headers and half a JSON body, then destroy the socket. */
  | { kind: 'dropMidBody' }
  /** Wait `delayMs`, then carry on normally (the client has usually given up by then). */
  | { kind: 'slow'; delayMs: number }
  /** Answer an HTML page (a proxy's error page) with `status` (default 200). */
  | { kind: 'html'; status?: number };

const TRANSPORT_KINDS: ReadonlySet<string> = new Set(['drop', 'dropMidBody', 'slow', 'html']);

export function isTransportFault<F extends { kind: string }>(fault: F): fault is Extract<F, TransportFault> {
  return TRANSPORT_KINDS.has(fault.kind);
}

/**
 * Applies a {@link TransportFault}; returns true when the reply was taken over (false for `slow`, after the wait).
 * `htmlPage` is the server's error page, `midBodyPrefix` the start of the JSON body `dropMidBody` cuts off.
 */
export async function applyTransportFault(
  req: FastifyRequest,
  reply: FastifyReply,
  rec: { status?: number } | undefined,
  fault: TransportFault,
  opts: { signal: AbortSignal; htmlPage: string; midBodyPrefix?: string },
): Promise<boolean> {
  switch (fault.kind) {
    case 'slow':
      await delay(fault.delayMs, opts.signal);
      return false;
    case 'drop':
      if (rec) rec.status = 0;
      reply.hijack();
      req.raw.socket.destroy();
      return true;
    case 'dropMidBody': {
      if (rec) rec.status = 0;
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '400' });
      res.write(opts.midBodyPrefix ?? '{"', () => res.destroy());
      return true;
    }
    case 'html':
      if (rec) rec.status = fault.status ?? 200;
      await reply
        .code(fault.status ?? 200)
        .type('text/html; charset=utf-8')
        .send(opts.htmlPage);
      return true;
    default: {
      const never: never = fault;
      throw new Error(`unknown fault ${JSON.stringify(never)}`);
    }
  }
}

/** `Retry-After` header value: seconds, or an HTTP date on the wall clock (not the test clock). */
export function retryAfterValue(seconds: number, format: 'seconds' | 'http-date' | undefined): string {
  return format === 'http-date' ? new Date(Date.now() + seconds * 1000).toUTCString() : String(seconds);
}

/** Waits `ms`, or less if `signal` aborts (the server is closing). Never rejects. */
export function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Control API
// ---------------------------------------------------------------------------------------------------------------

/** `POST /__control/faults` `{ route, fault, times?, after? }` and `POST /__control/clear` (→ `state.resetLog()`). */
export function registerFaultControl<R extends string, F extends { kind: string }>(
  app: FastifyInstance,
  state: TestServerLog<R, F> & { resetLog(): void },
  routes: readonly R[],
): void {
  app.post('/__control/faults', async (req, reply) => {
    const b = req.body as { route?: R; fault?: F; times?: number; after?: boolean } | undefined;
    if (!b?.route || !routes.includes(b.route) || !b.fault) return reply.code(400).send({ error: 'route and fault required' });
    state.inject(b.route, b.fault, { ...(b.times !== undefined ? { times: b.times } : {}), ...(b.after !== undefined ? { after: b.after } : {}) });
    return { ok: true, pendingFaults: state.pendingFaults() };
  });
  app.post('/__control/clear', async () => {
    state.resetLog();
    return { ok: true };
  });
}

/** `POST /__control/advance` `{ ms }`: moves the server clock forward. */
export function registerClockControl(app: FastifyInstance, state: { advance(ms: number): void; now(): number }): void {
  app.post('/__control/advance', async (req) => {
    const ms = Number((req.body as { ms?: unknown } | undefined)?.ms ?? 0);
    state.advance(ms);
    return { ok: true, now: state.now() };
  });
}

/** Copies the settings of `body` that `config` has (and are not undefined) onto `config` (`/__control/config`). */
export function applyConfig<C extends object>(config: C, body: Partial<C>): void {
  for (const k of Object.keys(config) as Array<keyof C>) {
    if (body[k] !== undefined) (config as Record<keyof C, unknown>)[k] = body[k];
  }
}

/** A copy of `h` with the header `name` (lower case) replaced by `[redacted]`. */
export function redactHeader(
  h: Record<string, string | string[] | undefined>,
  name: string,
): Record<string, string | string[] | undefined> {
  const out = { ...h };
  if (out[name] !== undefined) out[name] = '[redacted]';
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Listening and closing
// ---------------------------------------------------------------------------------------------------------------

/** Listens on 127.0.0.1 (`port`, default 0: a free one); resolves with `http://127.0.0.1:<port>` and the port. */
export async function listenLocal(app: FastifyInstance, port = 0): Promise<{ url: string; port: number }> {
  await app.listen({ host: '127.0.0.1', port });
  const addr = app.server.address();
  if (!addr || typeof addr === 'string') throw new Error('test server has no TCP address');
  return { url: `http://127.0.0.1:${addr.port}`, port: addr.port };
}

/** The `close()` of a server handle: wakes pending slow faults and delays, then closes fastify. */
export function closer(app: FastifyInstance, closing: AbortController): () => Promise<void> {
  return async () => {
    closing.abort();
    await app.close();
  };
}

// ---------------------------------------------------------------------------------------------------------------
// CLI pieces
// ---------------------------------------------------------------------------------------------------------------

/** Port from `--port N` or a bare number on the command line, else `$<envName>`, else `$PORT`, else 0. */
export function parsePort(argv: string[], envName: string): number {
  const i = argv.indexOf('--port');
  const fromFlag = i >= 0 ? argv[i + 1] : argv.find((a) => /^\d+$/.test(a));
  const raw = fromFlag ?? process.env[envName] ?? process.env['PORT'] ?? '0';
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid port ${raw}`);
  return port;
}

/** The entries of a comma list (trimmed, empty ones dropped); `fallback` when unset. */
export function commaList(raw: string | undefined, fallback: string): string[] {
  return (raw ?? fallback)
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** A non-negative number from the environment, or undefined when unset or empty. */
export function numberEnv(name: string): number | undefined {
  const v = process.env[name];
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new Error(`invalid ${name}`);
  return n;
}

/** Prints `line` on stdout, then closes `server` and exits on SIGINT/SIGTERM. */
export function serveUntilSignal(server: { close(): Promise<void> }, line: string): void {
  process.stdout.write(`${line}\n`);
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await server.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}
