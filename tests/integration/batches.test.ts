/**
 * Batches from a template (issue 13) through the real app services, a real SQLite library and the sandbox
 * provider: a table in three languages times inline alternatives queued as one batch of journalled jobs (one
 * transaction, idempotency keys from batch id + row), a refused row that creates nothing, pause / resume, cancel and
 * retry of the failed rows (a paid retry only when confirmed, on the EvoLink test server), per-row and shared
 * references, the values searchable and in export names `{var:…}`.
 */
import { mkdir, readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/main/app';
import { batchRowKey } from '../../src/main/services/batches/service';
import { GOOD_IMAGES } from '../helpers/paths';
import { call, callError, openTestApp, tempDir, waitFor } from '../helpers/app';
import { startProviderWorld, type ProviderWorld } from '../helpers/provider-world';

const TABLE = 'headline,lang,sku\nSummer sale,en,SKU-EN-1\n여름 세일,ko,SKU-KO-2\n夏のセール,ja,SKU-JA-3\n';
const TEMPLATE = 'A poster with the headline "{headline}" on a {red|blue} background';

describe('batches from a template (sandbox, real SQLite)', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let app: App;
  let folderId: string;

  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir('atelier-batches-'));
    app = await openTestApp(dir);
    folderId = (await call(app, 'folders.create', { name: 'Posters', parentId: null })).id;
  });
  afterEach(async () => {
    await app.close();
    await cleanup();
  });

  const counts = () => {
    const db = new Database(join(dir, 'library.sqlite'), { readonly: true, fileMustExist: true });
    try {
      const n = (t: string) => (db.prepare(`SELECT count(*) AS n FROM ${t}`).get() as { n: number }).n;
      return { batches: n('batches'), rows: n('batch_rows'), jobs: n('jobs') };
    } finally {
      db.close();
    }
  };
  const submit = (over: Record<string, unknown> = {}) =>
    call(app, 'batches.submit', {
      folderId,
      provider: 'sandbox',
      model: 'gpt-image-2',
      params: { number_of_images: 1 },
      template: TEMPLATE,
      table: TABLE,
      references: [],
      ...over,
    });
  const finished = (id: string) =>
    waitFor(async () => {
      const b = await call(app, 'batches.get', { id });
      return b.active === 0 ? b : null;
    }, 'batch final');

  it('queues rows × alternatives as one batch of journalled jobs and shows n of N with each row’s values and images', async () => {
    const batch = await submit();
    expect(batch.total).toBe(6);
    expect(batch.columns).toEqual(['headline', 'lang', 'sku', '1']);
    expect(batch.rows.map((r) => [r.tableRow, r.values['lang'], r.values['1']])).toEqual([
      [1, 'en', 'red'],
      [1, 'en', 'blue'],
      [2, 'ko', 'red'],
      [2, 'ko', 'blue'],
      [3, 'ja', 'red'],
      [3, 'ja', 'blue'],
    ]);
    expect(batch.rows[2]!.prompt).toBe('A poster with the headline "여름 세일" on a red background');
    expect(counts()).toEqual({ batches: 1, rows: 6, jobs: 6 });
    // Each row is a journalled job whose first idempotency key is derived from the batch id and its position.
    for (const r of batch.rows) expect(app.services.journal.get(r.jobId)!.idempotencyKey).toBe(batchRowKey(batch.id, r.position));

    const done = await finished(batch.id);
    expect(done.rows.map((r) => r.error?.message ?? null)).toEqual(Array(6).fill(null));
    expect({ completed: done.completed, total: done.total, failed: done.failed }).toEqual({ completed: 6, total: 6, failed: 0 });
    expect(done.rows.every((r) => r.state === 'completed' && r.images.length === 1)).toBe(true);
    expect(await call(app, 'batches.list', { folderId: null })).toMatchObject([{ id: batch.id, completed: 6, total: 6, jobIds: batch.rows.map((r) => r.jobId) }]);

    // The values are searchable: `sku` appears in no prompt, only in the row's values.
    const found = await call(app, 'assets.query', { scope: { kind: 'library' }, text: 'SKU-KO-2' });
    expect(found.items.map((i) => i.id).sort()).toEqual(done.rows.filter((r) => r.values['lang'] === 'ko').flatMap((r) => r.images.map((i) => i.assetId)).sort());
    expect((await call(app, 'assets.query', { scope: { kind: 'library' }, text: 'セール' })).total).toBe(2);

    // …and are export naming tokens.
    const out = join(dir, 'export');
    await mkdir(out);
    const preset = await call(app, 'export.savePreset', { id: null, name: 'By language', template: '{var:lang}/{var:headline} {var:1} {index}', format: 'png', metadata: 'none' });
    const task = await call(app, 'export.start', { presetId: preset.id, scope: { kind: 'assets', assetIds: done.rows.flatMap((r) => r.images.map((i) => i.assetId)) }, targetDir: out });
    const exported = await waitFor(async () => {
      const t = await call(app, 'tasks.get', { id: task.id });
      return t.state === 'running' ? null : t;
    }, 'export done');
    expect(exported.state).toBe('completed');
    const names = (await Promise.all(['en', 'ko', 'ja'].map(async (l) => (await readdir(join(out, l))).map((f) => `${l}/${f}`)))).flat().sort();
    expect(names.map((n) => n.replace(/ \d+\.png$/, ''))).toEqual(
      ['en/Summer sale blue', 'en/Summer sale red', 'ja/夏のセール blue', 'ja/夏のセール red', 'ko/여름 세일 blue', 'ko/여름 세일 red'].sort(),
    );
  });

  it('refuses a batch with a row over the model’s limits, naming the row and the reason, and creates nothing', async () => {
    const long = 'x'.repeat(1980);
    const err = await callError(app, 'batches.submit', {
      folderId,
      provider: 'sandbox',
      model: 'gpt-image-2',
      params: {},
      template: `{headline} ${long}`,
      table: 'headline\nok\nthis one is far too long\n',
      references: [],
    });
    expect(err.code).toBe('validation');
    expect(err.params).toMatchObject({ field: 'row', row: 2, position: 2, reason: 'prompt_too_long', max: 2000 });
    const unknown = await callError(app, 'batches.submit', { folderId, provider: 'sandbox', model: 'gpt-image-2', params: {}, template: 'a {colour} ball', table: 'product\nmug', references: [] });
    expect(unknown.params).toMatchObject({ field: 'template', reason: 'unknown_variable', name: 'colour' });
    const badParams = await callError(app, 'batches.submit', { folderId, provider: 'sandbox', model: 'gpt-image-2', params: { number_of_images: 99 }, template: 'a {red|blue} ball', table: '', references: [] });
    expect(badParams.params).toMatchObject({ row: 0, position: 1, field: 'number_of_images' });
    expect(counts()).toEqual({ batches: 0, rows: 0, jobs: 0 });
  });

  it('pause holds the queued rows, resume releases them; cancel and retry of the failed rows', async () => {
    // Hold the whole queue while the batch is paused, so no row starts before the pause lands.
    await call(app, 'queue.pause', { scope: 'all' });
    const batch = await submit();
    await call(app, 'batches.pause', { id: batch.id });
    await call(app, 'queue.resume', { scope: 'all' });
    await new Promise((r) => setTimeout(r, 800));
    const held = await call(app, 'batches.get', { id: batch.id });
    expect(held.paused).toBe(true);
    expect(held.rows.map((r) => r.state)).toEqual(Array(6).fill('queued'));

    // Cancel: every queued row at once.
    const canceled = await call(app, 'batches.cancel', { id: batch.id });
    expect(canceled.rows.map((r) => r.state)).toEqual(Array(6).fill('canceled'));
    expect({ failed: canceled.failed, active: canceled.active }).toEqual({ failed: 6, active: 0 });

    // Retry of the failed rows, still paused: they wait; resume lets them run to the end.
    const retried = await call(app, 'batches.retryFailed', { id: batch.id });
    expect(retried.rows.map((r) => r.state)).toEqual(Array(6).fill('queued'));
    await new Promise((r) => setTimeout(r, 500));
    expect((await call(app, 'batches.get', { id: batch.id })).rows.every((r) => r.state === 'queued')).toBe(true);
    await call(app, 'batches.resume', { id: batch.id });
    const done = await finished(batch.id);
    expect(done.completed).toBe(6);
    // A retry in place got a fresh key (the derived one would replay the canceled attempt).
    expect(app.services.journal.get(done.rows[0]!.jobId)!.idempotencyKey).not.toBe(batchRowKey(batch.id, 0));
  });

  it('a paused batch stays paused across a restart: its queued rows wait until it is resumed', async () => {
    await call(app, 'queue.pause', { scope: 'all' });
    const batch = await submit();
    await call(app, 'batches.pause', { id: batch.id });
    await call(app, 'queue.resume', { scope: 'all' });
    await app.close();
    app = await openTestApp(dir);
    await new Promise((r) => setTimeout(r, 600));
    const after = await call(app, 'batches.get', { id: batch.id });
    expect(after.paused).toBe(true);
    expect(after.rows.map((r) => r.state)).toEqual(Array(6).fill('queued'));
    await call(app, 'batches.resume', { id: batch.id });
    expect((await finished(batch.id)).completed).toBe(6);
  });

  it('a batch whose project is deleted mid-run still finishes, and what it made is in the trash, not in the deleted folder', async () => {
    await call(app, 'queue.pause', { scope: 'all' });
    const batch = await submit();
    await call(app, 'folders.delete', { id: folderId });
    await call(app, 'queue.resume', { scope: 'all' });
    const done = await finished(batch.id);
    expect({ completed: done.completed, failed: done.failed }).toEqual({ completed: 6, failed: 0 });
    // Every image the rows made is findable: in the trash (restorable to the project's path), none live in a deleted folder.
    const db = new Database(join(dir, 'library.sqlite'), { readonly: true, fileMustExist: true });
    try {
      const placed = db
        .prepare(
          `SELECT count(*) AS images, sum(a.deleted_at IS NOT NULL) AS trashed, sum(a.deleted_at IS NULL AND f.deleted_at IS NOT NULL) AS hidden
           FROM assets a JOIN folders f ON f.id = a.folder_id JOIN batch_rows r ON r.job_id = a.job_id WHERE r.batch_id = ?`,
        )
        .get(batch.id);
      expect(placed).toEqual({ images: 6, trashed: 6, hidden: 0 });
    } finally {
      db.close();
    }
  });

  it('a reference column picks each row’s references; the others are shared; an unknown name is refused', async () => {
    const stage = async (name: string) => {
      const s = await call(app, 'references.stage', {
        source: { name, dataBase64: (await readFile(join(GOOD_IMAGES, name))).toString('base64') },
        provider: 'sandbox',
        model: 'gpt-image-2',
      });
      return { blobId: s.id, name: s.name };
    };
    const astronaut = await stage('astronaut.png');
    const chelsea = await stage('chelsea.png');
    const batch = await submit({
      template: '{product} on a table',
      table: 'product,reference\nmug,\nlamp,chelsea.png\n',
      references: [astronaut, chelsea],
    });
    const refs = batch.rows.map((r) => app.services.journal.references(r.jobId).map((x) => x.name));
    expect(refs).toEqual([['astronaut.png'], ['astronaut.png', 'chelsea.png']]);
    const err = await callError(app, 'batches.submit', {
      folderId,
      provider: 'sandbox',
      model: 'gpt-image-2',
      params: {},
      template: '{product}',
      table: 'product,reference\nmug,missing.png\n',
      references: [astronaut],
    });
    expect(err.params).toMatchObject({ field: 'row', row: 1, reason: 'unknown_reference', name: 'missing.png' });
    await finished(batch.id);
  });
});

