#!/usr/bin/env node
/**
 * Builds better-sqlite3 for Electron's ABI into resources/native/electron/better_sqlite3.node, which the Electron
 * main process passes to better-sqlite3 as `nativeBinding`. node_modules keeps its Node build, so the tests and
 * the web host (plain Node) are unaffected: nothing under node_modules is written.
 *
 * How (Electron docs, "Using Native Node Modules"; the same flags @electron/rebuild passes to node-gyp):
 * 1. copy node_modules/better-sqlite3 (sources, deps/sqlite3, binding.gyp; not its build/) to .tmp/native-electron/
 * 2. in the copy, try a prebuilt binary for this Electron: `prebuild-install --runtime=electron --target=<v>`
 *    (better-sqlite3 publishes Electron prebuilds on its GitHub releases), unless --from-source;
 * 3. otherwise compile: `node-gyp rebuild --release --runtime=electron --target=<v> --arch=<arch>
 *    --dist-url=https://electronjs.org/headers` (Electron's headers; needs Python and a C++ toolchain);
 * 4. copy build/Release/better_sqlite3.node to resources/native/electron/ with a small JSON of what it is for;
 * 5. when the Electron runtime is installed, load it in Electron (ELECTRON_RUN_AS_NODE) and run a query.
 *
 * Usage: node scripts/build-native-electron.mjs [--from-source] [--arch=<arch>]
 * Needs network access (the prebuilt binary or Electron's headers).
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(import.meta.url);
const args = process.argv.slice(2);
const fromSource = args.includes('--from-source');
const arch = args.find((a) => a.startsWith('--arch='))?.slice('--arch='.length) ?? process.arch;

const readJson = (file) => JSON.parse(readFileSync(file, 'utf8'));
const fail = (message) => {
  console.error(message);
  process.exit(1);
};

const electronDir = path.dirname(require.resolve('electron/package.json'));
const electronVersion = readJson(path.join(electronDir, 'package.json')).version;
const abiFile = path.join(electronDir, 'abi_version');
const electronAbi = existsSync(abiFile) ? readFileSync(abiFile, 'utf8').trim() : 'unknown';
const sqliteDir = path.dirname(require.resolve('better-sqlite3/package.json'));
const sqliteVersion = readJson(path.join(sqliteDir, 'package.json')).version;

const work = path.join(root, '.tmp', 'native-electron');
const copy = path.join(work, 'better-sqlite3');
const outDir = path.join(root, 'resources', 'native', 'electron');
const output = path.join(outDir, 'better_sqlite3.node');

console.log(`better-sqlite3 ${sqliteVersion} for Electron ${electronVersion} (ABI ${electronAbi}), ${process.platform}-${arch}`);

// 1. A private copy: node_modules/better-sqlite3/build stays the Node build.
rmSync(copy, { recursive: true, force: true });
mkdirSync(work, { recursive: true });
cpSync(sqliteDir, copy, {
  recursive: true,
  filter: (src) => {
    const rel = path.relative(sqliteDir, src);
    return rel !== 'build' && !rel.startsWith(`build${path.sep}`) && rel !== 'node_modules' && !rel.startsWith(`node_modules${path.sep}`);
  },
});

const run = (cmd, cmdArgs) => {
  console.log(`> ${[path.basename(cmd), ...cmdArgs].join(' ')}`);
  // node-gyp caches Electron's headers here rather than next to the Node headers in the user's cache.
  const env = { ...process.env, npm_config_devdir: path.join(work, 'gyp') };
  return spawnSync(cmd, cmdArgs, { cwd: copy, stdio: 'inherit', env }).status === 0;
};

const built = path.join(copy, 'build', 'Release', 'better_sqlite3.node');
let how = null;

// 2. A prebuilt binary for this exact Electron, when better-sqlite3 published one.
if (!fromSource) {
  let prebuildInstall;
  try {
    prebuildInstall = createRequire(path.join(sqliteDir, 'package.json')).resolve('prebuild-install/bin.js');
  } catch {
    prebuildInstall = null;
  }
  if (
    prebuildInstall &&
    run(process.execPath, [
      prebuildInstall,
      '--runtime=electron',
      `--target=${electronVersion}`,
      `--arch=${arch}`,
      `--platform=${process.platform}`,
      '--verbose',
    ]) &&
    existsSync(built)
  ) {
    how = 'prebuilt';
  } else {
    console.log('No prebuilt binary for this Electron; compiling from source.');
  }
}

// 3. Compile against Electron's headers.
if (!how) {
  /** npm's own node-gyp (npm sets npm_config_node_gyp for scripts; else next to the node binary), or npx. */
  const nodeGyp = [
    process.env.npm_config_node_gyp,
    path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
    path.join(path.dirname(process.execPath), 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
  ].find((p) => p && existsSync(p));
  const gypArgs = [
    'rebuild',
    '--release',
    '--runtime=electron',
    `--target=${electronVersion}`,
    `--arch=${arch}`,
    '--dist-url=https://electronjs.org/headers',
    '--build-from-source',
  ];
  const ok = nodeGyp
    ? run(process.execPath, [nodeGyp, ...gypArgs])
    : run(process.platform === 'win32' ? 'npx.cmd' : 'npx', ['--yes', 'node-gyp', ...gypArgs]);
  if (!ok || !existsSync(built)) {
    fail('node-gyp could not build better-sqlite3 for Electron (see above). It needs Python 3 and a C++ toolchain.');
  }
  how = 'source';
}

// 4. Install next to the app, with a note of what it is for.
mkdirSync(outDir, { recursive: true });
copyFileSync(built, output);
writeFileSync(
  path.join(outDir, 'better_sqlite3.json'),
  JSON.stringify(
    { betterSqlite3: sqliteVersion, electron: electronVersion, abi: electronAbi, platform: process.platform, arch, how },
    null,
    2,
  ) + '\n',
);
console.log(`Wrote ${path.relative(root, output)} (${how}).`);

// 5. Prove it loads in Electron, where the runtime is installed.
let electron;
try {
  const executable = require('electron');
  electron = typeof executable === 'string' && existsSync(executable) ? executable : null;
} catch {
  electron = null;
}
if (!electron) {
  console.log('The Electron runtime is not installed here, so the binary was not load-tested.');
  process.exit(0);
}
const probe = `
  const Database = require(${JSON.stringify(sqliteDir)});
  const db = new Database(':memory:', { nativeBinding: ${JSON.stringify(output)} });
  console.log('sqlite ' + db.prepare('select sqlite_version() as v').get().v + ' under Electron ' + process.versions.electron);
  db.close();
`;
const check = spawnSync(electron, ['-e', probe], {
  stdio: 'inherit',
  env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
});
if (check.status !== 0) fail('The binary did not load in Electron.');
console.log('Loaded and queried under Electron.');
