/**
 * Issue 13, "a crash mid-batch loses and repays nothing": the built web host (out/main/web-host.js) as a child
 * process, pointed at the Apiframe test server, takes one batch of 12 prompts through its HTTP API and is SIGKILLed
 * three times: while the submit call is under way (the batch, its rows and their jobs are one transaction: after the
 * restart all of it exists or none), right after Apiframe created some rows' jobs (their replies held, so none is
 * journalled: the window where a resubmit could pay twice), and while results download. After the last start every
 * row must be final and completed, each made once by the server under the idempotency key derived from batch id +
 * row, every image the server made in the library, and the SQLite file intact. It prints
 * `batch-crash rows=12 kills=3 final=… paid_twice=… lost_images=… integrity=ok`.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchRowKey } from '../../src/main/services/batches/service';
import { AppError } from '../../src/shared/errors';
import type { BatchView } from '../../src/shared/contracts/batches';
import { tempDir, waitFor } from '../helpers/app';
import { PROVIDER_KEYS } from '../helpers/provider-world';
import { startApiframeTestServer, type ApiframeTestServer } from '../servers/apiframe/server';
import { startHost, type RunningHost } from './harness';

const PRODUCTS = ['mug', 'lamp', 'vase', 'chair', 'clock', 'kettle'];
const TABLE = ['product', ...PRODUCTS].join('\n');
const TEMPLATE = 'A studio photo of a {product} on a {red|blue} background';
const ROWS = PRODUCTS.length * 2;
const IMAGES_PER_ROW = 2;

type Api = <T = unknown>(name: string, input: unknown) => Promise<T>;

/** A session with the host as its page gets one: the one-time launch link exchanged for a bearer secret. */
async function session(host: RunningHost): Promise<Api> {
  const headers: Record<string, string> = { origin: host.origin, 'content-type': 'application/json' };
  const launch = new URL(host.url).searchParams.get('launch');
  const res = await fetch(`${host.origin}/api/session`, { method: 'POST', headers, body: JSON.stringify({ launch }) });
  if (res.status !== 200) throw new Error(`POST /api/session answered ${res.status}`);
  headers['authorization'] = `Bearer ${((await res.json()) as { token: string }).token}`;
  return async <T,>(name: string, input: unknown): Promise<T> => {
    const r = await fetch(`${host.origin}/api/call/${name}`, { method: 'POST', headers, body: JSON.stringify(input) });
    if (r.status !== 200) throw new Error(`${name}: HTTP ${r.status} ${await r.text()}`);
    const env = (await r.json()) as { ok: true; value: T } | { ok: false; error: Parameters<typeof AppError.fromShape>[0] };
    if (!env.ok) throw AppError.fromShape(env.error);
    return env.value;
  };
}

