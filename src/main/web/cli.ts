/**
 * `npm run serve`: Atelier in a browser. Plain Node (never imports electron); built by electron-vite as
 * out/main/web-host.js next to out/renderer.
 *
 * Environment:
 * - `ATELIER_DATA_DIR`: the data folder (default: the OS app-data folder, see services/paths.ts)
 * - `ATELIER_PORT`: the port (default 0, any free port)
 * - `ATELIER_NO_OPEN=1`: do not open a browser
 * - `ATELIER_RENDERER_DIR`: the built renderer (default: `../renderer` next to this file, then `out/renderer`)
 *
 * Prints `Atelier is running at <launch link>` to stdout, which tests and users read; everything else goes to
 * stderr. The link works once. The browser is opened on a different one-use link, through a 0600 HTML file in a
 * private temporary folder (as Jupyter does), so that no secret is ever on a command line (`ps` shows argv).
 * SIGUSR1 prints a fresh link (`Atelier: a new link, valid once: <url>`). SIGINT/SIGTERM close the host, then the
 * app, and remove the launch file. The library and its services run in a worker thread (src/main/web/service-thread.ts);
 * should it die, the host exits with 1 rather than serve without them.
 */
// First: sizes libuv's threadpool before anything uses it (see threadpool-size.ts).
import '../threadpool-size';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { resolveDataDir } from '../services/paths';
import { startWebHost } from './server';
import { startServiceThread } from './service-thread';

/** The port from `ATELIER_PORT`: an integer 0-65535. */
function parsePort(value: string | undefined): number {
  if (value === undefined || value.trim() === '') return 0;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`ATELIER_PORT must be 0-65535, got "${value}"`);
  return port;
}

/**
 * The built renderer's folder: `ATELIER_RENDERER_DIR`, else the first of `../renderer` next to this file
 * (out/main/web-host.js → out/renderer) and `out/renderer` under the working directory that has an index.html.
 */
function findRendererDir(env: NodeJS.ProcessEnv = process.env, moduleUrl: string = import.meta.url): string {
  if (env.ATELIER_RENDERER_DIR) return path.resolve(env.ATELIER_RENDERER_DIR);
  const candidates = [
    fileURLToPath(new URL('../renderer', moduleUrl)),
    path.resolve('out', 'renderer'),
  ];
  return candidates.find((dir) => existsSync(path.join(dir, 'index.html'))) ?? candidates[0]!;
}

/**
 * Writes a page that sends the browser on to `launchUrl` into a new private folder (0700) as a 0600 file, and
 * returns the folder and the file's URL (which holds no secret, so it may go on a command line).
 */
function writeLaunchFile(launchUrl: string): { dir: string; fileUrl: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'atelier-open-'));
  const file = path.join(dir, 'open-atelier.html');
  const attr = launchUrl.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
  writeFileSync(
    file,
    `<!doctype html><html><head><meta charset="utf-8"><meta http-equiv="refresh" content="0;url=${attr}">` +
      `<title>Atelier</title></head><body><p><a href="${attr}">Open Atelier</a></p></body></html>\n`,
    { mode: 0o600, flag: 'wx' },
  );
  return { dir, fileUrl: pathToFileURL(file).href };
}

/** Opens `url` in the default browser; failures (no desktop, no opener) are ignored: the URL is printed anyway. */
function openInBrowser(url: string): void {
  const [cmd, args] =
    process.platform === 'win32'
      ? ['cmd', ['/c', 'start', '""', url.replace(/&/g, '^&')]]
      : process.platform === 'darwin'
        ? ['open', [url]]
        : ['xdg-open', [url]];
  try {
    const child = spawn(cmd, args as string[], { stdio: 'ignore', detached: true, windowsHide: true });
    child.on('error', () => {});
    child.unref();
  } catch {
    // no opener available
  }
}

async function main(): Promise<void> {
  const dataDir = resolveDataDir(process.env);
  const port = parsePort(process.env.ATELIER_PORT);
  const rendererDir = findRendererDir();
  if (!existsSync(path.join(rendererDir, 'index.html'))) {
    process.stderr.write(`warning: no built renderer at ${rendererDir} (run the build first)\n`);
  }

  // The library and every service run in a worker (src/main/service-host.ts); this thread only serves HTTP.
  const app = await startServiceThread({ dataDir, env: { ...process.env }, shell: false }, (reason) => {
    process.stderr.write(`Atelier's services stopped: ${reason}\n`);
    process.exit(1);
  });
  let host;
  try {
    host = await startWebHost({ dispatcher: app, callJson: (name, json, ctx) => app.callJson(name, json, ctx), rendererDir, port });
  } catch (err) {
    await app.close();
    throw err;
  }
  process.stdout.write(`Atelier is running at ${host.url}\n`);
  let launchDir: string | null = null;
  if (process.env.ATELIER_NO_OPEN !== '1') {
    try {
      const launch = writeLaunchFile(host.newLaunchUrl());
      launchDir = launch.dir;
      openInBrowser(launch.fileUrl);
    } catch (err) {
      process.stderr.write(`could not open a browser: ${err instanceof Error ? err.message : String(err)}\n`);
    }
  }
  process.on('SIGUSR1', () => process.stdout.write(`Atelier: a new link, valid once: ${host.newLaunchUrl()}\n`));

  let stopping = false;
  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    let code = 0;
    if (launchDir) rmSync(launchDir, { recursive: true, force: true });
    try {
      await host.close();
    } catch (err) {
      code = 1;
      process.stderr.write(`error closing the web host: ${err instanceof Error ? err.message : String(err)}\n`);
    }
    try {
      await app.close();
    } catch (err) {
      code = 1;
      process.stderr.write(`error closing Atelier: ${err instanceof Error ? err.message : String(err)}\n`);
    }
    process.stderr.write(`Atelier stopped (${signal})\n`);
    process.exit(code);
  };
  process.on('SIGINT', (s) => void stop(s));
  process.on('SIGTERM', (s) => void stop(s));
}

main().catch((err: unknown) => {
  process.stderr.write(`Atelier could not start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
