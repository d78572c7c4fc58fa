/**
 * Issue 9, the local web host under a hostile local machine, in real Chromium against the built host process:
 * - another local server on another port, visited by the same browser after login, receives nothing usable: every
 *   header and cookie it got (and what its page could read) is tried against the host, and all of it is refused;
 * - re-pointing a provider's base URL (through Settings, as a caller with the session could) does not send it the key;
 * - a slow unauthenticated socket is closed by the host within its headers timeout;
 * - canary scan: a unique key saved through Settings, then a full flow (generate through the Apiframe test server,
 *   edit, export to a folder, back up), and the key is looked for in the SQLite file and its WAL, the logs, every
 *   file of the library, the export, the backup, the host's stdout/stderr, the DOM (and input values), localStorage,
 *   sessionStorage and cookies (CDP): it is nowhere but the keychain and the Apiframe test server's request log.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { mkdir, readdir, readFile, stat } from 'node:fs/promises';
import { createConnection } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { request } from 'undici';
import { tempDir } from '../helpers/app';
import { launchBrowser, openPage, startHost, type RunningHost } from './harness';
import { startApiframeTestServer, type ApiframeTestServer } from '../servers/apiframe/server';

const CANARY = `afk_CANARY_${randomBytes(12).toString('hex')}`;
const KEYCHAIN_SERVICE = `atelier-e2e-security-${process.pid}`;
const PROMPT = 'a lighthouse at dusk, canary run';
const EDIT_PROMPT = 'make the sky stormy, canary run';

/** A plain local server on its own port: a page the user's browser visits, recording everything it receives. */
interface Spy {
  url: string;
  received: Array<{ method: string; url: string; headers: IncomingMessage['headers']; body: string }>;
  close(): Promise<void>;
}

async function startSpy(hostOrigin: string): Promise<Spy> {
  const received: Spy['received'] = [];
  // Its page tries what a page on another port can: call the host with credentials, read cookies and storage.
  const page = `<!doctype html><title>Another local app</title><h1>Another local app</h1><script>
    (async () => {
      const out = { cookie: document.cookie, local: JSON.stringify(localStorage), session: JSON.stringify(sessionStorage) };
      for (const [name, init] of [
        ['call', { method: 'POST', credentials: 'include', headers: { 'content-type': 'application/json' }, body: '{}' }],
        ['call-no-cors', { method: 'POST', mode: 'no-cors', credentials: 'include', body: '{}' }],
        ['events', { credentials: 'include' }],
      ]) {
        try {
          const r = await fetch(${JSON.stringify(hostOrigin)} + (name === 'events' ? '/api/events' : '/api/call/app.info'), init);
          out[name] = r.type + ' ' + r.status + ' ' + (r.type === 'opaque' ? '' : await r.text());
        } catch (e) { out[name] = 'error ' + e; }
      }
      await fetch('/report', { method: 'POST', body: JSON.stringify(out) });
      document.title = 'reported';
    })();
  </script>`;
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      received.push({ method: req.method ?? '', url: req.url ?? '', headers: { ...req.headers }, body });
      if (req.url === '/' || req.url?.startsWith('/?')) {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page);
      } else {
        // Anything else (a provider API call after a base URL change, the report): a JSON 200.
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"credits": 1, "email": "spy@example.com"}');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Every file under `dir` (recursively) with its bytes. */
async function filesUnder(dir: string): Promise<Array<{ path: string; bytes: Buffer }>> {
  const out: Array<{ path: string; bytes: Buffer }> = [];
  const walk = async (d: string) => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile()) out.push({ path: p, bytes: await readFile(p) });
    }
  };
  await walk(dir);
  return out;
}

/** The canary as it could be stored: UTF-8, UTF-16LE (SQLite's other text encoding) and base64. */
const needles = [Buffer.from(CANARY, 'utf8'), Buffer.from(CANARY, 'utf16le'), Buffer.from(Buffer.from(CANARY).toString('base64').slice(0, 24))];
const holdsCanary = (bytes: Buffer) => needles.some((n) => bytes.includes(n));

