#!/usr/bin/env node
/**
 * `npm run dist`: packages Atelier for the current platform with electron-builder (electron-builder.yml):
 * AppImage and deb on Linux, dmg on macOS, an NSIS installer on Windows, into dist/.
 *
 * electron-builder needs an Electron runtime to put in the package. It uses the one installed in
 * node_modules/electron/dist (`electronDist`), so packaging downloads nothing more. Since Electron 42 the `electron`
 * package fetches its runtime on first use rather than at `npm install`, and ELECTRON_SKIP_BINARY_DOWNLOAD or a
 * machine without access to Electron's releases leaves it missing: then this script says so plainly and exits 1
 * before building anything.
 *
 * Steps: 1. find the runtime (ELECTRON_OVERRIDE_DIST_PATH, as the electron package honours it, else
 * node_modules/electron/dist); 2. `electron-vite build` (skipped with ATELIER_DIST_SKIP_BUILD=1); 3. electron-builder
 * `--linux|--mac|--win --publish never -c.electronDist=<runtime folder>` plus any arguments given to this script.
 * ATELIER_DIST_DRY_RUN=1 prints the electron-builder command instead of running steps 2 and 3.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(import.meta.url);

/** The executable inside an Electron dist folder, per platform (as the electron package's install.js names it). */
const EXECUTABLE = { darwin: 'Electron.app/Contents/MacOS/Electron', win32: 'electron.exe' };
/** electron-builder's platform flag for this OS. */
const PLATFORM_FLAG = { darwin: '--mac', win32: '--win', linux: '--linux' };

/**
 * The installed Electron runtime: its folder and executable, or the reason it cannot be used. Never triggers the
 * electron package's lazy download (that is what `require('electron')` does since Electron 42).
 */
function electronRuntime() {
  let pkgDir;
  try {
    pkgDir = path.dirname(require.resolve('electron/package.json'));
  } catch {
    return { missing: 'the electron package is not installed (run npm ci)' };
  }
  const wanted = JSON.parse(readFileSync(path.join(pkgDir, 'package.json'), 'utf8')).version;
  const distDir = process.env.ELECTRON_OVERRIDE_DIST_PATH || path.join(pkgDir, 'dist');
  const executable = path.join(distDir, EXECUTABLE[process.platform] ?? 'electron');
  if (!existsSync(executable)) return { missing: `no Electron executable at ${executable}`, wanted };
  const versionFile = path.join(distDir, 'version');
  const found = existsSync(versionFile) ? readFileSync(versionFile, 'utf8').trim().replace(/^v/, '') : wanted;
  if (found !== wanted) return { missing: `the runtime in ${distDir} is Electron ${found}, not ${wanted}`, wanted };
  return { distDir, executable, version: wanted };
}

const platformFlag = PLATFORM_FLAG[process.platform];
if (!platformFlag) {
  console.error(`npm run dist: electron-builder cannot package for ${process.platform} (Linux, macOS and Windows only).`);
  process.exit(1);
}

const runtime = electronRuntime();
if (!runtime.distDir) {
  console.error(
    'The Electron runtime is not installed (it is fetched on first use, and was not, or cannot be downloaded on this\n' +
      'machine); packaging needs it.\n' +
      `  (${runtime.missing})\n` +
      'Install it with `npx --no install-electron` (Electron 42 and later fetch the runtime on first use, not during\n' +
      'npm install) on a machine that can reach https://github.com/electron/electron/releases,\n' +
      'and run npm run dist again.',
  );
  process.exit(1);
}

const builderArgs = [platformFlag, '--publish', 'never', `-c.electronDist=${runtime.distDir}`, ...process.argv.slice(2)];
if (process.env.ATELIER_DIST_DRY_RUN === '1') {
  console.log(`Electron ${runtime.version} runtime: ${runtime.distDir}`);
  console.log(`Would run: electron-vite build && electron-builder ${builderArgs.join(' ')}`);
  process.exit(0);
}

/** Runs a package's CLI with this Node, in the repository; exits with its status when it fails. */
function run(label, cli, args) {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`npm run dist: ${label} failed (exit ${r.status ?? r.signal}).`);
    process.exit(r.status || 1);
  }
}

if (process.env.ATELIER_DIST_SKIP_BUILD !== '1') run('electron-vite build', require.resolve('electron-vite/bin/electron-vite.js'), ['build']);
run('electron-builder', path.join(path.dirname(require.resolve('electron-builder/package.json')), 'cli.js'), builderArgs);
console.log(`Packaged Atelier for ${process.platform} into electron-builder's output folder (dist/ unless -c.directories.output says otherwise).`);
