/**
 * The gallery's side of "the window never waits" (issue 12 §1), shared by tests/e2e/busy-host.test.ts and the
 * bench's busy section: a client of the web host over real HTTP that fires gallery calls on a fixed cadence, and a
 * push import sent from a worker thread of its own, as a browser tab uploads while another one browses.
 */
import { Worker } from 'node:worker_threads';
import { request } from 'undici';
import type { TaskView } from '../../src/shared/contracts/transfer';

/** Latencies (ms) of the gallery calls made while something ran, by kind. */
export interface GalleryLatencies {
  /** `assets.query`, a page of 100 of the whole library. */
  query: number[];
  /** `/media/<blob>/thumb` and `/media/<blob>/original`. */
  media: number[];
}

/**
 * The page's side of a push import, in a worker thread: reading the files, base64 and 9 MB JSON bodies would
 * otherwise stall the measuring client's own cadence and count against the host. Batches of at most 100 files or
 * 1 MB, as the web page sends them (src/renderer/src/store/transfer.ts).
 */
const PUSH_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { readFileSync } = require('node:fs');
const { origin, bearer, taskId, files } = workerData;
(async () => {
  for (let i = 0; i < files.length; ) {
    const batch = [];
    let bytes = 0;
    while (i < files.length && batch.length < 100 && bytes < 1024 * 1024) {
      const data = readFileSync(files[i]);
      bytes += data.length;
      batch.push({ name: files[i].split('/').pop(), dataBase64: data.toString('base64') });
      i++;
    }
    const res = await fetch(origin + '/api/call/import.addFiles', {
      method: 'POST',
      headers: { authorization: bearer, 'content-type': 'application/json', origin },
      body: JSON.stringify({ taskId, files: batch, total: files.length, last: i >= files.length }),
    });
    const env = await res.json();
    if (!env.ok) throw new Error('import.addFiles: ' + (env.error && env.error.message));
  }
})().then(() => parentPort.postMessage({ ok: true }), (err) => parentPort.postMessage({ ok: false, message: String((err && err.stack) || err) }));
`;

/** p-th percentile (0–100), nearest rank; NaN for none. */
export function pct(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? Number.NaN;
}

/** `n=… p50=… p99=… max=…` of latencies in ms. */
export function summary(xs: readonly number[]): string {
  return `n=${xs.length} p50=${pct(xs, 50).toFixed(1)} p99=${pct(xs, 99).toFixed(1)} max=${Math.max(...xs).toFixed(1)}`;
}

/** A signed-in client of one running web host. */
export class GalleryClient {
  /** Blobs of the first page (their thumbnails made by {@link GalleryClient.warm}). */
  blobIds: string[] = [];

  private constructor(
    readonly origin: string,
    private readonly bearer: string,
  ) {}

  /**
   * Trades the host's one-use launch link for a session.
   * @param url the link the host printed (`…/?launch=…`)
   */
  static async signIn(url: string): Promise<GalleryClient> {
    const origin = new URL(url).origin;
    const launch = new URL(url).searchParams.get('launch');
    const res = await request(`${origin}/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin },
      body: JSON.stringify({ launch }),
    });
    return new GalleryClient(origin, `Bearer ${((await res.body.json()) as { token: string }).token}`);
  }

  /**
   * One call of the contract. A call whose keep-alive connection the host closed under it is sent once more on a
   * new one (this client's calls are reads, task polls and a clean-up that a repeat cannot harm).
   * @throws Error with the host's message when it answers `ok: false`
   */
  async call<T>(name: string, input: unknown): Promise<T> {
    const send = () =>
      request(`${this.origin}/api/call/${name}`, {
        method: 'POST',
        headers: { authorization: this.bearer, 'content-type': 'application/json', origin: this.origin },
        body: JSON.stringify(input),
      });
    const res = await send().catch((err: unknown) => {
      if ((err as { code?: string }).code === 'UND_ERR_SOCKET' && (err as { socket?: { bytesWritten?: number } }).socket) return send();
      throw err;
    });
    const env = (await res.body.json()) as { ok: boolean; value?: T; error?: { message: string } };
    if (!env.ok) throw new Error(`${name}: ${env.error?.message}`);
    return env.value as T;
  }

  /** One image over the media route, read to its end. @throws Error on any status but 200 */
  async media(blobId: string, variant: 'thumb' | 'original'): Promise<void> {
    const res = await request(`${this.origin}/media/${blobId}/${variant}`, { headers: { authorization: this.bearer } });
    await res.body.arrayBuffer();
    if (res.statusCode !== 200) throw new Error(`media ${variant} ${blobId}: HTTP ${res.statusCode}`);
  }

  /** A page of 100 of the whole library, newest first (the gallery's first page). */
  query(): Promise<{ items: { blob: { id: string } }[] }> {
    return this.call('assets.query', { scope: { kind: 'library' }, limit: 100 });
  }

  /** The first page and its thumbnails, made once as the gallery's first screen makes them, then a few pages. */
  async warm(): Promise<void> {
    this.blobIds = [...new Set((await this.query()).items.map((a) => a.blob.id))];
    for (const id of this.blobIds) await this.media(id, 'thumb');
    for (let i = 0; i < 5; i++) await this.query();
  }

  /**
   * Every `cadenceMs`, on a fixed schedule, one call (in turn: a page, a thumbnail, a page, an original) without
   * waiting for earlier ones, until `done()`; each latency runs from the time the call was scheduled, so a host
   * stalled for 200 ms delays every call scheduled meanwhile, not only the one in flight.
   */
  async latencies(done: () => boolean, cadenceMs = 20): Promise<GalleryLatencies> {
    const out: GalleryLatencies = { query: [], media: [] };
    const inFlight: Promise<void>[] = [];
    const t0 = performance.now();
    for (let i = 0; !done(); i++) {
      const due = t0 + i * cadenceMs;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const kind = i % 2 === 0 ? 'query' : 'media';
      const run = kind === 'query' ? this.query() : this.media(this.blobIds[(i >> 1) % this.blobIds.length]!, i % 4 === 3 ? 'original' : 'thumb');
      inFlight.push(run.then(() => void out[kind].push(performance.now() - due)));
    }
    await Promise.all(inFlight);
    return out;
  }

  /** Polls a task until it is no longer running. */
  async untilDone(taskId: string): Promise<TaskView> {
    for (;;) {
      const t = await this.call<TaskView>('tasks.get', { id: taskId });
      if (t.state !== 'running') return t;
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Starts a push import into `folderId`, sends `files` from a worker thread, and resolves with the ended task. */
  async pushImport(folderId: string, files: string[]): Promise<TaskView> {
    const view = await this.call<TaskView>('import.start', { folderId, paths: null });
    const worker = new Worker(PUSH_SOURCE, { eval: true, workerData: { origin: this.origin, bearer: this.bearer, taskId: view.id, files } });
    try {
      const sent = await new Promise<{ ok: boolean; message?: string }>((resolve, reject) => {
        worker.once('message', resolve);
        worker.once('error', reject);
      });
      if (!sent.ok) throw new Error(sent.message);
    } finally {
      await worker.terminate();
    }
    return this.untilDone(view.id);
  }
}
