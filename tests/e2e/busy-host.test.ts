/**
 * The window never waits (issue 12 §1): the built web host (a child process, its services in a worker, image work
 * in the image pool) answers gallery calls — a page of `assets.query`, a thumbnail and an original over `/media` —
 * within 50 ms at the 99th percentile while it backs up a library of 20,000 images (five backups in a row), and while
 * it imports 1,920 photos of 1 MP pushed over HTTP as the web page sends them (batches of base64 files up to 1 MB, from
 * a worker thread of the test). Each phase takes at least 100 calls of each kind, so the 99th percentile is a
 * percentile, not simply the slowest call; the import about 300 (with 960 photos, about 170: its p99 was the second
 * slowest call, and one garbage collection of the host's request bodies in a fresh CI run read 52.8 ms there).
 *
 * The gallery client (bench/library/busy-client.ts) fires on a fixed cadence, every 20 ms, without waiting for
 * the previous call, and measures each latency from the time the call was scheduled: a host whose thread stalls
 * for 200 ms delays every call scheduled meanwhile (about ten), not only the one in flight, so the 99th percentile
 * sees the stall. Latencies are printed (`busy-host …`).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildLibrary } from '../../bench/library/build';
import { GalleryClient, pct, summary } from '../../bench/library/busy-client';
import { generatePhotos } from '../../bench/library/import-export';
import { createApp } from '../../src/main/app';
import type { ImportReport, TaskView } from '../../src/shared/contracts/transfer';
import { startHost, type RunningHost } from './harness';

/** Assets in the library; at this size `VACUUM INTO` alone holds SQLite for about 200 ms on the CI machine. */
const N = 20_000;
/** Distinct stored images (each copied by the backup). */
const DISTINCT = 3_000;
/** Photos of 1152×864 px pushed to the import. */
const PHOTOS = 1920;
/** Backups run one after another while the gallery client samples. */
const BACKUPS = 5;
/** Fewest calls of each kind per phase: at 100 the 99th percentile leaves out the slowest one. */
const MIN_SAMPLES = 100;
const P99_LIMIT_MS = 50;
/** The gallery client's cadence: one call every this many ms, whatever the previous ones are doing. */
const CADENCE_MS = 20;

let dir: string;
let host: RunningHost;
let client: GalleryClient;
let photos: string[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'atelier-busy-host-'));
  const dataDir = join(dir, 'library');
  const app = await createApp({ dataDir, env: {}, keychainService: `atelier-e2e-${process.pid}`, logger: pino({ level: 'silent' }) });
  try {
    await buildLibrary(app, N, DISTINCT);
  } finally {
    await app.close();
  }
  photos = await generatePhotos(join(dir, 'photos'), PHOTOS);
  // The set-up's files (the library, the photos) written out before anything is measured: the kernel flushing them
  // later is this set-up's disk traffic, not the host's.
  execFileSync('sync');
  host = await startHost(dataDir);
  client = await GalleryClient.signIn(host.url);
  await client.warm();
});

afterAll(async () => {
  await host?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('a busy host still answers the gallery', () => {
  it(`serves a page and images within ${P99_LIMIT_MS} ms (p99, calls every ${CADENCE_MS} ms) while a backup of ${N} images runs`, async () => {
    const t0 = performance.now();
    const states: string[] = [];
    let done = false;
    const backups = (async () => {
      for (let i = 0; i < BACKUPS; i++) {
        const target = join(dir, `backups-${i}`);
        mkdirSync(target);
        const task = await client.call<TaskView>('library.backup', { targetDir: target });
        // Kept until afterAll: removing a backup here would block this test's own thread, and the client's timers.
        states.push((await client.untilDone(task.id)).state);
      }
      done = true;
    })();
    const lat = await client.latencies(() => done, CADENCE_MS);
    await backups;
    const backupMs = performance.now() - t0;
    console.log(`busy-host ${BACKUPS} backups ${backupMs.toFixed(0)} ms: assets.query ${summary(lat.query)}; media ${summary(lat.media)}`);
    expect(states).toEqual(Array.from({ length: BACKUPS }, () => 'completed'));
    expect(backupMs).toBeGreaterThanOrEqual(1000);
    expect(lat.query.length).toBeGreaterThanOrEqual(MIN_SAMPLES);
    expect(lat.media.length).toBeGreaterThanOrEqual(MIN_SAMPLES);
    expect(pct(lat.query, 99)).toBeLessThanOrEqual(P99_LIMIT_MS);
    expect(pct(lat.media, 99)).toBeLessThanOrEqual(P99_LIMIT_MS);
  });

  it(`serves a page and images within ${P99_LIMIT_MS} ms (p99, calls every ${CADENCE_MS} ms) while ${PHOTOS} photos of 1 MP are imported`, async () => {
    const folder = await client.call<{ id: string }>('folders.create', { name: 'Busy import', parentId: null });
    // The five backups just written (thousands of files) written out first, as above: their flush belongs to the
    // previous phase, and on a fresh CI machine it had the image calls of this one wait on the disk.
    execFileSync('sync');
    const t0 = performance.now();
    let finished: TaskView | null = null;
    const importing = client.pushImport(folder.id, photos).then((t) => (finished = t));
    const lat = await client.latencies(() => finished !== null, CADENCE_MS);
    await importing;
    const importMs = performance.now() - t0;
    const report = finished!.report as ImportReport;
    console.log(`busy-host import ${report.imported.length} in ${importMs.toFixed(0)} ms: assets.query ${summary(lat.query)}; media ${summary(lat.media)}`);
    expect(finished!.state).toBe('completed');
    expect(report.imported).toHaveLength(PHOTOS);
    expect(importMs).toBeGreaterThanOrEqual(1000);
    expect(lat.query.length).toBeGreaterThanOrEqual(MIN_SAMPLES);
    expect(lat.media.length).toBeGreaterThanOrEqual(MIN_SAMPLES);
    expect(pct(lat.query, 99)).toBeLessThanOrEqual(P99_LIMIT_MS);
    expect(pct(lat.media, 99)).toBeLessThanOrEqual(P99_LIMIT_MS);
  });
});
