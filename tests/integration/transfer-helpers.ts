/** Shared pieces of the transfer tests: fixture folders, waiting for tasks, a tiny tmpfs for "disk full". */
import { spawnSync } from 'node:child_process';
import { copyFile, mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll } from 'vitest';
import type { App } from '../../src/main/app';
import type { TaskView } from '../../src/shared/contracts/transfer';
import { BAD_FILES, GOOD_IMAGES } from '../helpers/paths';
import { call, openTestApp, tempDir, waitFor } from '../helpers/app';

/** `<dir>/shoot/` with the six good fixtures and `<dir>/shoot/bad/` with the seven bad ones. */
export async function fixtureFolder(dir: string): Promise<string> {
  const root = join(dir, 'shoot');
  await mkdir(join(root, 'bad'), { recursive: true });
  for (const f of await readdir(GOOD_IMAGES)) await copyFile(join(GOOD_IMAGES, f), join(root, f));
  for (const f of await readdir(BAD_FILES)) await copyFile(join(BAD_FILES, f), join(root, 'bad', f));
  return root;
}

/**
 * Two libraries for a round trip (export from `a`, import into the fresh `b`), registered on the enclosing
 * `describe`: `beforeAll` makes a temp folder named with `prefix` and opens libraries in `<dir>/a` and `<dir>/b`;
 * `afterAll` closes both and removes the folder, which the test may also use for its files. Reading a getter
 * before `beforeAll` has run throws an Error naming it.
 */
export function useTwoLibraries(prefix: string): { readonly dir: string; readonly a: App; readonly b: App } {
  let dir: string | undefined;
  let cleanup: (() => Promise<void>) | undefined;
  let a: App | undefined;
  let b: App | undefined;
  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir(prefix));
    a = await openTestApp(join(dir, 'a'));
    b = await openTestApp(join(dir, 'b'));
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await cleanup?.();
  });
  const need = <T>(name: string, v: T | undefined): T => {
    if (v === undefined) throw new Error(`useTwoLibraries: ${name} is not ready (read it inside a test or hook, after beforeAll)`);
    return v;
  };
  return {
    get dir() {
      return need('dir', dir);
    },
    get a() {
      return need('a', a);
    },
    get b() {
      return need('b', b);
    },
  };
}

/** Waits for a task to end and returns its final view. */
export async function finished(app: App, view: TaskView): Promise<TaskView> {
  return app.services.transfer.tasks.wait(view.id);
}

/** Waits for a task through the contract (as the renderer would, polling `tasks.get`). */
export async function finishedViaCalls(app: App, id: string): Promise<TaskView> {
  return waitFor(async () => {
    const v = await call(app, 'tasks.get', { id });
    return v.state === 'running' ? null : v;
  }, `task ${id}`);
}

/** `n` distinct noise images (PNG, `size`×`size` px): incompressible, so they fill a disk fast. */
export async function noiseImages(dir: string, n: number, size = 256, seed = 1): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const out: string[] = [];
  let x = seed * 2654435761;
  for (let i = 0; i < n; i++) {
    const raw = Buffer.alloc(size * size * 3);
    for (let j = 0; j < raw.length; j++) {
      x = (x * 1103515245 + 12345) >>> 0;
      raw[j] = x >>> 24;
    }
    const file = join(dir, `noise-${String(i).padStart(3, '0')}.png`);
    await sharp(raw, { raw: { width: size, height: size, channels: 3 } }).png({ compressionLevel: 0 }).toFile(file);
    out.push(file);
  }
  return out;
}

/** Mounts a tmpfs of `size` (e.g. `2m`) at `dir`; returns the unmount function, or null where mounting is not allowed. */
export function mountTmpfs(dir: string, size: string): (() => void) | null {
  if (process.getuid?.() !== 0) return null;
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir]);
  if (r.status !== 0) return null;
  return () => {
    spawnSync('umount', ['-l', dir]);
  };
}

/** Every file under `dir` (relative paths, `/`-separated), sorted. */
export async function listTree(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string, prefix: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      if (e.isDirectory()) await walk(join(d, e.name), `${prefix}${e.name}/`);
      else out.push(`${prefix}${e.name}`);
    }
  };
  await walk(dir, '');
  return out.sort();
}
