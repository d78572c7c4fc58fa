/**
 * BlobStore on a real SQLite file and a real data folder (fresh temp folder per test): content addressing,
 * idempotence, nothing left behind by a refused file, concurrent puts, thumbnails as a rebuildable cache.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../src/main/services/library/db';
import { DEFAULT_MAX_PIXELS } from '../../src/main/services/library/inspect';
import { BlobStore, THUMBNAIL_SIZE } from '../../src/main/services/library/store';

import { FIXTURES } from '../helpers/paths';
const image = (name: string): Buffer => readFileSync(join(FIXTURES, 'images', name));
const bad = (name: string): Buffer => readFileSync(join(FIXTURES, 'bad', name));
const LIMITS = { maxBytes: 50 * 1024 * 1024, maxPixels: DEFAULT_MAX_PIXELS };
const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

let dir: string;
let dataDir: string;
let db: Db;
let clock: number;
let store: BlobStore;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'atelier-store-'));
  dataDir = join(dir, 'data');
  db = openDatabase(join(dir, 'library.sqlite'));
  clock = 1_700_000_000_000;
  store = new BlobStore({ db, dataDir, now: () => clock });
});
afterEach(async () => {
  db.close();
  await rm(dir, { recursive: true, force: true });
});

/** Every file under `sub` of the data folder, relative paths. */
async function filesUnder(sub: string): Promise<string[]> {
  const root = join(dataDir, sub);
  if (!existsSync(root)) return [];
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name).slice(root.length + 1));
}

// The columns this store writes (later migrations add others, e.g. dhash, filled by their own services).
const blobRows = (): unknown[] => db.prepare('SELECT id, ext, mime, width, height, bytes, created_at FROM blobs ORDER BY id').all();

