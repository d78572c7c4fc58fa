/**
 * E2E harness: the built app's local web host as a child process (so a test can kill it like a crash), and
 * Debian Chromium driven by playwright-core. Each host gets its own library folder; the keychain is the private
 * one `npm test` starts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import type { App } from '../../src/main/app';
import type { CallInput } from '../../src/shared/contract';
import { call, openTestApp, tempDir } from '../helpers/app';
import { REPO_ROOT } from '../helpers/paths';

export const HOST_ENTRY = join(REPO_ROOT, 'out/main/web-host.js');

export interface RunningHost {
  /**
   * The launch link the host printed: it works once (the page exchanges it for a session kept in the origin's
   * localStorage, so later pages of the same browser context need no link). {@link RunningHost.newLink} gets another.
   */
  url: string;
  origin: string;
  proc: ChildProcess;
  /** Sends SIGKILL and waits for the process to be gone (a crash, not a shutdown). */
  kill(): Promise<void>;
  /** SIGTERM and wait (a clean quit). */
  stop(): Promise<void>;
  output(): string;
  /** Asks the running host for a fresh one-use launch link (SIGUSR1) and resolves with it. */
  newLink(): Promise<string>;
}

/** Starts `node out/main/web-host.js` on a free port with its own data folder; resolves once it prints its URL. */
export async function startHost(dataDir: string, env: Record<string, string> = {}): Promise<RunningHost> {
  if (!existsSync(HOST_ENTRY)) throw new Error(`${HOST_ENTRY} is missing: run the build first (npm test builds it)`);
  const proc = spawn(process.execPath, [HOST_ENTRY], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      ATELIER_DATA_DIR: dataDir,
      ATELIER_PORT: '0',
      ATELIER_NO_OPEN: '1',
      ATELIER_LOG_LEVEL: 'warn',
      ATELIER_KEYCHAIN_SERVICE: `atelier-e2e-${process.pid}`,
      // Tests make their own projects: the first-run welcome stays away unless a test asks for it ('0').
      ATELIER_SKIP_WELCOME: '1',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`host did not start:\n${out}`)), 30_000);
    const onData = (b: Buffer) => {
      out += b.toString();
      const m = /Atelier is running at (http:\/\/127\.0\.0\.1:\d+\/\S*)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', (b: Buffer) => (out += b.toString()));
    proc.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`host exited with ${code}:\n${out}`));
    });
  });
  const gone = () => new Promise<void>((r) => (proc.exitCode !== null || proc.signalCode !== null ? r() : proc.once('exit', () => r())));
  return {
    url,
    origin: new URL(url).origin,
    proc,
    async kill() {
      proc.kill('SIGKILL');
      await gone();
    },
    async stop() {
      proc.kill('SIGTERM');
      await gone();
    },
    output: () => out,
    newLink() {
      const seen = out.length;
      return new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no new link within 10 s:\n${out.slice(seen)}`)), 10_000);
        const onData = () => {
          const m = /a new link, valid once: (http:\/\/127\.0\.0\.1:\d+\/\S*)/.exec(out.slice(seen));
          if (!m) return;
          clearTimeout(timer);
          proc.stdout!.off('data', onData);
          resolve(m[1]!);
        };
        proc.stdout!.on('data', onData);
        proc.kill('SIGUSR1');
      });
    },
  };
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
}

/** What else a page's browser context may need: the page's CSP bypassed (to add a script such as axe-core), permissions granted to the host's origin (`clipboard-read`…). */
export interface PageExtras {
  bypassCSP?: boolean;
  permissions?: string[];
}

/** Opens a page at the host's URL with a desktop viewport; collects console errors for the test to check. */
export async function openPage(browser: Browser, url: string, locale = 'en-US', extras: PageExtras = {}): Promise<{ page: Page; errors: string[] }> {
  const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale, colorScheme: 'dark', bypassCSP: extras.bypassCSP === true });
  if (extras.permissions?.length) await ctx.grantPermissions(extras.permissions, { origin: new URL(url).origin });
  const page = await ctx.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  await page.goto(url);
  return { page, errors };
}

/** Drops files onto an element the way the OS does: a DataTransfer of real File objects in a drop event. */
export async function dropFiles(page: Page, target: string | Locator, files: { name: string; mime: string; bytes: Buffer }[]): Promise<void> {
  const payload = files.map((f) => ({ name: f.name, mime: f.mime, b64: f.bytes.toString('base64') }));
  const dt = await page.evaluateHandle((fs) => {
    const d = new DataTransfer();
    for (const f of fs) {
      const bin = atob(f.b64);
      const arr = new Uint8Array(bin.length);
      for (let i = 0; i < bin.length; i++) arr[i] = bin.charCodeAt(i);
      d.items.add(new File([arr], f.name, { type: f.mime }));
    }
    return d;
  }, payload);
  const loc = typeof target === 'string' ? page.locator(target) : target;
  await loc.dispatchEvent('dragenter', { dataTransfer: dt });
  await loc.dispatchEvent('dragover', { dataTransfer: dt });
  await loc.dispatchEvent('drop', { dataTransfer: dt });
}

/** What {@link useWebApp} hands a test file: getters that are valid from its `beforeAll` to its `afterAll`. */
export interface WebApp {
  /** The page opened on the host's launch link (desktop viewport, dark scheme). */
  readonly page: Page;
  /** The running web host (child process). */
  readonly host: RunningHost;
  /** The temp folder made for this file; removed in `afterAll`. The library is this folder, or `options.library` inside it. */
  readonly dir: string;
  /** Console errors and uncaught page errors collected since the page opened. */
  readonly errors: string[];
  /** The Chromium instance the page lives in (for extra contexts or pages). */
  readonly browser: Browser;
  /**
   * Kills the host with SIGKILL (a crash, not a shutdown) and starts a new one on the same library with the same
   * env; `host` then reads the new one. Resolves with it (the page is not moved: `page.goto(host.url)`).
   */
  crashAndRestart(): Promise<RunningHost>;
}

/** Something a test starts and must stop: a provider test server. */
export interface Closable {
  close(): Promise<unknown>;
}

/** Options of {@link useWebApp}; `bypassCSP` and `permissions` as {@link PageExtras}. */
export interface WebAppOptions extends PageExtras {
  /** A sub-folder of the temp folder to use as the library (e.g. `'lib'`), leaving the temp folder itself for exports. */
  library?: string;
  /** The browser context's locale (default `'en-US'`). */
  locale?: string;
}

/**
 * The usual e2e setup of a test file, registered on the enclosing `describe` (or the file): `beforeAll` makes a
 * temp folder named with `prefix`, starts the web host on it with `env` (added to {@link startHost}'s defaults),
 * launches Chromium and opens a page at the host's link; `afterAll` closes the browser, stops the host (SIGTERM)
 * and removes the folder. `env` may be a function of the temp folder, run in `beforeAll` before the host starts
 * (to write fixtures there or start test servers whose URLs the host needs); a server passed to its second
 * argument, `closeAfter(server)` (which returns it), is closed in `afterAll` once the browser and the host are gone.
 * Reading a getter before `beforeAll` has run throws an Error naming it.
 */
export function useWebApp(
  prefix: string,
  env:
    | Record<string, string>
    | ((dir: string, closeAfter: <T extends Closable>(server: T) => T) => Record<string, string> | Promise<Record<string, string>>) = {},
  options: WebAppOptions = {},
): WebApp {
  let browser: Browser | undefined;
  let host: RunningHost | undefined;
  let page: Page | undefined;
  let errors: string[] | undefined;
  let dir: string | undefined;
  let vars: Record<string, string> = {};
  let cleanup: (() => Promise<void>) | undefined;
  const servers: Closable[] = [];
  const closeAfter = <T extends Closable>(server: T): T => {
    servers.push(server);
    return server;
  };
  const library = (d: string) => (options.library ? join(d, options.library) : d);
  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir(prefix));
    vars = typeof env === 'function' ? await env(dir, closeAfter) : env;
    host = await startHost(library(dir), vars);
    browser = await launchBrowser();
    ({ page, errors } = await openPage(browser, host.url, options.locale, options));
  });
  afterAll(async () => {
    await browser?.close();
    await host?.stop();
    await Promise.all(servers.map((s) => s.close()));
    await cleanup?.();
  });
  const need = <T>(name: string, v: T | undefined): T => {
    if (v === undefined) throw new Error(`useWebApp: ${name} is not ready (read it inside a test or hook, after beforeAll)`);
    return v;
  };
  return {
    get page() {
      return need('page', page);
    },
    get host() {
      return need('host', host);
    },
    get dir() {
      return need('dir', dir);
    },
    get errors() {
      return need('errors', errors);
    },
    get browser() {
      return need('browser', browser);
    },
    async crashAndRestart() {
      await need('host', host).kill();
      host = await startHost(library(need('dir', dir)), vars);
      return host;
    },
  };
}

/**
 * For {@link useWebApp}'s `env` function: saves a provider key in the private keychain service `service` through a
 * test app opened on the library `dir` (with `env`), runs `seed` on that app (folders, jobs…) and closes it; the key
 * is cleared from that keychain again in `afterAll`, once the host is gone (`closeAfter`). Resolves with the host env
 * that makes the host read that keychain (`ATELIER_KEYCHAIN_SERVICE`).
 */
export async function seedKeychainKey(
  dir: string,
  closeAfter: <T extends Closable>(server: T) => T,
  opts: { service: string; provider: CallInput<'settings.setKey'>['provider']; key: string; env?: Record<string, string> },
  seed: (app: App) => Promise<void> = async () => {},
): Promise<Record<string, string>> {
  const app = await openTestApp(dir, { env: opts.env ?? {}, keychainService: opts.service });
  try {
    await call(app, 'settings.setKey', { provider: opts.provider, key: opts.key });
    await seed(app);
  } finally {
    await app.close();
  }
  closeAfter({
    async close() {
      const again = await openTestApp(dir, { env: {}, keychainService: opts.service }).catch(() => null);
      if (!again) return;
      await call(again, 'settings.clearKey', { provider: opts.provider }).catch(() => undefined);
      await again.close();
    },
  });
  return { ATELIER_KEYCHAIN_SERVICE: opts.service };
}

/** Makes a project the way a person does (New project, type the name, Create) and opens it in the sidebar tree. */
export async function newProject(page: Page, name: string): Promise<void> {
  await page.getByRole('button', { name: 'New project' }).click();
  await page.getByRole('textbox', { name: 'Project name' }).fill(name);
  await page.getByRole('button', { name: 'Create' }).click();
  await page.getByRole('treeitem', { name }).click();
}

/**
 * Waits until the keyboard focus is inside `dialog` (a dialog moves it there once it has mounted, and only then
 * does its Escape handler own the key: a key pressed before goes to the layer under it).
 */
export async function focusInside(dialog: Locator, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await dialog.evaluate((el) => el.contains(document.activeElement)).catch(() => false))) {
    if (Date.now() > deadline) throw new Error('the keyboard focus never moved into the dialog');
    await new Promise((r) => setTimeout(r, 25));
  }
}