describe('a batch through real SIGKILLs', () => {
  let af: ApiframeTestServer;
  let dir: string;
  let cleanup: () => Promise<void>;
  let host: RunningHost | undefined;

  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir('atelier-batch-crash-'));
    af = await startApiframeTestServer({ keys: [{ key: PROVIDER_KEYS.apiframe, credits: 1e9 }], jobDurationMs: 1500, queueDelayMs: 200, imageLongEdge: 128 });
  });
  afterAll(async () => {
    await host?.kill();
    await af?.close();
    await cleanup?.();
  });

  const counts = (): { batches: number; rows: number; jobs: number } => {
    const db = new Database(join(dir, 'library.sqlite'), { readonly: true, fileMustExist: true });
    try {
      const n = (t: string): number => (db.prepare(`SELECT count(*) AS n FROM ${t}`).get() as { n: number }).n;
      return { batches: n('batches'), rows: n('batch_rows'), jobs: n('jobs') };
    } finally {
      db.close();
    }
  };

  it('12 rows, 3 SIGKILLs (mid-submit, after creation, mid-download): all final, none paid twice, nothing lost', async () => {
    const started = Date.now();
    const env = { ATELIER_APIFRAME_BASE_URL: af.url, ATELIER_LOG_LEVEL: 'error' };
    host = await startHost(dir, env);
    let api = await session(host);
    await api('settings.setKey', { provider: 'apiframe', key: PROVIDER_KEYS.apiframe });
    const folderId = (await api<{ id: string }>('folders.create', { name: 'Catalogue', parentId: null })).id;
    const input = {
      folderId,
      provider: 'apiframe',
      model: 'gpt-image-2',
      params: { quality: 'low', number_of_images: IMAGES_PER_ROW },
      template: TEMPLATE,
      table: TABLE,
      references: [],
    };
    // Every creation's reply is held 4 s: a kill right after a creation lands before the journal knows of it.
    af.state.inject('generate', { kind: 'slow', delayMs: 4000 }, { after: true, times: 4 });

    // Kill 1: while the submit call is under way. The batch is one transaction: all of it or nothing.
    const submitKillMs = Math.floor(Math.random() * 25);
    const pending = api('batches.submit', input).catch(() => null);
    await new Promise((r) => setTimeout(r, submitKillMs));
    await host.kill();
    await pending;
    const afterFirst = counts();
    expect([JSON.stringify({ batches: 0, rows: 0, jobs: 0 }), JSON.stringify({ batches: 1, rows: ROWS, jobs: ROWS })]).toContain(JSON.stringify(afterFirst));
    host = await startHost(dir, env);
    api = await session(host);
    let batchId: string;
    if (afterFirst.batches === 0) batchId = (await api<BatchView>('batches.submit', input)).id;
    else batchId = (await api<{ id: string }[]>('batches.list', { folderId }))[0]!.id;

    // Kill 2: right after Apiframe created some of the rows' jobs (their replies still held).
    await waitFor(() => af.state.jobs.size >= 2, 'a creation', 15_000, 2);
    await host.kill();
    af.state.clearFaults();
    host = await startHost(dir, env);
    api = await session(host);

    // Kill 3: while results download (the image host answers slowly for a while, so downloads are under way).
    af.state.inject('cdn', { kind: 'slow', delayMs: 1500 }, { times: 6 });
    const db = new Database(join(dir, 'library.sqlite'), { readonly: true, fileMustExist: true });
    try {
      await waitFor(() => (db.prepare("SELECT count(*) AS n FROM jobs WHERE state = 'downloading'").get() as { n: number }).n > 0, 'a download', 20_000, 2);
    } finally {
      db.close();
    }
    await host.kill();
    af.state.clearFaults();
    host = await startHost(dir, env);
    api = await session(host);

    const final = await waitFor(
      async () => {
        const b = await api<BatchView>('batches.get', { id: batchId });
        return b.active === 0 ? b : null;
      },
      'every row final',
      60_000,
      200,
    );
    await host.stop();
    host = undefined;

    // What the server made per row (matched by the row's prompt), against what the library kept.
    let paidTwice = 0;
    let lostImages = 0;
    const problems: string[] = [];
    const lib = new Database(join(dir, 'library.sqlite'), { readonly: true, fileMustExist: true });
    try {
      for (const row of final.rows) {
        const made = [...af.state.jobs.values()].filter((j) => j.input['prompt'] === row.prompt);
        const kept = (lib.prepare('SELECT count(*) AS n FROM assets WHERE job_id = ?').get(row.jobId) as { n: number }).n;
        if (made.length !== 1) {
          if (made.length > 1) paidTwice++;
          problems.push(`row ${row.position}: ${made.length} server jobs`);
        }
        if (made[0]?.idempotencyKey !== batchRowKey(batchId, row.position)) problems.push(`row ${row.position}: key ${made[0]?.idempotencyKey}`);
        const lost = made.reduce((s, j) => s + j.returned, 0) - kept;
        if (lost > 0) lostImages += lost;
        if (row.state !== 'completed') problems.push(`row ${row.position}: ${row.state} ${row.error?.message ?? ''}`);
      }
    } finally {
      lib.close();
    }
    const rw = new Database(join(dir, 'library.sqlite'), { fileMustExist: true });
    const integrity = rw.pragma('integrity_check', { simple: true }) as string;
    rw.close();
    const finalRows = final.rows.filter((r) => r.state === 'completed' || r.state === 'failed' || r.state === 'canceled' || r.state === 'expired').length;
    console.log(
      `batch-crash rows=${final.rows.length} kills=3 first_kill=${afterFirst.batches === 0 ? 'before_commit' : 'after_commit'}@${submitKillMs}ms final=${finalRows} ` +
        `completed=${final.completed} paid_twice=${paidTwice} lost_images=${lostImages} integrity=${integrity} ms=${Date.now() - started}`,
    );
    expect(problems).toEqual([]);
    expect({ rows: final.rows.length, final: finalRows, completed: final.completed, paid_twice: paidTwice, lost_images: lostImages, integrity }).toEqual({
      rows: ROWS,
      final: ROWS,
      completed: ROWS,
      paid_twice: 0,
      lost_images: 0,
      integrity: 'ok',
    });
  });
});