describe('BlobStore.put', () => {
  it('writes the bytes at their content address and records the blob', async () => {
    const bytes = image('rocket.jpg');
    const id = sha256(bytes);
    const info = await store.put(bytes, 'rocket.jpg', LIMITS);

    expect(info).toEqual({ id, mime: 'image/jpeg', width: 640, height: 427, bytes: bytes.length });
    const path = join(dataDir, 'objects', id.slice(0, 2), `${id}.jpg`);
    expect(store.pathOf(id)).toBe(path);
    expect(Buffer.compare(await readFile(path), bytes)).toBe(0);
    expect(await store.read(id)).toEqual(bytes);
    expect(store.get(id)).toEqual(info);
    expect(store.exists(id)).toBe(true);
    expect(blobRows()).toEqual([
      { id, ext: 'jpg', mime: 'image/jpeg', width: 640, height: 427, bytes: bytes.length, created_at: clock },
    ]);
    expect(await filesUnder('tmp')).toEqual([]);
  });

  it('stores every real photo with its extension', async () => {
    for (const name of ['astronaut.png', 'chelsea.png', 'hubble_deep_field.jpg']) {
      const info = await store.put(image(name), name, LIMITS);
      expect(store.pathOf(info.id).endsWith(name.endsWith('.png') ? '.png' : '.jpg')).toBe(true);
    }
    expect(await filesUnder('objects')).toHaveLength(3);
  });

  it('is idempotent: the same bytes twice give one file and one row, first created_at kept', async () => {
    const bytes = image('chelsea.png');
    const first = await store.put(bytes, 'chelsea.png', LIMITS);
    const path = store.pathOf(first.id);
    const mtime = (await stat(path)).mtimeMs;
    clock += 60_000;
    const second = await store.put(Buffer.from(bytes), 'another-name.png', LIMITS);

    expect(second).toEqual(first);
    expect(await filesUnder('objects')).toEqual([join(first.id.slice(0, 2), `${first.id}.png`)]);
    expect(blobRows()).toHaveLength(1);
    expect(db.prepare('SELECT created_at FROM blobs').get()).toEqual({ created_at: clock - 60_000 });
    expect((await stat(path)).mtimeMs).toBe(mtime); // never rewritten
  });

  it('a refused file leaves no file in objects/ or tmp/ and no row', async () => {
    for (const name of [
      'truncated.jpg',
      'no_time_for_that_tiny.gif',
      'bomb_30000x30000.png',
      'bad_crc.png',
      'not_an_image.png',
      'empty.png',
      'script.svg',
    ]) {
      await expect(store.put(bad(name), name, LIMITS), name).rejects.toMatchObject({
        code: 'bad_file',
        params: { name },
      });
    }
    await expect(store.put(image('rocket.jpg'), 'rocket.jpg', { ...LIMITS, maxBytes: 1000 })).rejects.toMatchObject({
      params: { reason: 'too_large' },
    });
    expect(await filesUnder('objects')).toEqual([]);
    expect(await filesUnder('tmp')).toEqual([]);
    expect(blobRows()).toEqual([]);
  });

  it('concurrent puts of the same bytes give one file and one row', async () => {
    const bytes = image('coffee.png');
    const other = new BlobStore({ db, dataDir, now: () => clock }); // a second writer on the same library
    const results = await Promise.all([
      ...Array.from({ length: 6 }, (_, i) => store.put(Buffer.from(bytes), `c${i}.png`, LIMITS)),
      ...Array.from({ length: 6 }, (_, i) => other.put(Buffer.from(bytes), `d${i}.png`, LIMITS)),
    ]);
    const id = sha256(bytes);
    for (const r of results) expect(r).toEqual({ id, mime: 'image/png', width: 600, height: 400, bytes: bytes.length });
    expect(await filesUnder('objects')).toEqual([join(id.slice(0, 2), `${id}.png`)]);
    expect(Buffer.compare(await readFile(store.pathOf(id)), bytes)).toBe(0);
    expect(blobRows()).toHaveLength(1);
    expect(await filesUnder('tmp')).toEqual([]);
  });

  it('concurrent puts of different images all land', async () => {
    const names = ['astronaut.png', 'chelsea.png', 'coffee.png', 'rocket.jpg', 'hubble_deep_field.jpg', 'motorcycle_left.png'];
    const infos = await Promise.all(names.map((n) => store.put(image(n), n, LIMITS)));
    expect(new Set(infos.map((i) => i.id)).size).toBe(names.length);
    expect(await filesUnder('objects')).toHaveLength(names.length);
    expect(blobRows()).toHaveLength(names.length);
  });

  it('restores a file that went missing behind its row, and adopts a file left without a row', async () => {
    const bytes = image('rocket.jpg');
    const { id } = await store.put(bytes, 'rocket.jpg', LIMITS);
    await rm(store.pathOf(id));
    expect(store.exists(id)).toBe(false);
    await store.put(bytes, 'rocket.jpg', LIMITS);
    expect(store.exists(id)).toBe(true);
    expect(await store.read(id)).toEqual(bytes);

    // A crash after the rename but before the row: the next put of the same bytes records it.
    db.prepare('DELETE FROM blobs').run();
    expect(store.get(id)).toBeNull();
    await store.put(bytes, 'rocket.jpg', LIMITS);
    expect(store.get(id)).toMatchObject({ id, width: 640 });
  });

  it('a file left without its row by a killed put gets its row on the next open; a misnamed one is left alone', async () => {
    const bytes = image('rocket.jpg');
    const { id } = await store.put(bytes, 'rocket.jpg', LIMITS);
    // The kill came after the rename, before the row (issue 9 crash tests: a job's output nobody puts again).
    db.prepare('DELETE FROM blobs').run();
    const misnamed = join(dataDir, 'objects', 'ab', `ab${'0'.repeat(62)}.png`);
    await mkdir(dirname(misnamed), { recursive: true });
    await writeFile(misnamed, image('astronaut.png'));
    await new BlobStore({ db, dataDir, now: () => clock }).initialize();
    expect(store.get(id)).toMatchObject({ id, mime: 'image/jpeg', width: 640, bytes: bytes.length });
    expect(existsSync(misnamed)).toBe(true);
    expect(blobRows()).toHaveLength(1);
  });
});

