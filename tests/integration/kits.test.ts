/**
 * Reference kits (issue 13) on a real library with the sandbox: a kit made from staged files and one made from
 * gallery images, listed by name with their images ready to stage; "used in N generations" counts the jobs whose
 * references include every image of the kit (a job with only part of it does not count) and kits.images opens what
 * they made; rename, delete (the images stay), bad input refused with nothing created; an emptied trash keeps the
 * files a kit refers to, and a kit deleted after that takes the files nothing else refers to with it (file and
 * `blobs` row), in either order of deleting the kit and emptying the trash, never a file still used.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/main/app';
import { GOOD_IMAGES } from '../helpers/paths';
import { call, callError, openTestApp, tempDir, waitFor } from '../helpers/app';

describe('reference kits', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let app: App;
  let folderId: string;

  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir('atelier-kits-'));
    app = await openTestApp(dir);
    folderId = (await call(app, 'folders.create', { name: 'Brand', parentId: null })).id;
  });
  afterAll(async () => {
    await app?.close();
    await cleanup?.();
  });

  const stage = async (name: string) => {
    const s = await call(app, 'references.stage', {
      source: { name, dataBase64: (await readFile(join(GOOD_IMAGES, name))).toString('base64') },
      provider: 'sandbox',
      model: 'gpt-image-2',
    });
    return { blobId: s.id, name: s.name };
  };
  const generate = async (prompt: string, references: { blobId: string; name: string }[]) => {
    const job = await call(app, 'jobs.submit', { folderId, provider: 'sandbox', model: 'gpt-image-2', prompt, params: {}, references });
    return waitFor(async () => {
      const j = await call(app, 'jobs.get', { id: job.id });
      return j.state === 'completed' ? j : null;
    }, prompt);
  };

  it('a kit from files counts the generations that used all of it, and opens their images', async () => {
    const astronaut = await stage('astronaut.png');
    const chelsea = await stage('chelsea.png');
    const kit = await call(app, 'kits.create', { name: '  Mascot ', items: [astronaut, chelsea, astronaut] });
    expect(kit.name).toBe('Mascot');
    expect(kit.items.map((i) => [i.id, i.name])).toEqual([
      [astronaut.blobId, 'astronaut.png'],
      [chelsea.blobId, 'chelsea.png'],
    ]);
    expect(kit.items[0]!.mime).toBe('image/png');
    expect(kit.usedIn).toBe(0);

    const both = await generate('the mascot waving', [chelsea, astronaut]);
    await generate('only the astronaut', [astronaut]); // part of the kit: not a use
    const plus = await generate('the mascot and a third image', [astronaut, chelsea, await stage('coffee.png')]);
    const [listed] = await call(app, 'kits.list', {});
    expect(listed).toMatchObject({ id: kit.id, usedIn: 2 });
    const images = await call(app, 'kits.images', { id: kit.id });
    expect(images.map((i) => i.assetId).sort()).toEqual([...both.assetIds, ...plus.assetIds].sort());
    expect(images.every((i) => i.prompt !== 'only the astronaut')).toBe(true);

    // A trashed image is not listed; the count is of generations.
    await call(app, 'assets.trash', { ids: [both.assetIds[0]!] });
    expect((await call(app, 'kits.images', { id: kit.id })).map((i) => i.assetId)).toEqual(plus.assetIds);
    expect((await call(app, 'kits.list', {}))[0]!.usedIn).toBe(2);
  });

  it('a kit from gallery images; rename and delete; bad input changes nothing', async () => {
    const made = await generate('a red logo', []);
    await call(app, 'assets.update', { ids: made.assetIds, patch: { title: 'Logo, red' } });
    const kit = await call(app, 'kits.create', { name: 'Logo', assetIds: made.assetIds });
    expect(kit.items).toHaveLength(1);
    expect(kit.items[0]!.name).toMatch(/^Logo, red\.(png|webp|jpg)$/);
    expect((await call(app, 'kits.list', {})).map((k) => k.name)).toEqual(['Logo', 'Mascot']);

    expect(await callError(app, 'kits.create', { name: ' ', assetIds: made.assetIds })).toMatchObject({ code: 'validation', params: { field: 'name' } });
    expect(await callError(app, 'kits.create', { name: 'Empty' })).toMatchObject({ code: 'validation', params: { field: 'items', reason: 'empty' } });
    expect((await callError(app, 'kits.create', { name: 'Ghost', assetIds: ['00000000-0000-4000-8000-000000000000'] })).code).toBe('not_found');
    expect(await call(app, 'kits.list', {})).toHaveLength(2);

    const renamed = await call(app, 'kits.rename', { id: kit.id, name: 'Logo (2026)' });
    expect(renamed.name).toBe('Logo (2026)');
    expect((await callError(app, 'kits.rename', { id: kit.id, name: '' })).code).toBe('validation');

    // The kit's image, trashed and the trash emptied: the kit keeps its file.
    await call(app, 'assets.trash', { ids: made.assetIds });
    await call(app, 'trash.empty', {});
    const kept = (await call(app, 'kits.list', {})).find((k) => k.id === kit.id)!;
    expect(await app.services.store.read(kept.items[0]!.id)).toBeInstanceOf(Buffer);
    // …and the kit still works as references: a generation with it completes and counts as its use.
    await generate('the logo on a cap', kept.items.map((i) => ({ blobId: i.id, name: i.name })));
    expect((await call(app, 'kits.list', {})).find((k) => k.id === kit.id)!.usedIn).toBe(1);

    await call(app, 'kits.delete', { id: kit.id });
    expect((await call(app, 'kits.list', {})).map((k) => k.name)).toEqual(['Mascot']);
    expect((await callError(app, 'kits.delete', { id: kit.id })).code).toBe('not_found');
  });

  /** The stored original of a blob: whether its file is in objects/ and its row in `blobs`. */
  const stored = (blobId: string) => {
    const row = app.services.db.prepare('SELECT ext FROM blobs WHERE id = ?').get(blobId) as { ext: string } | undefined;
    const onDisk = ['png', 'jpg', 'webp'].some((ext) => existsSync(join(dir, 'objects', blobId.slice(0, 2), `${blobId}.${ext}`)));
    return { row: row !== undefined, onDisk };
  };

  it("a kit deleted after the trash was emptied takes its image's file with it, unless something else still holds it", async () => {
    // Two kits hold one image; the image is trashed and the trash emptied; the kits go one after the other.
    const shared = (await generate('a shared mark', [])).assetIds;
    const sharedBlob = (await call(app, 'kits.create', { name: 'Shared A', assetIds: shared })).items[0]!.id;
    const second = await call(app, 'kits.create', { name: 'Shared B', assetIds: shared });
    const first = (await call(app, 'kits.list', {})).find((k) => k.name === 'Shared A')!;
    await call(app, 'assets.trash', { ids: shared });
    await call(app, 'trash.empty', {});
    expect(stored(sharedBlob)).toEqual({ row: true, onDisk: true });
    await call(app, 'kits.delete', { id: first.id });
    expect(stored(sharedBlob)).toEqual({ row: true, onDisk: true }); // the other kit still holds it
    await call(app, 'kits.delete', { id: second.id });
    expect(stored(sharedBlob)).toEqual({ row: false, onDisk: false });

    // The other order: the kit goes while its image is in the trash (kept), then the trash is emptied (gone).
    const other = (await generate('a second mark', [])).assetIds;
    const otherKit = await call(app, 'kits.create', { name: 'Other', assetIds: other });
    const otherBlob = otherKit.items[0]!.id;
    await call(app, 'assets.trash', { ids: other });
    await call(app, 'kits.delete', { id: otherKit.id });
    expect(stored(otherBlob)).toEqual({ row: true, onDisk: true }); // the trashed image still holds it
    await call(app, 'trash.empty', {});
    expect(stored(otherBlob)).toEqual({ row: false, onDisk: false });

    // A kit of staged files, one of them a job's reference: the job's stays, the unused one goes with the kit.
    const used = await stage('rocket.jpg');
    const unused = await stage('motorcycle_left.png');
    const live0 = (await generate('a version root', [])).assetIds[0]!;
    const sharedBlobOf = (assetId: string) => (app.services.db.prepare('SELECT blob_id FROM assets WHERE id = ?').pluck().get(assetId) as string);
    const filesKit = await call(app, 'kits.create', { name: 'Files', items: [used, unused] });
    await generate('a cup', [used]);
    await call(app, 'kits.delete', { id: filesKit.id });
    expect(stored(used.blobId)).toEqual({ row: true, onDisk: true });
    expect(stored(unused.blobId)).toEqual({ row: false, onDisk: false });
    // A file an edit step took as a further input (a version's `inputs`, JSON) stays when the kit goes.
    const input = await stage('hubble_deep_field.jpg');
    const inputKit = await call(app, 'kits.create', { name: 'Input', items: [input] });
    const db = app.services.db;
    db.prepare("INSERT INTO chains (id, created_at) VALUES ('chain-k', 0)").run();
    db.prepare("INSERT INTO versions (id, chain_id, blob_id, method, inputs, created_at) VALUES ('version-k', 'chain-k', ?, 'root', ?, 0)").run(
      sharedBlobOf(live0),
      JSON.stringify([{ blobId: input.blobId, name: input.name, assetId: null }]),
    );
    await call(app, 'kits.delete', { id: inputKit.id });
    expect(stored(input.blobId)).toEqual({ row: true, onDisk: true });
    // A library image's blob is never taken by a kit's deletion.
    const live = (await generate('a live image', [])).assetIds;
    const liveKit = await call(app, 'kits.create', { name: 'Live', assetIds: live });
    await call(app, 'kits.delete', { id: liveKit.id });
    expect(stored(liveKit.items[0]!.id)).toEqual({ row: true, onDisk: true });
  });
});
