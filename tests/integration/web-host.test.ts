/**
 * The local web host over real loopback HTTP (undici), on a small in-memory Dispatcher: the transport's
 * protocol and its defences (one-use launch code → bearer session, no cookie; signed media URLs; Host/Origin
 * checks; CSP; socket limits), calls, events and media.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createHmac } from 'node:crypto';
import { createConnection, type Socket } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import path from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventBus, isCallName, type Dispatcher } from '../../src/main/dispatcher';
import { startWebHost, WEB_CSP, type SessionGrant, type WebHost } from '../../src/main/web/server';
import { callBodyLimit } from '../../src/shared/limits';
import { RENDERER_CSP_HEADER, RENDERER_CSP_META } from '../../src/shared/csp';
import { fromBase64Url } from '../../src/shared/hmac';
import { mediaExpiry, signedWebMediaUrl } from '../../src/shared/media-sign';
import type { AnyEvent, CallContext } from '../../src/shared/contract';

const PNG = Buffer.from(
  '89504e470d0a1a0a0000000d4948445200000001000000010806000000' + '1f15c4890000000d4944415478da63f8cfc0f01f0005000201a5f6e2390000000049454e44ae426082',
  'hex',
);
const KNOWN_BLOB = 'ab'.repeat(32);

/** A real Dispatcher: echoes `app.info`, records calls and contexts, serves one media file. */
class FakeDispatcher implements Dispatcher {
  readonly bus = new EventBus();
  readonly calls: Array<{ name: string; input: unknown; ctx: CallContext }> = [];
  listeners = 0;
  constructor(private readonly mediaPath: string) {}
  async call(name: string, input: unknown, ctx: CallContext) {
    this.calls.push({ name, input, ctx });
    if (!isCallName(name)) return { ok: false as const, error: { code: 'not_found' as const, message: 'unknown', retryable: false } };
    if (name === 'folders.create') {
      return { ok: false as const, error: { code: 'validation' as const, message: 'name: empty', params: { field: 'name' }, retryable: false } };
    }
    return { ok: true as const, value: { version: '0.0.0-test', transport: ctx.transport, locale: 'en', echo: input } };
  }
  subscribe(listener: (event: AnyEvent) => void) {
    this.listeners++;
    const off = this.bus.subscribe(listener);
    return () => {
      this.listeners--;
      off();
    };
  }
  async mediaFile(blobId: string, variant: 'original' | 'thumb') {
    if (blobId === KNOWN_BLOB && variant === 'original') return { path: this.mediaPath, mime: 'image/png' };
    if (blobId === 'cd'.repeat(32)) return { path: this.mediaPath, mime: 'text/html' };
    return null;
  }
}

let dir: string;
let host: WebHost;
let dispatcher: FakeDispatcher;
let grant: SessionGrant;
let bearer: string;

const get = (p: string, headers: Record<string, string> = {}) =>
  request(`${host.origin}${p}`, { method: 'GET', headers: { authorization: bearer, ...headers } });