describe('BlobStore lookups', () => {
  it('answers null / not_found for unknown and malformed ids, never a path outside objects/', async () => {
    const unknown = 'f'.repeat(64);
    for (const id of [unknown, '../../etc/passwd', 'F'.repeat(64), '', 'a'.repeat(63)]) {
      expect(store.get(id)).toBeNull();
      expect(store.exists(id)).toBe(false);
      expect(() => store.pathOf(id)).toThrow(expect.objectContaining({ code: 'not_found' }));
      await expect(store.read(id)).rejects.toMatchObject({ code: 'not_found' });
      await expect(store.thumbnailPath(id)).rejects.toMatchObject({ code: 'not_found' });
    }
  });

  it('reports a missing original as not_found on read', async () => {
    const { id } = await store.put(image('rocket.jpg'), 'rocket.jpg', LIMITS);
    await rm(store.pathOf(id));
    await expect(store.read(id)).rejects.toMatchObject({ code: 'not_found' });
    await expect(store.thumbnailPath(id)).rejects.toMatchObject({ code: 'not_found' });
  });
});

describe('BlobStore thumbnails', () => {
  it('makes a real WebP with its long edge at most 512 px, and rebuilds it when deleted', async () => {
    const { id } = await store.put(image('hubble_deep_field.jpg'), 'hubble.jpg', LIMITS);
    const path = await store.thumbnailPath(id);
    expect(path).toBe(join(dataDir, 'thumbs', id.slice(0, 2), `${id}.webp`));
    const bytes = await readFile(path);
    expect(bytes.toString('latin1', 0, 4)).toBe('RIFF');
    expect(bytes.toString('latin1', 8, 12)).toBe('WEBP');
    const meta = await sharp(bytes).metadata();
    expect(meta.format).toBe('webp');
    expect(Math.max(meta.width!, meta.height!)).toBe(THUMBNAIL_SIZE);
    expect(meta.width).toBe(512);
    expect(meta.height).toBe(Math.round((872 * 512) / 1000));

    // Served from the cache the second time.
    const mtime = (await stat(path)).mtimeMs;
    expect(await store.thumbnailPath(id)).toBe(path);
    expect((await stat(path)).mtimeMs).toBe(mtime);

    // A cache: deleted (or left empty by a crash), it comes back.
    await rm(path);
    expect(await store.thumbnailPath(id)).toBe(path);
    expect((await sharp(path).metadata()).format).toBe('webp');
    await writeFile(path, '');
    await store.thumbnailPath(id);
    expect((await stat(path)).size).toBeGreaterThan(0);
    expect(await filesUnder('tmp')).toEqual([]);
  });

  it('never enlarges a small image, and turns a JPEG upright by its EXIF orientation', async () => {
    const small = await store.put(image('chelsea.png'), 'chelsea.png', LIMITS);
    expect(await sharp(await store.thumbnailPath(small.id)).metadata()).toMatchObject({ width: 451, height: 300 });

    const turned = await sharp(image('rocket.jpg')).withMetadata({ orientation: 6 }).jpeg().toBuffer();
    const info = await store.put(turned, 'turned.jpg', LIMITS);
    expect(info).toMatchObject({ width: 427, height: 640 });
    expect(await sharp(await store.thumbnailPath(info.id)).metadata()).toMatchObject({ width: 342, height: 512 });
  });

  it('concurrent requests share one rendering', async () => {
    const { id } = await store.put(image('astronaut.png'), 'astronaut.png', LIMITS);
    const paths = await Promise.all(Array.from({ length: 8 }, () => store.thumbnailPath(id)));
    expect(new Set(paths).size).toBe(1);
    expect(await filesUnder('thumbs')).toHaveLength(1);
    expect(await sharp(paths[0]!).metadata()).toMatchObject({ format: 'webp', width: 512, height: 512 });
  });
});

describe('BlobStore.initialize', () => {
  it('creates its folders and sweeps stale temp files only', async () => {
    await mkdir(join(dataDir, 'tmp'), { recursive: true });
    const stale = join(dataDir, 'tmp', 'old.tmp');
    const fresh = join(dataDir, 'tmp', 'fresh.tmp');
    await writeFile(stale, 'left by a crash');
    await writeFile(fresh, 'being written right now');
    const old = new Date(Date.now() - 2 * 60 * 60 * 1000);
    await utimes(stale, old, old);

    await store.initialize();
    expect(existsSync(join(dataDir, 'objects'))).toBe(true);
    expect(existsSync(join(dataDir, 'thumbs'))).toBe(true);
    expect(existsSync(stale)).toBe(false);
    expect(existsSync(fresh)).toBe(true);
  });
});
