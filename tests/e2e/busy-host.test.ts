/**
 * The window never waits (issue 12 §1): the built web host (a child process, its services in a worker) answers
 * gallery calls — a page of `assets.query`, a thumbnail and an original over `/media` — within 50 ms at the 99th
 * percentile while it backs up a library of 20,000 images (real SQLite, real files; the backup takes over a
 * second). Latencies are printed (`busy-host …`) for the record.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildLibrary } from '../../bench/library/build';
import { createApp } from '../../src/main/app';
import type { TaskView } from '../../src/shared/contracts/transfer';
import { startHost, type RunningHost } from './harness';

/** Assets in the library; at this size `VACUUM INTO` alone holds SQLite for about 200 ms on the CI machine. */
const N = 20_000;
/** Distinct stored images (each copied by the backup). */
const DISTINCT = 3_000;
const P99_LIMIT_MS = 50;

let dir: string;
let host: RunningHost;
let bearer: string;
let blobIds: string[] = [];

async function call<T>(name: string, input: unknown): Promise<T> {
  const res = await request(`${host.origin}/api/call/${name}`, {
    method: 'POST',
    headers: { authorization: bearer, 'content-type': 'application/json', origin: host.origin },
    body: JSON.stringify(input),
  });
  const env = (await res.body.json()) as { ok: boolean; value?: T; error?: { message: string } };
  if (!env.ok) throw new Error(`${name}: ${env.error?.message}`);
  return env.value as T;
}

async function media(blobId: string, variant: 'thumb' | 'original'): Promise<void> {
  const res = await request(`${host.origin}/media/${blobId}/${variant}`, { headers: { authorization: bearer } });
  await res.body.arrayBuffer();
  if (res.statusCode !== 200) throw new Error(`media ${variant} ${blobId}: HTTP ${res.statusCode}`);
}

const query = () => call<{ items: { blob: { id: string } }[] }>('assets.query', { scope: { kind: 'library' }, limit: 100 });

/** Latency of each gallery request (ms) made one after another until `done()` turns true. */
async function galleryLatencies(done: () => boolean): Promise<{ query: number[]; media: number[] }> {
  const out = { query: [] as number[], media: [] as number[] };
  for (let i = 0; !done(); i++) {
    let t = performance.now();
    await query();
    out.query.push(performance.now() - t);
    t = performance.now();
    await media(blobIds[i % blobIds.length]!, i % 4 === 3 ? 'original' : 'thumb');
    out.media.push(performance.now() - t);
  }
  return out;
}

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? NaN;
};
const summary = (xs: number[]) => `n=${xs.length} p50=${pct(xs, 50).toFixed(1)} p99=${pct(xs, 99).toFixed(1)} max=${Math.max(...xs).toFixed(1)}`;

async function untilDone(taskId: string): Promise<TaskView> {
  for (;;) {
    const t = await call<TaskView>('tasks.get', { id: taskId });
    if (t.state !== 'running') return t;
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'atelier-busy-host-'));
  const dataDir = join(dir, 'library');
  const app = await createApp({ dataDir, env: {}, keychainService: `atelier-e2e-${process.pid}`, logger: pino({ level: 'silent' }) });
  try {
    await buildLibrary(app, N, DISTINCT);
  } finally {
    await app.close();
  }
  host = await startHost(dataDir);
  const launch = new URL(host.url).searchParams.get('launch');
  const res = await request(`${host.origin}/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: host.origin },
    body: JSON.stringify({ launch }),
  });
  bearer = `Bearer ${((await res.body.json()) as { token: string }).token}`;
  // Warm: the first page's thumbnails are made once, as the gallery's first screen makes them.
  blobIds = [...new Set((await query()).items.map((a) => a.blob.id))];
  for (const id of blobIds) await media(id, 'thumb');
  for (let i = 0; i < 5; i++) await query();
});

afterAll(async () => {
  await host?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('a busy host still answers the gallery', () => {
  it(`serves a page and images within ${P99_LIMIT_MS} ms (p99) while a backup of ${N} images runs`, async () => {
    const t0 = performance.now();
    const task = await call<TaskView>('library.backup', { targetDir: dir });
    let finished: TaskView | null = null;
    const watch = untilDone(task.id).then((t) => (finished = t));
    const lat = await galleryLatencies(() => finished !== null);
    await watch;
    const backupMs = performance.now() - t0;
    console.log(`busy-host backup ${backupMs.toFixed(0)} ms: assets.query ${summary(lat.query)}; media ${summary(lat.media)}`);
    expect(finished!.state).toBe('completed');
    expect(backupMs).toBeGreaterThanOrEqual(1000);
    expect(lat.query.length).toBeGreaterThanOrEqual(10);
    expect(pct(lat.query, 99)).toBeLessThanOrEqual(P99_LIMIT_MS);
    expect(pct(lat.media, 99)).toBeLessThanOrEqual(P99_LIMIT_MS);
  });
});