describe('batches on a paid provider (EvoLink test server)', () => {
  let world: ProviderWorld;
  beforeEach(async () => {
    world = await startProviderWorld('Balls');
  });
  afterEach(async () => {
    await world.close();
  });

  it('rows that may have been charged are retried only with confirmPaid, and the refusal says how many and the estimate', async () => {
    const { app, ev, folderId } = world;
    // Two submits answered 500: EvoLink has no idempotency key, so those rows fail with their charge unknown.
    ev.state.inject('create', { kind: 'status', status: 500 }, { times: 2 });
    const batch = await call(app, 'batches.submit', {
      folderId,
      provider: 'evolink',
      model: 'gpt-image-2',
      params: { size: '1:1', quality: 'low', n: 1 },
      template: 'a {red|green|blue} ball on grass',
      table: '',
      references: [],
    });
    expect(batch.total).toBe(3);
    expect(batch.usdEstimate).toBeGreaterThan(0);
    const settled = await waitFor(async () => {
      const b = await call(app, 'batches.get', { id: batch.id });
      return b.active === 0 ? b : null;
    }, 'batch settled');
    expect({ completed: settled.completed, failed: settled.failed }).toEqual({ completed: 1, failed: 2 });
    const failedRows = settled.rows.filter((r) => r.state === 'failed');
    const estimate = failedRows.reduce((s, r) => s + app.services.journal.get(r.jobId)!.usdEstimate!, 0);

    const refused = await callError(app, 'batches.retryFailed', { id: batch.id });
    expect(refused.code).toBe('paid_retry_unconfirmed');
    expect(refused.params).toMatchObject({ rows: 2, credits: null });
    expect(refused.params?.['usd']).toBeCloseTo(estimate, 10);
    // Nothing changed.
    expect((await call(app, 'batches.get', { id: batch.id })).rows.map((r) => r.state)).toEqual(settled.rows.map((r) => r.state));

    await call(app, 'batches.retryFailed', { id: batch.id, confirmPaid: true });
    const done = await waitFor(async () => {
      const b = await call(app, 'batches.get', { id: batch.id });
      return b.active === 0 ? b : null;
    }, 'batch done');
    expect({ completed: done.completed, failed: done.failed }).toEqual({ completed: 3, failed: 0 });
  });
  it('runs its rows within the provider’s concurrency and waits out a 429 before sending that row again', async () => {
    const { app, af, folderId } = world;
    // The first submit is answered 429 (Retry-After 1 s); after it every creation's reply takes 800 ms.
    af.state.inject('generate', { kind: 'status', status: 429, retryAfterSeconds: 1 }, { times: 1 });
    af.state.inject('generate', { kind: 'slow', delayMs: 800 }, { after: true, times: 50 });
    const batch = await call(app, 'batches.submit', {
      folderId,
      provider: 'apiframe',
      model: 'gpt-image-2',
      params: { quality: 'low', number_of_images: 1 },
      template: 'a {red|green|blue|white|black|grey|pink|gold|teal|navy} ball',
      table: '',
      references: [],
    });
    expect(batch.total).toBe(10);
    // Submits in flight (journalled as posted, no reply yet), sampled while the batch runs.
    const db = new Database(join(world.dir, 'library.sqlite'), { readonly: true, fileMustExist: true });
    let most = 0;
    try {
      await waitFor(async () => {
        const n = (db.prepare("SELECT count(*) AS n FROM jobs WHERE state = 'submitting' AND posted_at IS NOT NULL").get() as { n: number }).n;
        most = Math.max(most, n);
        return (await call(app, 'batches.get', { id: batch.id })).active === 0;
      }, 'batch done', 30_000, 10);
    } finally {
      db.close();
    }
    // Apiframe's gate is 4 submits at a time (the engine's default), and the batch filled it.
    expect(most).toBe(4);
    const posts = af.state.requestsTo('generate');
    expect(posts[0]!.status).toBe(429);
    // The row refused with 429 is sent again under its key only after the Retry-After.
    const key = posts[0]!.headers['idempotency-key'];
    const again = posts.slice(1).find((p) => p.headers['idempotency-key'] === key);
    expect(again!.at - posts[0]!.at).toBeGreaterThanOrEqual(950);
    const done = await call(app, 'batches.get', { id: batch.id });
    expect(done.completed).toBe(10);
    // Each row made once: the 429 created nothing, and no row was sent twice.
    expect(af.state.jobs.size).toBe(10);
  });
});
