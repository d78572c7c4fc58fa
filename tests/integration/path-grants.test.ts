/**
 * Issue 9, item 13: in the desktop window the main process accepts only paths the user chose in this session (a
 * native dialog or a drop), as opaque tokens (src/main/path-grants.ts). The Electron runtime cannot run here, so
 * the IPC side is tested through its electron-free seam (src/main/ipc-dispatch.ts: what `ipcMain.handle` runs once
 * the sender is the app's page) over a real app (SQLite file, blob store, import/export/backup tasks).
 */
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/main/app';
import { dispatchIpcCall, grantDroppedPath } from '../../src/main/ipc-dispatch';
import { PATH_TOKEN_RE, PathGrants } from '../../src/main/path-grants';
import type { CallName, CallResult } from '../../src/shared/contract';
import type { TaskView } from '../../src/shared/contracts/transfer';
import { AppError } from '../../src/shared/errors';
import { call, callError, openTestApp, tempDir } from '../helpers/app';
import { GOOD_IMAGES } from '../helpers/paths';
import { finishedViaCalls } from './transfer-helpers';

describe('PathGrants', () => {
  it('a granted path resolves by its token; the same path keeps its token', () => {
    const g = new PathGrants();
    const token = g.grant('/home/u/Pictures/cat.png');
    expect(token).toMatch(PATH_TOKEN_RE);
    expect(token).not.toContain('cat');
    expect(g.resolve(token)).toBe('/home/u/Pictures/cat.png');
    expect(g.grant('/home/u/Pictures/cat.png')).toBe(token);
    expect(g.grant('/home/u/Pictures/dog.png')).not.toBe(token);
  });

  it('refuses an unknown or forged token, a raw path, and another registry’s token, naming the field', () => {
    const g = new PathGrants();
    const other = new PathGrants().grant('/etc');
    const forged = `pg_${'A'.repeat(43)}`;
    for (const bad of [forged, '/etc/passwd', '', 'pg_', other, `${g.grant('/tmp')}x`]) {
      let err: unknown;
      try {
        g.resolve(bad, 'targetDir');
      } catch (e) {
        err = e;
      }
      expect(err, bad).toBeInstanceOf(AppError);
      expect((err as AppError).code).toBe('forbidden');
      expect((err as AppError).params).toEqual({ field: 'targetDir', reason: 'not_granted' });
      // The message never echoes what was given (it may be a path being probed).
      if (bad) expect((err as AppError).message).not.toContain(bad);
    }
  });

  it('grants only absolute paths', () => {
    const g = new PathGrants();
    expect(() => g.grant('relative/x.png')).toThrow(AppError);
    expect(() => g.grant('')).toThrow(AppError);
    expect(g.size).toBe(0);
  });
});

