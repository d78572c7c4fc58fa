/**
 * The service host and its client (src/main/service-host.ts, service-client.ts) over a real MessageChannel, the
 * structured-clone channel a Worker and a utilityProcess give them, on a real library: calls and their envelopes,
 * calls from JSON text, events, media files opened through the library's containment check, path grants,
 * drag-out files, the shell's folder picker answered for the host, and closing.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectServiceHost, type ServiceClient } from '../../src/main/service-client';
import { runServiceHost } from '../../src/main/service-host';
import type { FromHost, ToHost } from '../../src/main/service-protocol';
import type { AnyEvent, CallContext } from '../../src/shared/contract';
import type { TaskView } from '../../src/shared/contracts/transfer';
import { GOOD_IMAGES } from '../helpers/paths';

const web: CallContext = { transport: 'web' };
let dir: string;
let client: ServiceClient;
let hostClosed = false;
let port1: MessagePort | undefined;
let port2: MessagePort | undefined;
const picks: number[] = [];

async function value<T>(name: string, input: unknown): Promise<T> {
  const r = await client.call(name, input, web);
  if (!r.ok) throw new Error(`${name}: ${r.error.message}`);
  return r.value as T;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'atelier-service-host-'));
  const channel = new MessageChannel();
  port1 = channel.port1;
  port2 = channel.port2;
  const clientEnd = channel.port2;
  const hostEnd = channel.port1;
  runServiceHost(
    { post: (m: FromHost) => hostEnd.postMessage(m), onMessage: (l) => hostEnd.on('message', (m: ToHost) => l(m)) },
    () => (hostClosed = true),
  );
  client = connectServiceHost(
    { post: (m: ToHost) => clientEnd.postMessage(m), onMessage: (l) => clientEnd.on('message', (m: FromHost) => l(m)) },
    {
      init: { dataDir: join(dir, 'library'), env: { ATELIER_KEYCHAIN_SERVICE: `atelier-test-${process.pid}` }, shell: true },
      pickFolder: async () => {
        picks.push(1);
        return null;
      },
    },
  );
  await client.ready;
});

afterAll(() => {
  port1?.close();
  port2?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('service host over a message channel', () => {
  it('answers calls with the contract envelope, validated in the host', async () => {
    const info = await client.call('app.info', {}, web);
    expect(info.ok).toBe(true);
    const bad = await client.call('folders.create', { name: 'x' }, web);
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.error.code).toBe('validation');
    const unknown = await client.call('no.such.call', {}, web);
    expect(!unknown.ok && unknown.error.code).toBe('not_found');
  });

  it('runs a call from its JSON text, and answers null for text that is not JSON', async () => {
    expect(await client.callJson('folders.create', '{"name":', web)).toBeNull();
    const r = await client.callJson('folders.create', JSON.stringify({ name: 'From JSON', parentId: null }), web);
    expect(r?.ok).toBe(true);
  });

  it('forwards events, and stops after unsubscribe', async () => {
    const seen: AnyEvent[] = [];
    const off = client.subscribe((e) => seen.push(e));
    await value('folders.create', { name: 'Evented', parentId: null });
    await new Promise((r) => setTimeout(r, 20));
    expect(seen.some((e) => e.name === 'folders.changed')).toBe(true);
    off();
    const n = seen.length;
    await value('folders.create', { name: 'Unheard', parentId: null });
    await new Promise((r) => setTimeout(r, 20));
    expect(seen.length).toBe(n);
  });

  it('resolves media files and drag-out files inside the library, and nothing for an unknown id', async () => {
    const folder = await value<{ id: string }>('folders.create', { name: 'Photos', parentId: null });
    const bytes = readFileSync(join(GOOD_IMAGES, 'rocket.jpg'));
    const task = await value<TaskView>('import.start', { folderId: folder.id, paths: null });
    await value<TaskView>('import.addFiles', { taskId: task.id, files: [{ name: 'rocket.jpg', dataBase64: bytes.toString('base64') }], total: 1, last: true });
    let t = task;
    while (t.state === 'running') t = await value<TaskView>('tasks.get', { id: task.id });
    expect(t.state).toBe('completed');
    const page = await value<{ items: { blob: { id: string } }[] }>('assets.query', { scope: { kind: 'folder', folderId: folder.id } });
    const blobId = page.items[0]!.blob.id;

    const original = await client.mediaFile(blobId, 'original');
    expect(original?.mime).toBe('image/jpeg');
    const fh = await original!.open!();
    try {
      expect(Buffer.compare(await fh.readFile(), bytes)).toBe(0);
    } finally {
      await fh.close();
    }
    const thumb = await client.mediaFile(blobId, 'thumb');
    expect(thumb?.mime).toBe('image/webp');
    expect(thumb!.path.startsWith(join(dir, 'library', 'thumbs'))).toBe(true);
    expect(await client.mediaFile('0'.repeat(64), 'original')).toBeNull();

    const drag = await client.dragFile(blobId);
    expect(drag).toEqual({ path: original!.path, mime: 'image/jpeg' });
    expect(await client.dragFile('0'.repeat(64))).toBeNull();
  });

  it('grants paths in the host registry and refuses what is not a path', async () => {
    const token = await client.grant(join(dir, 'picked'));
    expect(token).toMatch(/\S/);
    expect(token).not.toContain(dir);
    await expect(client.grant(42)).rejects.toThrow(/not a path/);
  });

  it('asks the transport for the folder picker when the host needs it', async () => {
    const r = await client.call('export.pickTarget', {}, { transport: 'electron' });
    // The picker (closed by the user here) was the transport's, asked once.
    expect(r).toEqual({ ok: true, value: { path: null, token: null } });
    expect(picks.length).toBe(1);
  });

  it('closes the services and then answers that the library is not open', async () => {
    await client.close();
    expect(hostClosed).toBe(true);
    const after = await client.call('app.info', {}, web);
    expect(!after.ok && after.error.code).toBe('internal');
  });
});
