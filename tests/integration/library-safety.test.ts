/**
 * The library folder under a hostile or crashing machine (issue 9 items 6, 9, 12), on a real library folder and a
 * real SQLite file:
 * - file modes: after open + generate (sandbox) + thumbnail + backup, every folder is 0700 and every file 0600,
 *   and an existing world-readable library is tightened on open;
 * - temporary files: a real child process killed mid-write leaves a temp file that the next open sweeps, while
 *   the temp file of a writer that is still running (another process on the same library) is kept;
 * - symbolic links planted in objects/ and thumbs/ are never followed: store reads refuse them, the media file
 *   lookup gives nothing, the real web host answers 404, and the integrity check names them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, readdirSync, statSync } from 'node:fs';
import { chmod, copyFile, mkdir, readFile, rm, symlink, unlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { request } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/main/app';
import { START_ID, tempName } from '../../src/main/services/library/library-fs';
import { startWebHost } from '../../src/main/web/server';
import type { BackupReport, ImportReport, IntegrityReport } from '../../src/shared/contracts/transfer';
import { AppError } from '../../src/shared/errors';
import { GOOD_IMAGES, REPO_ROOT } from '../helpers/paths';
import { call, openTestApp, tempDir, waitFor } from '../helpers/app';
import { finished } from './transfer-helpers';

const POSIX = process.platform !== 'win32';

/** Every folder and file under `root` (root included) with its permission bits; links are listed as links. */
function walk(root: string): Array<{ path: string; kind: 'dir' | 'file' | 'link'; mode: number }> {
  const out: Array<{ path: string; kind: 'dir' | 'file' | 'link'; mode: number }> = [];
  const visit = (p: string): void => {
    const st = lstatSync(p);
    const kind = st.isSymbolicLink() ? 'link' : st.isDirectory() ? 'dir' : 'file';
    out.push({ path: p.slice(root.length) || '/', kind, mode: st.mode & 0o777 });
    if (kind === 'dir') for (const e of readdirSync(p)) visit(join(p, e));
  };
  visit(root);
  return out;
}

describe.runIf(POSIX)('file modes of the library (issue 9 item 12)', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let previousUmask: number | null = null;

  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir('atelier-modes-'));
    // The common umask: without explicit modes everything would come out 0755/0644.
    try {
      previousUmask = process.umask(0o022);
    } catch {
      previousUmask = null; // a worker thread cannot set it; the default here is 022 anyway
    }
  });
  afterEach(async () => {
    if (previousUmask !== null) process.umask(previousUmask);
    await cleanup();
  });

  it('open + generate + thumbnail + backup: every folder 0700, every file 0600', async () => {
    const lib = join(dir, 'lib');
    // logger undefined: the app makes its real log file in logs/.
    const app = await openTestApp(lib, { logger: undefined, env: { ATELIER_SANDBOX_JOB_MS: '300', ATELIER_LOG_LEVEL: 'info' } });
    let backup: BackupReport;
    try {
      const folderId = (await call(app, 'folders.create', { name: 'Modes', parentId: null })).id;
      const job = await call(app, 'jobs.submit', {
        folderId,
        provider: 'sandbox',
        model: 'gpt-image-2',
        prompt: 'a lighthouse at dusk',
        params: { number_of_images: 1, aspect_ratio: '1:1', output_format: 'png' },
        references: [],
      });
      const done = await waitFor(async () => {
        const j = await call(app, 'jobs.get', { id: job.id });
        return j.state === 'completed' ? j : null;
      }, 'job completed');
      const detail = await call(app, 'assets.get', { id: done.assetIds[0]! });
      expect(await app.dispatcher.mediaFile(detail.blob.id, 'thumb')).not.toBeNull();
      await mkdir(join(dir, 'backups'));
      const v = await call(app, 'library.backup', { targetDir: join(dir, 'backups') });
      backup = (await finished(app, v)).report as BackupReport;
      expect(backup.blobs).toBe(1);

      // While the library is open: the database's -wal and -shm are there too.
      const entries = walk(lib);
      const names = entries.map((e) => e.path);
      expect(names).toEqual(expect.arrayContaining(['/library.sqlite', '/library.sqlite-wal', '/library.sqlite-shm', '/logs/atelier.log']));
      expect(names.some((n) => n.startsWith('/objects/') && n.endsWith('.png'))).toBe(true);
      expect(names.some((n) => n.startsWith('/thumbs/') && n.endsWith('.webp'))).toBe(true);
      const wrong = entries.filter((e) => e.kind === 'link' || e.mode !== (e.kind === 'dir' ? 0o700 : 0o600));
      expect(wrong.map((e) => `${e.path} ${e.kind} ${e.mode.toString(8)}`)).toEqual([]);
    } finally {
      await app.close();
    }
    // The backup the app made is as private as the library.
    const bwrong = walk(backup.path).filter((e) => e.mode !== (e.kind === 'dir' ? 0o700 : 0o600));
    expect(bwrong.map((e) => `${e.path} ${e.kind} ${e.mode.toString(8)}`)).toEqual([]);
  });

  it('tightens an existing world-readable library when it opens', async () => {
    const lib = join(dir, 'old');
    const first = await openTestApp(lib, { logger: undefined });
    await first.close();
    // As an older Atelier left it.
    chmodSync(lib, 0o755);
    for (const f of ['library.sqlite', 'logs/atelier.log']) chmodSync(join(lib, f), 0o644);
    for (const d of ['objects', 'thumbs', 'tmp', 'logs']) chmodSync(join(lib, d), 0o755);
    const app = await openTestApp(lib, { logger: undefined });
    try {
      expect(statSync(lib).mode & 0o777).toBe(0o700);
      for (const f of ['library.sqlite', 'logs/atelier.log']) expect([f, statSync(join(lib, f)).mode & 0o777]).toEqual([f, 0o600]);
      for (const d of ['objects', 'thumbs', 'tmp', 'logs']) expect([d, statSync(join(lib, d)).mode & 0o777]).toEqual([d, 0o700]);
    } finally {
      await app.close();
    }
  });
});

