/**
 * The local web host over real loopback HTTP (undici), on a small in-memory Dispatcher: the transport's
 * protocol and its defences (token → cookie, Host/Origin checks, CSP), calls, events and media.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import path from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventBus, isCallName, type Dispatcher } from '../../src/main/dispatcher';
import { startWebHost, SESSION_COOKIE, WEB_CSP, type WebHost } from '../../src/main/web/server';
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
let cookie: string;

const get = (p: string, headers: Record<string, string> = {}) =>
  request(`${host.origin}${p}`, { method: 'GET', headers: { cookie, ...headers } });
const post = (p: string, body: unknown, headers: Record<string, string> = {}) =>
  request(`${host.origin}${p}`, {
    method: 'POST',
    headers: { cookie, 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });

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
});

afterAll(async () => {
  await host?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('web host', () => {
  it('listens on 127.0.0.1 only, with a 32-byte base64url token in the URL', () => {
    expect(host.origin).toBe(`http://127.0.0.1:${host.port}`);
    expect(host.port).toBeGreaterThan(0);
    expect(host.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(host.url).toBe(`http://127.0.0.1:${host.port}/?token=${host.token}`);
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

  it('exchanges the token for an HttpOnly SameSite=Strict cookie and redirects to /', async () => {
    const res = await request(host.url, { method: 'GET' });
    expect(res.statusCode).toBe(302);
    expect(res.headers.location).toBe('/');
    const setCookie = String(res.headers['set-cookie']);
    expect(setCookie).toContain(`${SESSION_COOKIE}=${host.token}`);
    expect(setCookie).toMatch(/;\s*HttpOnly/i);
    expect(setCookie).toMatch(/;\s*SameSite=Strict/i);
    expect(setCookie).toMatch(/;\s*Path=\//i);
    await res.body.dump();
    cookie = `${SESSION_COOKIE}=${host.token}`;

    const page = await get('/');
    expect(page.statusCode).toBe(200);
    expect(await page.body.text()).toContain('<div id="root">');
  });

  it('refuses a wrong token with the 401 page and no cookie', async () => {
    const res = await request(`${host.origin}/?token=${'A'.repeat(43)}`, { method: 'GET' });
    expect(res.statusCode).toBe(401);
    expect(res.headers['set-cookie']).toBeUndefined();
    await res.body.dump();
  });

  it('answers 401 without the cookie: a page for /, plain text elsewhere', async () => {
    const page = await request(`${host.origin}/`, { method: 'GET' });
    expect(page.statusCode).toBe(401);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(await page.body.text()).toContain('printed');

    for (const p of ['/assets/app.js', '/api/events', `/media/${KNOWN_BLOB}/original`, '/nope']) {
      const res = await request(`${host.origin}${p}`, { method: 'GET' });
      expect(res.statusCode, p).toBe(401);
      await res.body.dump();
    }
    const call = await request(`${host.origin}/api/call/app.info`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(call.statusCode).toBe(401);
    await call.body.dump();
    const wrong = await get('/assets/app.js', { cookie: `${SESSION_COOKIE}=${'x'.repeat(43)}` });
    expect(wrong.statusCode).toBe(401);
    await wrong.body.dump();
  });

  it('refuses a foreign Host with 403, even with the cookie (DNS rebinding)', async () => {
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
      const res = await get(`/media/${KNOWN_BLOB}/original`, { 'sec-fetch-site': site });
      expect(res.statusCode, site).toBe(403);
      await res.body.dump();
    }
    const ok = await get(`/media/${KNOWN_BLOB}/original`, { 'sec-fetch-site': 'same-origin' });
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
      headers: { cookie, 'content-type': 'text/plain' },
      body: '{}',
    });
    expect(res.statusCode).toBe(415);
    await res.body.dump();
    const form = await request(`${host.origin}/api/call/app.info`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'a=1',
    });
    expect(form.statusCode).toBe(415);
    await form.body.dump();
    // No body at all is an empty input.
    const empty = await request(`${host.origin}/api/call/app.info`, { method: 'POST', headers: { cookie } });
    expect(empty.statusCode).toBe(200);
    await empty.body.dump();
  });

  it('takes a 25 MB image as base64 but refuses an unbounded body', async () => {
    const big = { source: { name: 'a.png', dataBase64: 'A'.repeat(Math.ceil((25 * 1024 * 1024 * 4) / 3)) } };
    const ok = await post('/api/call/references.stage', big);
    expect(ok.statusCode).toBe(200);
    await ok.body.dump();
    const tooBig = await post('/api/call/references.stage', { dataBase64: 'A'.repeat(41 * 1024 * 1024) });
    expect(tooBig.statusCode).toBe(413);
    await tooBig.body.dump();
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

  it('serves a known image with its MIME type and cache headers', async () => {
    const res = await get(`/media/${KNOWN_BLOB}/original`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('image/png');
    expect(res.headers['cache-control']).toBe('private, max-age=31536000, immutable');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(Number(res.headers['content-length'])).toBe(PNG.length);
    expect(Buffer.from(await res.body.arrayBuffer()).equals(PNG)).toBe(true);
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
      await request(`${host.origin}/`, { method: 'GET' }), // 401
      await get('/', { host: 'evil.com' }), // 403
      await get(`/media/${KNOWN_BLOB}/original`),
      await post('/api/call/app.info', {}),
    ];
    for (const res of responses) {
      expect(res.headers['content-security-policy']).toBe(WEB_CSP);
      expect(res.headers['x-frame-options']).toBe('DENY');
      expect(res.headers['referrer-policy']).toBe('no-referrer');
      expect(res.headers['cross-origin-opener-policy']).toBe('same-origin');
      await res.body.dump();
    }
    expect(WEB_CSP).toContain("default-src 'self'");
    expect(WEB_CSP).toContain("frame-ancestors 'none'");
  });

  it('uses a given token, refuses a malformed one, and closes with an event stream open', async () => {
    await expect(startWebHost({ dispatcher, rendererDir: dir, token: 'short' })).rejects.toThrow(/token/);
    const token = 'T'.repeat(43);
    const other = await startWebHost({ dispatcher, rendererDir: dir, token, logLevel: 'silent' });
    expect(other.token).toBe(token);
    expect(other.url).toBe(`http://127.0.0.1:${other.port}/?token=${token}`);
    const events = await request(`${other.origin}/api/events`, { headers: { cookie: `${SESSION_COOKIE}=${token}` } });
    expect(events.statusCode).toBe(200);
    events.body.on('error', () => {});
    events.body.resume();
    const t0 = Date.now();
    await other.close();
    expect(Date.now() - t0).toBeLessThan(5000);
    await other.close(); // idempotent
  });
});
