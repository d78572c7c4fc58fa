/**
 * The SQLite module Atelier loads is better-sqlite3's Node-API prebuild, the one binary Node and Electron both load
 * (https://nodejs.org/api/n-api.html#node-api-version-matrix): no per-runtime rebuild, no `nativeBinding` switch.
 * The library is opened through the app's own openDatabase, then the loaded `.node` file is found and read.
 */
import { mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../src/main/services/library/db';

const require = createRequire(import.meta.url);
const pkgDir = dirname(require.resolve('better-sqlite3/package.json'));
const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as { version: string };

/** The prebuild better-sqlite3's loader (lib/binding.js) picks for this process: prebuilds/<platform>-<arch>.node. */
function expectedPrebuild(): string {
  let platform: string = process.platform;
  if (platform === 'linux') {
    const maps = readFileSync('/proc/self/maps', 'latin1');
    if (/\/ld-musl-[^/\s]*\.so/.test(maps)) platform = 'linuxmusl';
  }
  return realpathSync(join(pkgDir, 'prebuilds', `${platform}-${process.arch}.node`));
}

/** Every native addon this process has loaded through require (Node keeps `.node` files in the module cache). */
function loadedAddons(): string[] {
  return Object.keys(require.cache).filter((file) => file.endsWith('.node')).map((file) => realpathSync(file));
}

const dir = mkdtempSync(join(tmpdir(), 'atelier-native-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the SQLite module the app loads', () => {
  let db: Db;
  beforeAll(() => {
    db = openDatabase(join(dir, 'library.sqlite'));
  });
  afterAll(() => db.close());

  it('is better-sqlite3 13 or later', () => {
    expect(Number(pkg.version.split('.')[0])).toBeGreaterThanOrEqual(13);
  });

  it('is the prebuilt binary inside the better-sqlite3 package, not a compiled or Electron-specific build', () => {
    const sqliteAddons = loadedAddons().filter((file) => file.startsWith(realpathSync(pkgDir)));
    expect(sqliteAddons).toEqual([expectedPrebuild()]);
    if (process.platform === 'linux') {
      // The dynamic loader agrees: the prebuild is the file mapped into this process.
      const mapped = readFileSync('/proc/self/maps', 'latin1');
      expect(mapped).toContain(expectedPrebuild());
      expect(mapped).not.toMatch(/better_sqlite3\.node/);
    }
  });

  it('is a Node-API module: it exports napi_register_module_v1 and no ABI-specific node_register_module_v<N>', () => {
    const bytes = readFileSync(expectedPrebuild()).toString('latin1');
    expect(bytes).toContain('napi_register_module_v1');
    expect(bytes).not.toMatch(/node_register_module_v\d+/);
  });

  it('runs SQLite 3.45 or later', () => {
    const { v } = db.prepare('SELECT sqlite_version() AS v').get() as { v: string };
    const [major, minor] = v.split('.').map(Number);
    expect(major! * 1000 + minor!).toBeGreaterThanOrEqual(3045);
    // The library is a real file in WAL mode, opened by the app's own code.
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
  });
});