describe('security: the session, the key and the sockets under a hostile local machine', () => {
  let af: ApiframeTestServer;
  let spy: Spy;
  let browser: Browser;
  let context: BrowserContext;
  let host: RunningHost;
  let page: Page;
  let dir: string;
  let dataDir: string;
  let cleanup: () => Promise<void>;
  /** The slow unauthenticated socket opened at the start: resolves with how long the host let it live (ms). */
  let slowSocket: Promise<{ ms: number; received: string }>;

  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir('atelier-e2e-security-'));
    dataDir = join(dir, 'library');
    af = await startApiframeTestServer({ keys: [CANARY], jobDurationMs: 600, queueDelayMs: 100, imageLongEdge: 256 });
    // No ATELIER_APIFRAME_BASE_URL: the base URL is set in Settings, as a user (or a caller with the session) would.
    host = await startHost(dataDir, { ATELIER_KEYCHAIN_SERVICE: KEYCHAIN_SERVICE, ATELIER_LOG_LEVEL: 'debug' });
    spy = await startSpy(host.origin);

    // A local process that holds a socket open by sending its headers a byte at a time, never authenticating.
    const port = Number(new URL(host.origin).port);
    slowSocket = new Promise((resolve) => {
      const s = createConnection({ host: '127.0.0.1', port });
      const t0 = Date.now();
      let received = '';
      let timer: ReturnType<typeof setInterval> | undefined;
      s.on('connect', () => {
        s.write(`POST /api/call/app.info HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n`);
        timer = setInterval(() => s.writable && s.write('X'), 500);
      });
      s.on('data', (b: Buffer) => (received += b.toString('latin1')));
      s.on('error', () => {});
      s.on('close', () => {
        clearInterval(timer);
        resolve({ ms: Date.now() - t0, received });
      });
      setTimeout(() => s.destroy(), 30_000).unref();
    });

    browser = await launchBrowser();
    ({ page } = await openPage(browser, host.url));
    context = page.context();
  });
  afterAll(async () => {
    await browser?.close();
    await host?.stop();
    await Promise.all([af?.close(), spy?.close()]);
    try {
      execFileSync('secret-tool', ['clear', 'service', KEYCHAIN_SERVICE], { stdio: 'ignore' });
    } catch {
      // nothing stored
    }
    await cleanup?.();
  });

  const settings = () => page.getByRole('dialog', { name: 'Settings' });
  const apiframeRegion = () => settings().getByRole('region', { name: 'Apiframe', exact: true });
  const gallery = () => page.getByRole('region', { name: 'Gallery' });
  /** The page's session, as the renderer keeps it (the test reads it only to show what a thief would need). */
  const session = async () => JSON.parse((await page.evaluate(() => localStorage.getItem('atelier.session'))) ?? 'null') as { token: string; mediaKey: string };
  /** A contract call with the page's session, from the test (like any local caller that had it). */
  const apiCall = async (name: string, input: unknown) => {
    const { token } = await session();
    const res = await request(`${host.origin}/api/call/${name}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(input),
    });
    return (await res.body.json()) as { ok: boolean; value?: unknown; error?: { code: string } };
  };

  it('logs in once through the launch link: the link then dies, no cookie is set, the session lives in localStorage', async () => {
    await page.getByRole('button', { name: 'New project' }).waitFor();
    expect(new URL(page.url()).search).toBe('');
    expect(await context.cookies()).toEqual([]);
    const s = await session();
    expect(s.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // The printed link was used: another browser (a fresh context) opening it gets the "needs a new link" page.
    const other = await openPage(browser, host.url);
    await other.page.getByRole('heading', { name: 'Atelier needs a new link from the terminal' }).waitFor();
    // A second tab of the same browser finds the session; a fresh link from the running host works once, too.
    const tab = await context.newPage();
    await tab.goto(host.origin);
    await tab.getByRole('button', { name: 'New project' }).waitFor();
    await tab.close();
    await other.page.goto(await host.newLink());
    await other.page.getByRole('button', { name: 'New project' }).waitFor();
    await other.page.context().close();
  });

  it('saves the canary key and the Apiframe base URL through Settings, then generates, edits, exports and backs up', async () => {
    await page.getByRole('button', { name: 'Settings' }).click();
    const region = apiframeRegion();
    await region.waitFor();
    await region.getByRole('textbox', { name: 'Base URL' }).fill(af.url);
    await region.getByRole('button', { name: 'Save base URL' }).click();
    await expect.poll(() => region.textContent(), { timeout: 10_000 }).toContain('Base URL saved.');
    await region.getByRole('textbox', { name: 'API key' }).fill(CANARY);
    await region.getByRole('button', { name: 'Save key' }).click();
    await expect.poll(() => region.textContent(), { timeout: 10_000 }).toContain(`…${CANARY.slice(-4)}`);
    await region.getByRole('button', { name: 'Check connection' }).click();
    await expect.poll(() => region.getByRole('status').last().textContent(), { timeout: 10_000 }).toMatch(/^Connected in/);
    await page.keyboard.press('Escape');
    await settings().waitFor({ state: 'hidden' });

    await page.getByRole('button', { name: 'New project' }).click();
    await page.getByRole('textbox', { name: 'Project name' }).fill('Canary');
    await page.getByRole('button', { name: 'Create' }).click();
    await page.getByRole('treeitem', { name: 'Canary' }).click();
    await page.getByRole('combobox', { name: 'Provider' }).selectOption('apiframe');
    await page.getByRole('combobox', { name: 'Model' }).selectOption('gpt-image-2');
    await page.getByRole('textbox', { name: 'Prompt' }).fill(PROMPT);
    await page.getByRole('button', { name: 'Generate', exact: true }).click();
    await gallery().getByRole('img', { name: PROMPT, exact: true }).waitFor({ timeout: 30_000 });

    // Edit it: the result is a new version.
    await gallery().getByRole('img', { name: PROMPT, exact: true }).dblclick();
    const viewer = page.getByRole('dialog', { name: 'Image viewer' });
    await viewer.getByRole('button', { name: 'Edit', exact: true }).click();
    await viewer.waitFor({ state: 'hidden' });
    await page.getByRole('textbox', { name: 'Prompt' }).fill(EDIT_PROMPT);
    await page.getByRole('button', { name: 'Generate', exact: true }).click();
    await gallery().getByRole('img', { name: EDIT_PROMPT, exact: true }).waitFor({ timeout: 30_000 });
    expect(af.state.jobsCreated).toBe(2);

    // Export the project with the recipe.
    const out = join(dir, 'export');
    await mkdir(out);
    await page.getByRole('button', { name: 'Export', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Export images' });
    await dialog.getByRole('radio', { name: /Whole project/ }).check();
    await dialog.getByRole('textbox', { name: 'Export folder' }).fill(out);
    await dialog.getByRole('button', { name: 'Export', exact: true }).click();
    await dialog.waitFor({ state: 'hidden' });
    const report = page.getByRole('group', { name: 'Export report' });
    await report.waitFor({ timeout: 60_000 });
    await expect.poll(() => report.textContent()).toContain('2 written');

    // Back up (through the API, with the page's session).
    const backupDir = join(dir, 'backup');
    await mkdir(backupDir);
    const backup = await apiCall('library.backup', { targetDir: backupDir });
    expect(backup.ok).toBe(true);
    await expect.poll(async () => (await filesUnder(backupDir)).some((f) => f.path.endsWith('.sqlite')), { timeout: 30_000 }).toBe(true);
  });

  it('gives another local server the browser visits nothing usable: every header and cookie it got is refused', async () => {
    const { token, mediaKey } = await session();
    const tab = await context.newPage();
    await tab.goto(spy.url);
    await expect.poll(() => tab.title(), { timeout: 10_000 }).toBe('reported');
    await tab.close();

    const seen = JSON.stringify(spy.received);
    expect(seen).not.toContain(token);
    expect(seen).not.toContain(mediaKey);
    expect(seen).not.toContain(CANARY);
    // What its page could do: read nothing of ours, call nothing (refused or opaque, never our data).
    const report = JSON.parse(spy.received.find((r) => r.url === '/report')!.body) as Record<string, string>;
    expect(report['cookie']).toBe('');
    expect(report['local']).toBe('{}');
    expect(report['call']).toMatch(/^error/);
    // (Chromium may refuse it outright or hand back an opaque, unreadable reply; the host refuses it either way.)
    expect(report['call-no-cors']).toMatch(/^(opaque 0 $|error)/);
    expect(report['events']).toMatch(/^error/);

    // Every header value (and every cookie pair) it received, tried against the host every way a session goes.
    const values = new Set<string>();
    for (const r of spy.received) {
      for (const [name, v] of Object.entries(r.headers)) {
        for (const one of Array.isArray(v) ? v : [v ?? '']) {
          values.add(one);
          if (name === 'cookie') for (const pair of one.split(';')) values.add(pair.trim().split('=').slice(1).join('='));
        }
      }
    }
    const cookieHeaders = spy.received.map((r) => r.headers.cookie).filter((c): c is string => typeof c === 'string');
    let tries = 0;
    for (const v of values) {
      if (!v) continue;
      const attempts = [
        request(`${host.origin}/api/call/app.info`, { method: 'POST', headers: { authorization: `Bearer ${v}`, 'content-type': 'application/json' }, body: '{}' }),
        request(`${host.origin}/api/call/app.info`, { method: 'POST', headers: { authorization: v, 'content-type': 'application/json' }, body: '{}' }),
        request(`${host.origin}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ launch: v }) }),
      ];
      for (const res of await Promise.all(attempts)) {
        expect([401, 403], v).toContain(res.statusCode);
        await res.body.dump();
        tries++;
      }
    }
    for (const cookie of cookieHeaders) {
      const res = await request(`${host.origin}/api/call/app.info`, { method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body: '{}' });
      expect(res.statusCode).toBe(401);
      await res.body.dump();
    }
    expect(tries).toBeGreaterThan(10);
    // The host page still works in its own tab.
    expect((await apiCall('app.info', {})).ok).toBe(true);
  });

  it('does not send the key to a server the base URL is changed to', async () => {
    const before = spy.received.length;
    await page.getByRole('button', { name: 'Settings' }).click();
    const region = apiframeRegion();
    await region.getByRole('textbox', { name: 'Base URL' }).fill(spy.url);
    await region.getByRole('button', { name: 'Save base URL' }).click();
    await expect.poll(() => region.textContent(), { timeout: 10_000 }).toContain('Base URL saved.');
    // Settings now asks for a key for that server.
    expect(await region.textContent()).not.toContain(`…${CANARY.slice(-4)}`);
    await region.getByRole('button', { name: 'Check connection' }).click();
    await expect.poll(() => region.getByRole('status').last().textContent(), { timeout: 10_000 }).toMatch(/^Check failed/);
    const after = spy.received.slice(before);
    expect(JSON.stringify(after)).not.toContain(CANARY);
    // Back to the test server: its key is there again.
    await region.getByRole('textbox', { name: 'Base URL' }).fill(af.url);
    await region.getByRole('button', { name: 'Save base URL' }).click();
    await expect.poll(() => region.textContent(), { timeout: 10_000 }).toContain(`…${CANARY.slice(-4)}`);
    await page.keyboard.press('Escape');
    await settings().waitFor({ state: 'hidden' });
  });

  it('closed the slow unauthenticated socket within its headers timeout', async () => {
    const { ms, received } = await slowSocket;
    expect(received).toMatch(/^HTTP\/1\.1 408/);
    // Headers timeout 10 s, checked every second.
    expect(ms).toBeLessThan(13_000);
  });

  it('finds the canary key only in the keychain and the test server\'s request log', async () => {
    // Where it must be: the keychain (saved for the test server's origin) and what the test server received.
    const account = `api-key:apiframe@${new URL(af.url).origin}`;
    expect(execFileSync('secret-tool', ['lookup', 'service', KEYCHAIN_SERVICE, 'username', account], { encoding: 'utf8' })).toBe(CANARY);
    expect(JSON.stringify(af.state.requests.map((r) => r.headers))).toContain(CANARY);

    // Where it must not be: the browser (DOM with input values, storage, cookies through CDP).
    const pages = context.pages();
    expect(pages.length).toBeGreaterThan(0);
    for (const p of pages) {
      expect(await p.content()).not.toContain(CANARY);
      const inputs = await p.evaluate(() => [...document.querySelectorAll('input, textarea')].map((e) => (e as HTMLInputElement).value).join('\n'));
      expect(inputs).not.toContain(CANARY);
      const storage = await p.evaluate(() => JSON.stringify({ l: { ...localStorage }, s: { ...sessionStorage } }));
      expect(storage).not.toContain(CANARY);
    }
    const cdp = await context.newCDPSession(page);
    const { cookies } = (await cdp.send('Network.getAllCookies')) as { cookies: unknown[] };
    expect(JSON.stringify(cookies)).not.toContain(CANARY);
    expect(cookies).toEqual([]);

    // The host's stdout and stderr (at log level debug).
    expect(host.output()).not.toContain(CANARY);

    // Every file: the library (SQLite and its -wal, logs, objects, thumbnails), the export and the backup.
    await stat(join(dataDir, 'library.sqlite'));
    const files = [...(await filesUnder(dataDir)), ...(await filesUnder(join(dir, 'export'))), ...(await filesUnder(join(dir, 'backup')))];
    const names = files.map((f) => f.path);
    expect(names.some((n) => n.endsWith('library.sqlite-wal'))).toBe(true);
    expect(names.some((n) => n.includes(`${join(dataDir, 'logs')}`))).toBe(true);
    expect(names.filter((n) => n.startsWith(join(dir, 'export'))).length).toBeGreaterThanOrEqual(2);
    const holding = files.filter((f) => holdsCanary(f.bytes)).map((f) => f.path);
    expect(holding).toEqual([]);

    // And once more after a clean stop (the WAL checkpointed into the database file, logs flushed).
    await host.stop();
    const afterStop = (await filesUnder(dataDir)).filter((f) => holdsCanary(f.bytes)).map((f) => f.path);
    expect(afterStop).toEqual([]);
    expect(host.output()).not.toContain(CANARY);
  });
});