describe('the Electron IPC dispatch path', () => {
  let app: App;
  let dir: string;
  let cleanup: () => Promise<void>;
  let folderId: string;
  let picked: string | null;

  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir('atelier-grants-'));
    picked = null;
    // The desktop shell's folder picker, as src/main/index.ts gives it (a native dialog there).
    app = await openTestApp(join(dir, 'lib'), { shell: { pickFolder: async () => picked } });
    folderId = (await call(app, 'folders.create', { name: 'P', parentId: null })).id;
  });
  afterEach(async () => {
    await app.close();
    await cleanup();
  });

  const ipc = async (name: CallName, input: unknown): Promise<CallResult<unknown>> => dispatchIpcCall(app.dispatcher, name, input);
  const ipcError = async (name: CallName, input: unknown): Promise<AppError> => {
    const r = await ipc(name, input);
    if (r.ok) throw new Error(`${name} succeeded but was expected to be refused`);
    return AppError.fromShape(r.error);
  };
  const ipcOk = async <T>(name: CallName, input: unknown): Promise<T> => {
    const r = await ipc(name, input);
    if (!r.ok) throw AppError.fromShape(r.error);
    return r.value as T;
  };
  const counts = () =>
    app.services.db.prepare('SELECT (SELECT count(*) FROM blobs) AS blobs, (SELECT count(*) FROM assets) AS assets').get() as { blobs: number; assets: number };

  it('refuses a raw path for every call that takes one, names the field, and does nothing', async () => {
    const out = join(dir, 'out');
    await mkdir(out);
    const image = join(GOOD_IMAGES, 'rocket.jpg');
    const refusals: Array<[CallName, unknown, string]> = [
      ['references.stage', { source: { path: image }, provider: 'sandbox', model: 'gpt-image-2' }, 'source.path'],
      ['import.start', { folderId, paths: [GOOD_IMAGES] }, 'paths.0'],
      ['export.checkTarget', { path: out }, 'path'],
      ['export.start', { scope: { kind: 'folder', folderId }, presetId: 'preset-jpeg-recipe', targetDir: out }, 'targetDir'],
      ['library.backup', { targetDir: out }, 'targetDir'],
    ];
    for (const [name, input, field] of refusals) {
      const err = await ipcError(name, input);
      expect(err.code, name).toBe('forbidden');
      expect(err.params, name).toMatchObject({ field, reason: 'not_granted' });
    }
    expect(counts()).toEqual({ blobs: 0, assets: 0 });
    expect(app.services.transfer.tasks.list()).toEqual([]);
    expect(await readdir(out)).toEqual([]);
  });

  it('accepts the token of a dropped file and of a folder picked in the dialog', async () => {
    // A drop: the preload reads the File's path and asks main to grant it; the page only gets the token.
    const token = grantDroppedPath(app.services.grants, join(GOOD_IMAGES, 'rocket.jpg'));
    expect(token).toMatch(PATH_TOKEN_RE);
    expect(grantDroppedPath(app.services.grants, '')).toBe(''); // a File the page made has no path
    expect(() => grantDroppedPath(app.services.grants, 42)).toThrow();
    const staged = await ipcOk<{ name: string; bytes: number }>('references.stage', { source: { path: token }, provider: 'sandbox', model: 'gpt-image-2' });
    expect(staged.name).toBe('rocket.jpg');
    expect(staged.bytes).toBe((await readFile(join(GOOD_IMAGES, 'rocket.jpg'))).length);

    const folderToken = grantDroppedPath(app.services.grants, GOOD_IMAGES);
    const task = await ipcOk<TaskView>('import.start', { folderId, paths: [folderToken] });
    const done = await finishedViaCalls(app, task.id);
    expect(done.state).toBe('completed');
    expect(done.report?.kind === 'import' && done.report.imported.length).toBeGreaterThan(0);

    // The export/backup folder picker: main grants what the dialog returned; the page shows `path`, sends `token`.
    const out = join(dir, 'out');
    await mkdir(out);
    picked = out;
    const pick = await ipcOk<{ path: string; token: string }>('export.pickTarget', {});
    expect(pick.path).toBe(out);
    expect(pick.token).toMatch(PATH_TOKEN_RE);
    expect(await ipcOk('export.checkTarget', { path: pick.token })).toEqual({ path: pick.token });
    const exp = await ipcOk<TaskView>('export.start', { scope: { kind: 'folder', folderId }, presetId: 'preset-jpeg-recipe', targetDir: pick.token });
    expect((await finishedViaCalls(app, exp.id)).state).toBe('completed');
    expect((await readdir(out)).length).toBeGreaterThan(0);
    const backup = await ipcOk<TaskView>('library.backup', { targetDir: pick.token });
    const backedUp = await finishedViaCalls(app, backup.id);
    expect(backedUp.state).toBe('completed');

    picked = null;
    expect(await ipcOk('export.pickTarget', {})).toEqual({ path: null, token: null });
  });

  it('a token does not survive a restart', async () => {
    const token = grantDroppedPath(app.services.grants, join(GOOD_IMAGES, 'rocket.jpg'));
    await app.close();
    app = await openTestApp(join(dir, 'lib'));
    const err = await ipcError('references.stage', { source: { path: token }, provider: 'sandbox', model: 'gpt-image-2' });
    expect(err.code).toBe('forbidden');
    expect(counts().blobs).toBe(0);
  });

  it('the web host keeps its own model: typed export/backup folders, bytes instead of paths', async () => {
    const out = join(dir, 'typed');
    await mkdir(out);
    expect(await call(app, 'export.checkTarget', { path: out })).toEqual({ path: out });
    const task = await call(app, 'library.backup', { targetDir: out });
    expect((await finishedViaCalls(app, task.id)).state).toBe('completed');
    // A token means nothing there (it is not a folder), and paths for files stay refused.
    const token = grantDroppedPath(app.services.grants, out);
    expect((await callError(app, 'export.checkTarget', { path: token })).code).toBe('validation');
    expect((await callError(app, 'import.start', { folderId, paths: [GOOD_IMAGES] })).params).toMatchObject({ reason: 'path_not_allowed' });
    expect((await callError(app, 'export.pickTarget', {})).params).toMatchObject({ reason: 'picker_unavailable' });
  });
});