/**
 * A child process that starts writing a temporary file in `tmpDir` the way the store names it (tempName, from its
 * own pid and start id), writes half of it, says `writing <name>` and waits to be killed mid-write.
 */
async function startWriter(tmpDir: string): Promise<{ proc: ChildProcess; name: string }> {
  const script = `
    import { open } from 'node:fs/promises';
    import { join } from 'node:path';
    import { tempName } from ${JSON.stringify(join(REPO_ROOT, 'src/main/services/library/library-fs.ts'))};
    const name = tempName('${'ab'.repeat(32)}');
    const fh = await open(join(process.argv[1], name), 'wx', 0o600);
    await fh.write(Buffer.alloc(64 * 1024, 1));
    await fh.sync();
    process.stdout.write('writing ' + name + '\\n');
    setInterval(() => {}, 1000);
  `;
  const proc = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, tmpDir], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stderr!.on('data', (b: Buffer) => (out += b.toString()));
  const name = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`writer did not start:\n${out}`)), 20_000);
    proc.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      const m = /writing (\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    proc.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`writer exited with ${code}:\n${out}`));
    });
  });
  return { proc, name };
}

describe('temporary files left by a killed write (issue 9 item 6)', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let writer: ChildProcess | null = null;

  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir('atelier-sweep-'));
  });
  afterEach(async () => {
    writer?.kill('SIGKILL');
    await cleanup();
  });

  it('a temp of a writer killed mid-write is gone after the next open; a live writer’s temp is kept', async () => {
    const lib = join(dir, 'lib');
    const tmp = join(lib, 'tmp');
    const first = await openTestApp(lib);
    await first.close();
    await mkdir(tmp, { recursive: true });

    const live = await startWriter(tmp);
    writer = live.proc;
    const killed = await startWriter(tmp);
    killed.proc.kill('SIGKILL');
    await new Promise((r) => (killed.proc.exitCode !== null || killed.proc.signalCode !== null ? r(null) : killed.proc.once('exit', r)));
    // This process's pid under another start id: an earlier Atelier whose pid was reused by this one.
    const reused = `${'cd'.repeat(32)}.${process.pid}-${START_ID}x.00000000-0000-4000-8000-000000000000.tmp`;
    await writeFile(join(tmp, reused), 'left by an earlier process with this pid');
    // An older Atelier's unnamed temp that is still fresh: it may be a write under way, so it stays (an hour).
    await writeFile(join(tmp, 'legacy.tmp'), 'fresh');
    expect(readdirSync(tmp).sort()).toEqual([killed.name, live.name, reused, 'legacy.tmp'].sort());

    const app = await openTestApp(lib);
    try {
      expect(readdirSync(tmp).sort()).toEqual([live.name, 'legacy.tmp'].sort());
    } finally {
      await app.close();
    }

    // Once the other writer is killed too, the next open sweeps its leftover.
    live.proc.kill('SIGKILL');
    await new Promise((r) => (live.proc.exitCode !== null || live.proc.signalCode !== null ? r(null) : live.proc.once('exit', r)));
    const again = await openTestApp(lib);
    try {
      expect(readdirSync(tmp)).toEqual(['legacy.tmp']);
    } finally {
      await again.close();
    }
  });

  it('an export sweeps the temps a killed export left in its folder, and nothing else', async () => {
    const app = await openTestApp(join(dir, 'lib'));
    try {
      const folderId = (await call(app, 'folders.create', { name: 'Out', parentId: null })).id;
      const { imported } = await importFiles(app, folderId, ['coffee.png']);
      const out = join(dir, 'out');
      await mkdir(out);
      // A real process that has ended: its pid no longer runs (pids are not reused this fast).
      const gone = spawn(process.execPath, ['-e', '']);
      await new Promise((r) => gone.once('exit', r));
      const dead = `.atelier-export.${gone.pid}-1.00000000-0000-4000-8000-000000000001.tmp`;
      const live = `.atelier-export.${process.pid}-${START_ID}.00000000-0000-4000-8000-000000000002.tmp`;
      const old = '.atelier-00000000-0000-4000-8000-000000000003.tmp';
      const users = '.atelier-notes.tmp';
      for (const f of [dead, live, old, users]) await writeFile(join(out, f), 'x');
      const hourAgo = new Date(Date.now() - 2 * 60 * 60 * 1000);
      for (const f of [old, users]) await utimes(join(out, f), hourAgo, hourAgo);
      const preset = (await call(app, 'export.presets', {})).find((p) => p.format === 'original')!;
      const v = await call(app, 'export.start', { scope: { kind: 'assets', assetIds: [imported[0]!.assetId] }, presetId: preset.id, targetDir: out });
      expect((await finished(app, v)).state).toBe('completed');
      const left = readdirSync(out).filter((f) => f.startsWith('.')).sort();
      expect(left).toEqual([live, users].sort());
    } finally {
      await app.close();
    }
  });

  it('the store names its temp files after their writer', () => {
    expect(tempName('thumb-x')).toMatch(new RegExp(`^thumb-x\\.${process.pid}-${START_ID}\\.[0-9a-f-]{36}\\.tmp$`));
  });
});

