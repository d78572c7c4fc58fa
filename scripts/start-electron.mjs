#!/usr/bin/env node
/**
 * `npm start`: builds the app with electron-vite and runs it in Electron.
 *
 * The Electron runtime is a separate download. Since Electron 42 the `electron` package fetches it on first use
 * (`require('electron')` downloads it when missing) instead of in an install script. Where it cannot be downloaded,
 * `require('electron')` throws or names a file that does not exist; then we say so plainly and exit 1 before
 * spending time on a build nobody can run. `npm run serve` runs the same app in a browser instead.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(import.meta.url);

/** The Electron executable, or null when the runtime is not installed. */
function electronExecutable() {
  try {
    const executable = require('electron');
    return typeof executable === 'string' && existsSync(executable) ? executable : null;
  } catch {
    return null;
  }
}

const electron = electronExecutable();
if (!electron) {
  console.error(
    'The Electron runtime is not installed here, so the desktop app cannot start.\n' +
      '  - install it with `npx --no install-electron` on a machine that can reach Electron\'s releases, or\n' +
      '  - use `npm run serve` to open Atelier in your browser instead.',
  );
  process.exit(1);
}

const build = spawnSync(process.execPath, [require.resolve('electron-vite/bin/electron-vite.js'), 'build'], {
  cwd: root,
  stdio: 'inherit',
});
if (build.status !== 0) {
  console.error(`The build failed (exit ${build.status ?? build.signal}).`);
  process.exit(build.status ?? 1);
}

const env = { ...process.env };
delete env.ELECTRON_RUN_AS_NODE; // would make Electron behave as plain Node
const child = spawn(electron, [root, ...process.argv.slice(2)], { cwd: root, stdio: 'inherit', env });
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    if (!child.killed) child.kill(signal);
  });
}
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
child.on('error', (err) => {
  console.error(`Could not start Electron: ${err.message}`);
  process.exit(1);
});
