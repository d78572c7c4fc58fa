#!/usr/bin/env node
/**
 * `npm test`: typecheck every tsconfig project, lint, build the app, then run every vitest project (unit,
 * integration, e2e) inside a private D-Bus session with an unlocked gnome-keyring and a throw-away HOME, so the
 * keychain tests use a real Secret Service and nothing touches the user's own keychain or library.
 * Prints a closing line `vitest: N passed, N failed, N skipped`.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const run = (label, cmd, args, opts = {}) => {
  console.log(`\n=== ${label}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: root, ...opts });
  if (r.status !== 0) {
    console.error(`\n${label} failed (exit ${r.status ?? r.signal})`);
    process.exit(r.status ?? 1);
  }
};
const bin = (name) => join(root, 'node_modules', '.bin', name);

for (const p of ['tsconfig.node.json', 'tsconfig.web.json', 'tsconfig.test.json']) {
  run(`typecheck ${p}`, bin('tsc'), ['-p', p, '--noEmit']);
}
run('lint', bin('eslint'), ['.', '--max-warnings=0']);
run('build', bin('electron-vite'), ['build'], { env: { ...process.env, ELECTRON_SKIP_BINARY_DOWNLOAD: '1' } });

const which = spawnSync('sh', ['-c', 'command -v dbus-run-session && command -v gnome-keyring-daemon'], { encoding: 'utf8' });
if (which.status !== 0) {
  console.error('dbus-run-session and gnome-keyring-daemon are needed for the keychain tests:\n' +
    '  apt-get install -y gnome-keyring dbus dbus-x11 libsecret-tools');
  process.exit(1);
}

const home = mkdtempSync(join(tmpdir(), 'atelier-test-home-'));
mkdirSync(join(root, '.tmp'), { recursive: true });
const report = join(root, '.tmp', 'vitest-report.json');
rmSync(report, { force: true });
const extra = process.argv.slice(2).map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
const inner =
  `echo -n atelier-test | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1; ` +
  `exec node '${join(root, 'node_modules/vitest/vitest.mjs')}' run --reporter=default --reporter=json --outputFile.json='${report}' ${extra}`;
console.log('\n=== vitest (private D-Bus session, throw-away HOME)');
const env = { ...process.env, HOME: home, XDG_DATA_HOME: join(home, '.local/share'), XDG_CONFIG_HOME: join(home, '.config'), XDG_RUNTIME_DIR: home };
const r = spawnSync('dbus-run-session', ['--', 'sh', '-c', inner], { stdio: 'inherit', cwd: root, env });
rmSync(home, { recursive: true, force: true });

if (existsSync(report)) {
  const j = JSON.parse(readFileSync(report, 'utf8'));
  const skipped = (j.numPendingTests ?? 0) + (j.numTodoTests ?? 0);
  console.log(`\nvitest: ${j.numPassedTests} passed, ${j.numFailedTests} failed, ${skipped} skipped`);
  if (j.numTotalTests === 0) {
    console.error('no test ran');
    process.exit(1);
  }
}
process.exit(r.status ?? 1);