/**
 * Signs in to a web host the way its page does: the one-use `?launch=` code exchanged at `POST /api/session` for a
 * bearer secret (or, on a host that still hands out a `?token=` cookie, that cookie).
 */
async function sessionHeaders(url: string): Promise<Record<string, string>> {
  const u = new URL(url);
  const launch = u.searchParams.get('launch');
  if (launch) {
    const r = await request(`${u.origin}/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: u.origin },
      body: JSON.stringify({ launch }),
    });
    const grant = (await r.body.json()) as { token: string };
    return { authorization: `Bearer ${grant.token}` };
  }
  const entry = await request(url, { method: 'GET' });
  await entry.body.dump();
  const setCookie = entry.headers['set-cookie'];
  return { cookie: (Array.isArray(setCookie) ? setCookie : [setCookie ?? '']).map((c) => c.split(';')[0]).join('; ') };
}

/** Imports fixture files the way the web page does (push import: bytes, no path), and waits for the report. */
async function importFiles(app: App, folderId: string, names: string[]): Promise<ImportReport> {
  const task = await call(app, 'import.start', { folderId, paths: null, stackNearDuplicates: false });
  const files = await Promise.all(names.map(async (name) => ({ name, dataBase64: (await readFile(join(GOOD_IMAGES, name))).toString('base64') })));
  await call(app, 'import.addFiles', { taskId: task.id, files, total: files.length, last: true });
  return (await finished(app, task)).report as ImportReport;
}

describe('symbolic links planted in the library (issue 9 item 9)', () => {
  let dir: string;
  let lib: string;
  let cleanup: () => Promise<void>;
  let app: App;
  let report: ImportReport;

  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir('atelier-links-'));
    lib = join(dir, 'lib');
    app = await openTestApp(lib);
    const folderId = (await call(app, 'folders.create', { name: 'Links', parentId: null })).id;
    report = await importFiles(app, folderId, ['coffee.png', 'astronaut.png']);
    expect(report.imported).toHaveLength(2);
  });
  afterEach(async () => {
    await app.close();
    await cleanup();
  });

  it('an object or thumbnail replaced by a link to a file outside is refused by every reader and named by the check', async () => {
    const [a, b] = report.imported.map((i) => i.blobId) as [string, string];
    // The "secret" outside the library has the very bytes the link claims, so only the link itself gives it away.
    const outside = join(dir, 'outside');
    await mkdir(outside);
    const objectA = app.services.store.pathOf(a);
    await copyFile(objectA, join(outside, 'secret.png'));
    await unlink(objectA);
    await symlink(join(outside, 'secret.png'), objectA);
    // A thumbnail link, and a whole shard folder of thumbnails linked out.
    await mkdir(join(outside, 'thumbs'));
    await writeFile(join(outside, 'thumbs', `${b}.webp`), await readFile(join(GOOD_IMAGES, 'astronaut.png')));
    const thumbB = join(lib, 'thumbs', b.slice(0, 2), `${b}.webp`);
    await rm(thumbB, { force: true });
    await mkdir(join(lib, 'thumbs', b.slice(0, 2)), { recursive: true });
    await symlink(join(outside, 'thumbs', `${b}.webp`), thumbB);

    // Store reads refuse.
    const err = await app.services.store.read(a).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).params).toMatchObject({ reason: 'outside_library' });
    expect(() => app.services.store.checkedPathOf(a)).toThrow(/symbolic link|outside the library/);
    // The media lookup both transports use gives nothing for either link.
    expect(await app.dispatcher.mediaFile(a, 'original')).toBeNull();
    expect(await app.dispatcher.mediaFile(b, 'thumb')).toBeNull();
    expect(await app.dispatcher.mediaFile(b, 'original')).not.toBeNull();

    // The real web host over loopback: 404 for the links, 200 for a real file.
    const renderer = join(dir, 'renderer');
    await mkdir(renderer);
    await writeFile(join(renderer, 'index.html'), '<!doctype html><title>Atelier</title>');
    const host = await startWebHost({ dispatcher: app.dispatcher, rendererDir: renderer, port: 0, logLevel: 'silent' });
    try {
      const headers = await sessionHeaders(host.url);
      const media = async (id: string, variant: string) => {
        const r = await request(`${host.origin}/media/${id}/${variant}`, { headers });
        const body = Buffer.from(await r.body.arrayBuffer());
        return { status: r.statusCode, body };
      };
      const good = await media(b, 'original');
      expect(good.status).toBe(200);
      expect((await media(a, 'original')).status).toBe(404);
      expect((await media(b, 'thumb')).status).toBe(404);
    } finally {
      await host.close();
    }

    // The integrity check names both links and does not call the linked object a size or hash mismatch.
    const v = await call(app, 'library.checkIntegrity', { repair: false, verifyHashes: true });
    const r = (await finished(app, v)).report as IntegrityReport;
    expect(r.problems.map((p) => [p.problem, p.path]).sort()).toEqual(
      [
        ['symlink', `objects/${a.slice(0, 2)}/${a}.png`],
        ['symlink', `thumbs/${b.slice(0, 2)}/${b}.webp`],
      ].sort(),
    );
    // Repair moves the links themselves (never their targets) to lost+found.
    const fixed = (await finished(app, await call(app, 'library.checkIntegrity', { repair: true, verifyHashes: true }))).report as IntegrityReport;
    expect(fixed.problems.filter((p) => p.problem === 'symlink').map((p) => p.action)).toEqual(['moved_to_lost_found', 'moved_to_lost_found']);
    expect(existsSync(join(outside, 'secret.png'))).toBe(true);
    expect(lstatSync(join(lib, 'lost+found', `${a}.png.symlink`)).isSymbolicLink()).toBe(true);
  });

  it('a linked shard folder in objects/ is refused too', async () => {
    const [a] = report.imported.map((i) => i.blobId) as [string];
    const shard = join(lib, 'objects', a.slice(0, 2));
    const moved = join(dir, 'elsewhere');
    await copyFile(app.services.store.pathOf(a), join(dir, 'copy.bin'));
    await mkdir(moved);
    await copyFile(join(dir, 'copy.bin'), join(moved, `${a}.png`));
    await rm(shard, { recursive: true, force: true });
    await symlink(moved, shard);
    await chmod(moved, 0o700);
    await expect(app.services.store.read(a)).rejects.toMatchObject({ params: { reason: 'outside_library' } });
    expect(await app.dispatcher.mediaFile(a, 'original')).toBeNull();
    const r = (await finished(app, await call(app, 'library.checkIntegrity', { repair: false, verifyHashes: false }))).report as IntegrityReport;
    expect(r.problems).toContainEqual({ problem: 'symlink', blobId: null, path: `objects/${a.slice(0, 2)}`, action: null });
  });
});
