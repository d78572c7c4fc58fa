#!/usr/bin/env node
/**
 * `npm test`: typecheck every tsconfig project, lint, build the app, then run every vitest project (unit,
 * integration, e2e) through scripts/vitest-session.mjs (a private D-Bus session with an unlocked gnome-keyring and a
 * throw-away HOME). Arguments are passed on to vitest. Prints a closing line `vitest: N passed, N failed, N skipped`.
 */
import { spawnSync } from 'node:child_process';
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

const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  console.error(`Atelier's tests run on Node 24 (the Node inside Electron 45); this is Node ${process.versions.node}.`);
  process.exit(1);
}
for (const p of ['tsconfig.node.json', 'tsconfig.web.json', 'tsconfig.test.json']) {
  run(`typecheck ${p}`, bin('tsc'), ['-p', p, '--noEmit']);
}
run('lint', bin('eslint'), ['.', '--max-warnings=0']);
run('build', bin('electron-vite'), ['build'], { env: { ...process.env, ELECTRON_SKIP_BINARY_DOWNLOAD: '1' } });
const r = spawnSync(process.execPath, [join(root, 'scripts/vitest-session.mjs'), ...process.argv.slice(2)], { stdio: 'inherit', cwd: root });
process.exit(r.status ?? 1);