const post = (p: string, body: unknown, headers: Record<string, string> = {}) =>
  request(`${host.origin}${p}`, {
    method: 'POST',
    headers: { authorization: bearer, 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
/** Posts a launch code to the exchange, as the page does. */
const exchange = (origin: string, launch: unknown) =>
  request(`${origin}/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin },
    body: JSON.stringify({ launch }),
  });
const launchCodeOf = (url: string) => new URL(url).searchParams.get('launch')!;
/** The signed media path for the known blob, as the renderer builds it. */
const signed = (blobId = KNOWN_BLOB, variant: 'original' | 'thumb' = 'original', now = Date.now()) =>
  signedWebMediaUrl(fromBase64Url(grant.mediaKey), blobId, variant, now);

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'atelier-web-'));
  const renderer = path.join(dir, 'renderer');
  const media = path.join(dir, 'image.png');
  writeFileSync(media, PNG);
  mkdirSync(path.join(renderer, 'assets'), { recursive: true });
  writeFileSync(path.join(renderer, 'index.html'), '<!doctype html><title>Atelier</title><div id="root"></div>');
  writeFileSync(path.join(renderer, 'assets', 'app.js'), 'console.log("atelier")');
  writeFileSync(path.join(renderer, '.secret'), 'dotfile');
  writeFileSync(path.join(dir, 'outside.txt'), 'outside the renderer');
  dispatcher = new FakeDispatcher(media);
  host = await startWebHost({ dispatcher, rendererDir: renderer, port: 0, logLevel: 'silent', heartbeatMs: 200 });
  const res = await exchange(host.origin, launchCodeOf(host.url));
  grant = (await res.body.json()) as SessionGrant;
  bearer = `Bearer ${grant.token}`;
});

afterAll(async () => {
  await host?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('web host', () => {
  it('listens on 127.0.0.1 only, with a 32-byte base64url launch code in the URL', () => {
    expect(host.origin).toBe(`http://127.0.0.1:${host.port}`);
    expect(host.port).toBeGreaterThan(0);
    expect(host.url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${host.port}/\\?launch=[A-Za-z0-9_-]{43}$`));
    expect(grant.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(fromBase64Url(grant.mediaKey)).toHaveLength(32);
  });

  it('binds to 127.0.0.1 only', async () => {
    // The kernel's table of listening sockets for our port: only 127.0.0.1 (0100007F), no IPv6, no 0.0.0.0.
    if (process.platform === 'linux') {
      const portHex = host.port.toString(16).toUpperCase().padStart(4, '0');
      const listening = (file: string) =>
        (existsSync(file) ? readFileSync(file, 'utf8') : '')
          .split('\n')
          .slice(1)
          .map((l) => l.trim().split(/\s+/))
          .filter((cols) => cols[3] === '0A' && cols[1]?.endsWith(`:${portHex}`))
          .map((cols) => cols[1]);
      expect(listening('/proc/net/tcp')).toEqual([`0100007F:${portHex}`]);
      expect(listening('/proc/net/tcp6')).toEqual([]);
    }
    // And no other address of this machine answers.
    const others = ['::1', ...Object.values(networkInterfaces()).flat()
      .filter((i) => i !== undefined && !i.internal)
      .map((i) => i!.address)];
    for (const address of others) {
      const s = createConnection({ host: address, port: host.port });
      const outcome = await new Promise<string>((resolve) => {
        s.once('connect', () => resolve('connected')).once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
      });
      s.destroy();
      expect(outcome, address).not.toBe('connected');
    }
  });

  it('exchanges a launch code once for a bearer session, and sets no cookie anywhere', async () => {
    const link = host.newLaunchUrl();
    const page = await request(link, { method: 'GET' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['set-cookie']).toBeUndefined();
    expect(page.headers['cache-control']).toBe('no-store');
    expect(await page.body.text()).toContain('<div id="root">');

    const first = await exchange(host.origin, launchCodeOf(link));
    expect(first.statusCode).toBe(200);
    expect(first.headers['set-cookie']).toBeUndefined();
    expect(first.headers['cache-control']).toBe('no-store');
    const mine = (await first.body.json()) as SessionGrant;
    expect(mine.token).not.toBe(grant.token);
    expect(mine.mediaKey).toBe(grant.mediaKey);
    const ok = await request(`${host.origin}/api/session`, { headers: { authorization: `Bearer ${mine.token}` } });
    expect(ok.statusCode).toBe(204);
    await ok.body.dump();

    // The code is dead now, and so is the first one (used in beforeAll).
    for (const code of [launchCodeOf(link), launchCodeOf(host.url)]) {
      const again = await exchange(host.origin, code);
      expect(again.statusCode).toBe(401);
      expect(again.headers.connection).toBe('close');
      expect(await again.body.text()).toContain('already used');
    }
  });

  it('refuses a wrong, malformed or missing launch code', async () => {
    for (const code of ['A'.repeat(43), 'short', '', 42, null, '../../etc', 'A'.repeat(600)]) {
      const res = await exchange(host.origin, code);
      expect(res.statusCode, String(code)).toBe(401);
      expect(res.headers['set-cookie']).toBeUndefined();
      await res.body.dump();
    }
    const foreign = await request(`${host.origin}/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: `http://127.0.0.1:${host.port + 1}` },
      body: JSON.stringify({ launch: launchCodeOf(host.newLaunchUrl()) }),
    });
    expect(foreign.statusCode).toBe(403);
    await foreign.body.dump();
  });

  it('serves the page and its files without a session, but nothing of the API or the images', async () => {
    const page = await request(`${host.origin}/`, { method: 'GET' });
    expect(page.statusCode).toBe(200);
    expect(await page.body.text()).toContain('<div id="root">');
    const js = await request(`${host.origin}/assets/app.js`, { method: 'GET' });
    expect(js.statusCode).toBe(200);
    await js.body.dump();

    for (const p of ['/api/events', `/media/${KNOWN_BLOB}/original`, '/api/session']) {
      const res = await request(`${host.origin}${p}`, { method: 'GET' });
      expect(res.statusCode, p).toBe(401);
      expect(res.headers.connection, p).toBe('close');
      await res.body.dump();
    }
    const call = await request(`${host.origin}/api/call/app.info`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(call.statusCode).toBe(401);
    await call.body.dump();
    // A wrong bearer, the bearer in a cookie, a launch code or the media key as the bearer: all refused.
    const launch = launchCodeOf(host.newLaunchUrl());
    const attempts: Record<string, string>[] = [
      { authorization: `Bearer ${'x'.repeat(43)}` },
      { authorization: grant.token },
      { authorization: `Basic ${grant.token}` },
      { authorization: `Bearer ${launch}` },
      { authorization: `Bearer ${grant.mediaKey}` },
      { authorization: '', cookie: `atelier_session=${grant.token}` },
      { authorization: '', cookie: `token=${grant.token}; session=${grant.token}` },
    ];
    for (const headers of attempts) {
      const res = await post('/api/call/app.info', {}, headers);
      expect(res.statusCode, JSON.stringify(headers)).toBe(401);
      await res.body.dump();
    }
  });

  it('refuses a foreign Host with 403, even with the session (DNS rebinding)', async () => {
    for (const h of ['evil.com', `evil.com:${host.port}`, '127.0.0.1', '127.0.0.1:1', 'localhost', '127.0.0.1.evil.com', '[::1]', `[::1]:${host.port}`]) {
      const res = await get('/', { host: h });
      expect(res.statusCode, h).toBe(403);
      await res.body.dump();
    }
  });

  it('refuses a Host that only contains the right one', async () => {
    for (const h of [`127.0.0.1:${host.port}.evil.com`, `x127.0.0.1:${host.port}`, `127.0.0.1:${host.port}0`]) {
      const res = await get('/', { host: h });
      expect(res.statusCode, h).toBe(403);
      await res.body.dump();
    }
  });

  it('accepts localhost:PORT as the Host', async () => {
    const res = await get('/', { host: `localhost:${host.port}` });
    expect(res.statusCode).toBe(200);
    await res.body.dump();
  });

  it('refuses a foreign Origin on POST with 403 and never calls the dispatcher', async () => {
    const before = dispatcher.calls.length;
    for (const origin of [
      'http://evil.com',
      'null',
      `http://127.0.0.1:${host.port}.evil.com`,
      `http://127.0.0.1:${host.port + 1}`,
      `https://127.0.0.1:${host.port}`,
      `http://127.0.0.1:${host.port}/`,
    ]) {
      const res = await post('/api/call/app.info', {}, { origin });
      expect(res.statusCode, origin).toBe(403);
      await res.body.dump();
    }
    expect(dispatcher.calls.length).toBe(before);
  });

  it('refuses cross-site and same-site fetch metadata (another local port counts as same-site)', async () => {
    for (const site of ['cross-site', 'same-site']) {
      for (const p of [signed(), '/assets/app.js', '/api/events']) {
        const res = await get(p, { 'sec-fetch-site': site });
        expect(res.statusCode, `${site} ${p}`).toBe(403);
        await res.body.dump();
      }
      // Only a top-level navigation to the page itself (the launch file opened from disk navigates cross-site).
      const nav = await get('/?launch=x', { 'sec-fetch-site': site, 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document' });
      expect(nav.statusCode, site).toBe(200);
      await nav.body.dump();
      const navOther = await get('/assets/app.js', { 'sec-fetch-site': site, 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document' });
      expect(navOther.statusCode, site).toBe(403);
      await navOther.body.dump();
    }
    const ok = await get(signed(), { 'sec-fetch-site': 'same-origin' });
    expect(ok.statusCode).toBe(200);
    await ok.body.dump();
  });

  it('round-trips a call envelope with the web transport and its own Origin', async () => {
    const res = await post('/api/call/app.info', { hello: 'world' }, { origin: host.origin });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(await res.body.json()).toEqual({
      ok: true,
      value: { version: '0.0.0-test', transport: 'web', locale: 'en', echo: { hello: 'world' } },
    });
    expect(dispatcher.calls.at(-1)).toEqual({ name: 'app.info', input: { hello: 'world' }, ctx: { transport: 'web' } });

    const err = await post('/api/call/folders.create', { name: '' });
    expect(err.statusCode).toBe(200);
    expect(await err.body.json()).toMatchObject({ ok: false, error: { code: 'validation', params: { field: 'name' } } });
  });

  it('answers 404 for an unknown call without reaching the dispatcher', async () => {
    const before = dispatcher.calls.length;
    for (const name of ['nope', 'constructor', '__proto__', 'toString']) {
      const res = await post(`/api/call/${name}`, {});
      expect(res.statusCode, name).toBe(404);
      expect(await res.body.json()).toMatchObject({ ok: false, error: { code: 'not_found' } });
    }
    expect(dispatcher.calls.length).toBe(before);
  });

  it('refuses a form-encoded or text/plain POST (no CSRF through simple requests)', async () => {
    const res = await request(`${host.origin}/api/call/app.info`, {
      method: 'POST',
      headers: { authorization: bearer, 'content-type': 'text/plain' },
      body: '{}',
    });
    expect(res.statusCode).toBe(415);
    await res.body.dump();
    const form = await request(`${host.origin}/api/call/app.info`, {
      method: 'POST',
      headers: { authorization: bearer, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'a=1',
    });
    expect(form.statusCode).toBe(415);
    await form.body.dump();
    // No body at all is an empty input.
    const empty = await request(`${host.origin}/api/call/app.info`, { method: 'POST', headers: { authorization: bearer } });
    expect(empty.statusCode).toBe(200);
    await empty.body.dump();
  });

  it('takes a 25 MB image as base64 but refuses an unbounded body', async () => {
    const big = { source: { name: 'a.png', dataBase64: 'A'.repeat(Math.ceil((25 * 1024 * 1024 * 4) / 3)) } };
    const ok = await post('/api/call/references.stage', big);
    expect(ok.statusCode).toBe(200);
    await ok.body.dump();
    const tooBig = await post('/api/call/references.stage', { dataBase64: 'A'.repeat(callBodyLimit('references.stage')) });
    expect(tooBig.statusCode).toBe(413);
    await tooBig.body.dump();
    // Each call has its own limit: 2 MiB is far more than any folder name, so folders.create refuses it unread.
    const calls = dispatcher.calls.length;
    const longName = await post('/api/call/folders.create', { name: 'x'.repeat(2 * 1024 * 1024), parentId: null });
    expect(longName.statusCode).toBe(413);
    await longName.body.dump();
    expect(dispatcher.calls.length).toBe(calls);
  });

  it('streams events over SSE and unsubscribes when the client goes away', async () => {
    const res = await get('/api/events', { accept: 'text/event-stream' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(res.headers['content-security-policy']).toBe(WEB_CSP);
    expect(dispatcher.listeners).toBe(1);

    const chunks: string[] = [];
    const received = new Promise<string>((resolve) => {
      res.body.on('data', (c: Buffer) => {
        chunks.push(c.toString('utf8'));
        const all = chunks.join('');
        if (all.includes('data: ') && all.includes(': heartbeat')) resolve(all);
      });
    });
    dispatcher.bus.emit('folders.changed', {});
    const text = await received;
    const line = text.split('\n').find((l) => l.startsWith('data: '))!;
    expect(JSON.parse(line.slice('data: '.length))).toEqual({ name: 'folders.changed', payload: {} });
    expect(text).toMatch(/data: .*\n\n/);

    res.body.destroy();
    for (let i = 0; i < 50 && dispatcher.listeners > 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(dispatcher.listeners).toBe(0);
  });

  it('serves a known image with its MIME type and cache headers, against its signature alone', async () => {
    const res = await request(`${host.origin}${signed()}`, { method: 'GET' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('image/png');
    expect(res.headers['cache-control']).toBe('private, max-age=31536000, immutable');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(Number(res.headers['content-length'])).toBe(PNG.length);
    expect(Buffer.from(await res.body.arrayBuffer()).equals(PNG)).toBe(true);
  });

  it('refuses an unsigned, expired, far-future, forged or another image\'s signature', async () => {
    const key = fromBase64Url(grant.mediaKey);
    const sigFor = (msg: string) => createHmac('sha256', key).update(msg).digest('base64url');
    const now = Math.floor(Date.now() / 1000);
    const sigOfOther = new URL(`http://x${signed('ef'.repeat(32))}`).searchParams.get('sig')!;
    const exp = mediaExpiry(Date.now());
    for (const q of [
      '',
      `?exp=${exp}`,
      `?exp=${now - 1}&sig=${sigFor(`${KNOWN_BLOB}/original/${now - 1}`)}`,
      `?exp=${now + 86_400}&sig=${sigFor(`${KNOWN_BLOB}/original/${now + 86_400}`)}`,
      `?exp=${exp}&sig=${sigOfOther}`,
      `?exp=${exp}&sig=${sigFor(`${KNOWN_BLOB}/thumb/${exp}`)}`,
      `?exp=${exp}&sig=${'A'.repeat(43)}`,
      `?exp=${exp}&sig=${grant.token}`,
      `?exp=${exp}&sig=${grant.mediaKey}`,
    ]) {
      const res = await request(`${host.origin}/media/${KNOWN_BLOB}/original${q}`, { method: 'GET' });
      expect(res.statusCode, q).toBe(401);
      await res.body.dump();
    }
    // The renderer's signature (src/shared/hmac.ts) is node:crypto's.
    expect(new URL(`http://x${signed()}`).searchParams.get('sig')).toBe(sigFor(`${KNOWN_BLOB}/original/${exp}`));
  });

  it.each([
    ['/media/..%2f..%2fetc%2fpasswd/original'],
    ['/media/..%2F..%2Fetc%2Fpasswd/original'],
    [`/media/${'zz'.repeat(32)}/original`],
    [`/media/${'AB'.repeat(32)}/original`],
    [`/media/${'ab'.repeat(31)}/original`],
    [`/media/${KNOWN_BLOB}/full`],
    [`/media/${KNOWN_BLOB}/..%2foriginal`],
  ])('answers 400 for %s', async (p) => {
    const res = await get(p);
    expect(res.statusCode).toBe(400);
    await res.body.dump();
  });

  it('answers 404 for an unknown blob, an unknown variant of a known one, and a MIME type off the allowlist', async () => {
    for (const p of [`/media/${'ef'.repeat(32)}/original`, `/media/${KNOWN_BLOB}/thumb`, `/media/${'cd'.repeat(32)}/original`]) {
      const res = await get(p);
      expect(res.statusCode, p).toBe(404);
      await res.body.dump();
    }
  });

  it('serves the renderer but no dotfiles and nothing outside its folder', async () => {
    const js = await get('/assets/app.js');
    expect(js.statusCode).toBe(200);
    expect(await js.body.text()).toContain('atelier');
    for (const p of ['/.secret', '/..%2foutside.txt', '/assets/..%2f..%2foutside.txt', '/%2e%2e/outside.txt']) {
      const res = await get(p);
      expect([403, 404], p).toContain(res.statusCode);
      expect(await res.body.text(), p).not.toContain('outside the renderer');
    }
  });

  it('puts the security headers on every response, errors included', async () => {
    const responses = [
      await get('/'),
      await get('/assets/app.js'),
      await get('/nope'),
      await request(`${host.origin}/api/events`, { method: 'GET' }), // 401
      await get('/', { host: 'evil.com' }), // 403
      await get(signed()),
      await post('/api/call/app.info', {}),
    ];
    for (const res of responses) {
      expect(res.headers['content-security-policy']).toBe(WEB_CSP);
      expect(res.headers['x-frame-options']).toBe('DENY');
      expect(res.headers['referrer-policy']).toBe('no-referrer');
      expect(res.headers['cross-origin-opener-policy']).toBe('same-origin');
      await res.body.dump();
    }
    expect(WEB_CSP).toBe(RENDERER_CSP_HEADER);
    for (const d of ["default-src 'self'", "object-src 'none'", "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'"]) {
      expect(WEB_CSP).toContain(d);
    }
    // The page's <meta> is the same policy (less frame-ancestors, which a meta cannot carry).
    expect(WEB_CSP.startsWith(RENDERER_CSP_META)).toBe(true);
  });

  it('closes with an event stream open', async () => {
    const other = await startWebHost({ dispatcher, rendererDir: dir, logLevel: 'silent' });
    const res = await exchange(other.origin, launchCodeOf(other.url));
    const { token } = (await res.body.json()) as SessionGrant;
    const events = await request(`${other.origin}/api/events`, { headers: { authorization: `Bearer ${token}` } });
    expect(events.statusCode).toBe(200);
    events.body.on('error', () => {});
    events.body.resume();
    const t0 = Date.now();
    await other.close();
    expect(Date.now() - t0).toBeLessThan(5000);
    await other.close(); // idempotent
  });
});

describe('web host socket limits', () => {
  const LIMITS = { headersTimeoutMs: 600, requestTimeoutMs: 1_500, idleTimeoutMs: 3_000, keepAliveTimeoutMs: 500, maxConnections: 6, checkIntervalMs: 100 };
  let limited: WebHost;
  let token: string;
  const sockets: Socket[] = [];

  /** A raw socket to the limited host; resolves once connected, records when the host closes it (ms after open). */
  const open = async () => {
    const s = createConnection({ host: '127.0.0.1', port: limited.port });
    sockets.push(s);
    const t0 = Date.now();
    const closed = new Promise<number>((resolve) => s.once('close', () => resolve(Date.now() - t0)));
    let received = '';
    s.on('data', (b: Buffer) => (received += b.toString('latin1')));
    s.on('error', () => {});
    await new Promise<void>((resolve) => s.once('connect', () => resolve()));
    return { s, closed, received: () => received };
  };
  const within = <T>(p: Promise<T>, ms: number) =>
    Promise.race([p, new Promise<'still open'>((r) => setTimeout(() => r('still open'), ms))]);

  beforeAll(async () => {
    limited = await startWebHost({ dispatcher, rendererDir: dir, logLevel: 'silent', limits: LIMITS });
    const res = await exchange(limited.origin, launchCodeOf(limited.url));
    ({ token } = (await res.body.json()) as SessionGrant);
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await limited?.close();
  });

  it('closes a socket that sends its headers slowly, within the headers timeout', async () => {
    const { s, closed, received } = await open();
    s.write(`GET /api/events HTTP/1.1\r\nHost: 127.0.0.1:${limited.port}\r\n`);
    const trickle = setInterval(() => {
      if (!s.destroyed) s.write('X-Slow: a\r\n');
    }, 100);
    const ms = await within(closed, LIMITS.headersTimeoutMs + 1_500);
    clearInterval(trickle);
    expect(ms).not.toBe('still open');
    expect(ms as number).toBeLessThan(LIMITS.headersTimeoutMs + 1_000);
    expect(received()).toMatch(/^HTTP\/1\.1 408/);
  });

  it('answers 401 with Connection: close and drops a slow body behind it', async () => {
    const { s, closed, received } = await open();
    s.write(
      `POST /api/call/app.info HTTP/1.1\r\nHost: 127.0.0.1:${limited.port}\r\ncontent-type: application/json\r\n` +
        `content-length: 100000\r\n\r\n{"a":`,
    );
    const trickle = setInterval(() => {
      if (!s.destroyed) s.write('1');
    }, 50);
    const ms = await within(closed, 1_000);
    clearInterval(trickle);
    expect(received()).toMatch(/^HTTP\/1\.1 401/);
    expect(received().toLowerCase()).toContain('connection: close');
    expect(ms).not.toBe('still open');
  });

  it('refuses connections beyond the cap, and serves an authenticated call once the idle ones are gone', async () => {
    const idle = [];
    for (let i = 0; i < LIMITS.maxConnections; i++) idle.push(await open());
    // One more: the host closes it at once, before any byte.
    const extra = await open();
    extra.s.write(`GET /api/session HTTP/1.1\r\nHost: 127.0.0.1:${limited.port}\r\nAuthorization: Bearer ${token}\r\n\r\n`);
    expect(await within(extra.closed, 1_000)).not.toBe('still open');
    expect(extra.received()).toBe('');
    // The idle ones sent nothing: the headers timeout closes every one of them.
    const all = await within(Promise.all(idle.map((c) => c.closed)), LIMITS.headersTimeoutMs + 2_000);
    expect(all).not.toBe('still open');
    const ok = await request(`${limited.origin}/api/call/app.info`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(ok.statusCode).toBe(200);
    await ok.body.dump();
  });
});
