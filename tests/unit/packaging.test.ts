/**
 * Packaging: electron-builder.yml is read by electron-builder's own config loader and checked by its own schema
 * validation (app-builder-lib's validateConfiguration against its scheme.json), so a misspelt or misplaced key fails
 * here rather than at `npm run dist`; the fuses and targets the app promises are asserted; and `npm run dist`
 * without an Electron runtime stops with a plain explanation and a non-zero exit.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { getConfig, validateConfiguration } from 'app-builder-lib/out/util/config/config';
import type { Configuration } from 'app-builder-lib';
import { DebugLogger } from 'builder-util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/paths';

const validate = (config: Configuration) => validateConfiguration(config, new DebugLogger(false));
let config: Configuration;

beforeAll(async () => {
  config = await getConfig(REPO_ROOT, resolve(REPO_ROOT, 'electron-builder.yml'), null);
});

describe('electron-builder.yml', () => {
  it("passes electron-builder's own schema validation", async () => {
    await expect(validate(config)).resolves.toBeUndefined();
  });

  it.each([
    ['a misspelt top-level key', (c: Record<string, unknown>) => ({ ...c, asarUnpak: ['**/*.node'] })],
    ['a misspelt fuse', (c: Record<string, unknown>) => ({ ...c, electronFuses: { ...(c.electronFuses as object), runAsNod: false } })],
    ['a key in the wrong place', (c: Record<string, unknown>) => ({ ...c, linux: { ...(c.linux as object), dmgTitle: 'x' } })],
    ['a wrong type', (c: Record<string, unknown>) => ({ ...c, asar: 'yes' })],
  ])('the same validation rejects %s (so it is really checking)', async (_label, mutate) => {
    await expect(validate(mutate(structuredClone(config) as Record<string, unknown>) as Configuration)).rejects.toThrow(
      /Invalid configuration object/,
    );
  });

  it('sets the fuses: no run-as-node, NODE_OPTIONS or --inspect; cookie encryption, asar integrity, app only from asar', () => {
    expect(config.electronFuses).toMatchObject({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableCookieEncryption: true,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      grantFileProtocolExtraPrivileges: false,
    });
  });

  it('packages only the build and package.json, in an asar with native addons unpacked, without a native rebuild', () => {
    expect(config.appId).toBe('app.atelier.desktop');
    expect(config.productName).toBe('Atelier');
    // The loader normalises `files` into file sets ({ filter: [...] }); the patterns are what counts.
    const patterns = ([] as unknown[]).concat(config.files ?? []).flatMap((f) => (typeof f === 'string' ? [f] : ((f as { filter?: string[] }).filter ?? [])));
    expect(patterns).toEqual(['out/**', 'package.json']);
    expect(config.asar).toBe(true);
    expect(config.asarUnpack).toContain('**/*.node');
    expect(config.npmRebuild).toBe(false);
    const pkg = JSON.parse(readFileSync(resolve(REPO_ROOT, 'package.json'), 'utf8')) as { main: string };
    expect(pkg.main).toBe('out/main/index.js');
  });

  it('targets AppImage and deb (Graphics, with a maintainer), dmg and NSIS, with icons that exist', () => {
    expect(config.linux?.target).toEqual(['AppImage', 'deb']);
    expect(config.linux?.category).toBe('Graphics');
    expect(config.linux?.maintainer).toMatch(/<[^@\s]+@[^>\s]+>/);
    expect(config.mac?.target).toEqual(['dmg']);
    expect(config.win?.target).toEqual(['nsis']);
    for (const icon of [config.linux?.icon, config.mac?.icon, config.win?.icon]) {
      expect(icon && existsSync(resolve(REPO_ROOT, icon)), String(icon)).toBe(true);
    }
    expect(existsSync(resolve(REPO_ROOT, 'resources/icons/256x256.png'))).toBe(true);
    for (const r of config.extraResources as Array<{ from: string }>) expect(existsSync(resolve(REPO_ROOT, r.from)), r.from).toBe(true);
  });
});

describe('npm run dist (scripts/dist.mjs)', () => {
  let tmp: string;
  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), 'atelier-dist-'));
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  const dist = (env: Record<string, string>) =>
    spawnSync(process.execPath, ['scripts/dist.mjs'], {
      cwd: REPO_ROOT,
      env: { ...process.env, ATELIER_DIST_SKIP_BUILD: '1', ...env },
      encoding: 'utf8',
      timeout: 30_000,
    });

  it('without the Electron runtime says why it stops and exits non-zero, building nothing', () => {
    const empty = join(tmp, 'no-electron');
    mkdirSync(empty);
    const r = dist({ ELECTRON_OVERRIDE_DIST_PATH: empty, ATELIER_DIST_SKIP_BUILD: '0' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(
      'The Electron runtime is not installed (it is fetched on first use, and was not, or cannot be downloaded on this',
    );
    expect(r.stderr).toContain('packaging needs it');
    expect(r.stderr).toMatch(/Install it with `npx --no install-electron`.*\n.*\n.*run npm run dist again/);
    expect(r.stdout).not.toMatch(/building|built in/i);
  });

  it('with a runtime present hands electron-builder that runtime and the current platform (dry run)', () => {
    const fake = join(tmp, 'electron-dist');
    mkdirSync(join(fake, 'Electron.app/Contents/MacOS'), { recursive: true });
    for (const exe of ['electron', 'electron.exe', 'Electron.app/Contents/MacOS/Electron']) {
      writeFileSync(join(fake, exe), '');
      chmodSync(join(fake, exe), 0o755);
    }
    const version = (JSON.parse(readFileSync(resolve(REPO_ROOT, 'node_modules/electron/package.json'), 'utf8')) as { version: string }).version;
    writeFileSync(join(fake, 'version'), `v${version}`);
    const r = dist({ ELECTRON_OVERRIDE_DIST_PATH: fake, ATELIER_DIST_DRY_RUN: '1' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const flag = { linux: '--linux', darwin: '--mac', win32: '--win' }[process.platform as 'linux'];
    expect(r.stdout).toContain(`electron-builder ${flag} --publish never -c.electronDist=${fake}`);

    // A runtime of another Electron version is not used.
    writeFileSync(join(fake, 'version'), 'v1.0.0');
    const old = dist({ ELECTRON_OVERRIDE_DIST_PATH: fake, ATELIER_DIST_DRY_RUN: '1' });
    expect(old.status).toBe(1);
    expect(old.stderr).toContain(`is Electron 1.0.0, not ${version}`);
  });
});
