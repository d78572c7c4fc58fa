#!/usr/bin/env node
/**
 * Runs vitest (with whatever arguments follow, e.g. `--project unit` or a test file) inside a private D-Bus session
 * with an unlocked gnome-keyring and a throw-away HOME, so the keychain tests use a real Secret Service and nothing
 * touches the user's own keychain, browser profile or library. Prints a closing line
 * `vitest: N passed, N failed, N skipped` and exits with vitest's status (non-zero when no test ran).
 *
 * Used by `npm test` (after typecheck, lint and build) and on its own by `npm run test:unit|integration|e2e`.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;

const which = spawnSync('sh', ['-c', 'command -v dbus-run-session && command -v gnome-keyring-daemon'], { encoding: 'utf8' });
if (which.status !== 0) {
  console.error('dbus-run-session and gnome-keyring-daemon are needed for the keychain tests:\n' +
    '  apt-get install -y gnome-keyring dbus dbus-x11 libsecret-tools');
  process.exit(1);
}

const home = mkdtempSync(join(tmpdir(), 'atelier-test-home-'));
mkdirSync(join(root, '.tmp'), { recursive: true });
const report = join(root, '.tmp', `vitest-report-${process.pid}.json`);
rmSync(report, { force: true });
const quote = (a) => `'${a.replace(/'/g, `'\\''`)}'`;
const extra = process.argv.slice(2).map(quote).join(' ');
const inner =
  `echo -n atelier-test | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1; ` +
  `exec ${quote(process.execPath)} ${quote(join(root, 'node_modules/vitest/vitest.mjs'))} run --reporter=default --reporter=json --outputFile.json=${quote(report)} ${extra}`;
console.log('\n=== vitest (private D-Bus session, throw-away HOME)');
const env = { ...process.env, HOME: home, XDG_DATA_HOME: join(home, '.local/share'), XDG_CONFIG_HOME: join(home, '.config'), XDG_RUNTIME_DIR: home };
const r = spawnSync('dbus-run-session', ['--', 'sh', '-c', inner], { stdio: 'inherit', cwd: root, env });
rmSync(home, { recursive: true, force: true });

let status = r.status ?? 1;
if (existsSync(report)) {
  const j = JSON.parse(readFileSync(report, 'utf8'));
  rmSync(report, { force: true });
  const skipped = (j.numPendingTests ?? 0) + (j.numTodoTests ?? 0);
  console.log(`\nvitest: ${j.numPassedTests} passed, ${j.numFailedTests} failed, ${skipped} skipped`);
  if (j.numTotalTests === 0) {
    console.error('no test ran');
    status = 1;
  }
}
process.exit(status);
