/**
 * Jobs never pay twice (issue 9, "Money"): the whole job path — dispatcher, journal, engine, Apiframe adapter —
 * against the Apiframe test server over loopback, with a real SQLite library. A resubmit under a key that may have
 * been used sends the body first sent; a 409 on our own key finds the original job; a retry that may pay again needs
 * the user's confirmation; an expired job keeps its charge.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/main/app';
import { GOOD_IMAGES } from '../helpers/paths';
import { jobShortfall } from '../../src/shared/jobs';
import { call, callError, openTestApp, tempDir, waitFor } from '../helpers/app';
import { KEY, startServer } from './apiframe-helpers';
import type { ApiframeTestServer } from '../servers/apiframe/server';

const PROMPT = 'A lighthouse on a basalt cliff at dusk, long exposure, the sea a silk sheet';
const FINAL = ['completed', 'failed', 'expired', 'canceled'];

describe('money: Apiframe jobs never pay twice', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let srv: ApiframeTestServer;
  let app: App;
  let folderId: string;

  const open = () => openTestApp(dir, { env: { ATELIER_APIFRAME_BASE_URL: srv.url } });

  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
    srv = await startServer({ jobDurationMs: 500, queueDelayMs: 100 });
    app = await open();
    await call(app, 'settings.setKey', { provider: 'apiframe', key: KEY });
    folderId = (await call(app, 'folders.create', { name: 'Money', parentId: null })).id;
  });
  afterEach(async () => {
    await call(app, 'settings.clearKey', { provider: 'apiframe' });
    await app.close();
    await srv.close();
    await cleanup();
  });

  const get = (id: string) => call(app, 'jobs.get', { id });
  const finished = (id: string) =>
    waitFor(async () => {
      const j = await get(id);
      return FINAL.includes(j.state) ? j : null;
    }, `job ${id} to finish`);
  const submit = (extra: { prompt?: string; params?: Record<string, unknown>; references?: { blobId: string; name: string }[] } = {}) =>
    call(app, 'jobs.submit', {
      folderId,
      provider: 'apiframe',
      model: 'gpt-image-2',
      prompt: extra.prompt ?? PROMPT,
      params: extra.params ?? { quality: 'medium' },
      references: extra.references ?? [],
    });

  const stage = async () => {
    const data = await readFile(join(GOOD_IMAGES, 'astronaut.png'));
    const ref = await call(app, 'references.stage', {
      source: { name: 'astronaut.png', dataBase64: data.toString('base64') },
      provider: 'apiframe',
      model: 'gpt-image-2',
    });
    return { blobId: ref.id, name: ref.name };
  };

  /**
   * With the app closed, puts the job back at the crash point: Apiframe accepted the POST but the reply was never
   * journalled (state `submitting`, no remote id), and it is ~80 minutes later: the upload URL has 5 minutes left,
   * so the engine uploads the reference again. `forgetBody` makes it a row journalled before bodies were kept.
   */
  const rewindToLostReply = (jobId: string, opts: { forgetBody?: boolean } = {}) => {
    const db = new Database(join(dir, 'library.sqlite'));
    try {
      const row = db.prepare('SELECT uploads FROM jobs WHERE id = ?').get(jobId) as { uploads: string | null };
      const uploads = (JSON.parse(row.uploads ?? '[]') as { expiresAt: number }[]).map((u) => ({ ...u, expiresAt: Date.now() + 5 * 60_000 }));
      db.prepare(
        `UPDATE jobs SET state = 'submitting', remote_id = NULL, submitted_at = NULL, progress = NULL, outputs = NULL,
           credits = NULL, completed_at = NULL, uploads = nullif(?, '[]') ${opts.forgetBody ? ', request_body = NULL' : ''} WHERE id = ?`,
      ).run(JSON.stringify(uploads), jobId);
      db.prepare('DELETE FROM assets WHERE job_id = ?').run(jobId);
    } finally {
      db.close();
    }
  };

  it('a crash after Apiframe accepted a job with a reference, reopened with < 10 min of upload life: the body first sent is resent and the original job followed', async () => {
    const job = await submit({ references: [await stage()] });
    await waitFor(() => srv.state.jobsCreated === 1, 'the first POST');
    await app.close();
    rewindToLostReply(job.id);
    app = await open();
    const done = await finished(job.id);
    expect(done.state).toBe('completed');
    expect(done.assetIds).toHaveLength(1);
    expect(srv.state.jobsCreated).toBe(1); // paid once
    const gens = srv.state.requestsTo('generate');
    expect(gens.map((g) => g.status)).toEqual([202, 202]); // the replay returned the original, no 409
    expect(gens[1]!.headers['idempotency-key']).toBe(gens[0]!.headers['idempotency-key']);
    expect(gens[1]!.body).toEqual(gens[0]!.body); // byte for byte the same request, old upload URL included
    expect(done.remoteJobId).toBe([...srv.state.jobs.keys()][0]);
  });

  it('a key past its 24 h is not resent on its own: the original is found in GET /v2/jobs and followed', async () => {
    const job = await submit();
    await waitFor(() => srv.state.jobsCreated === 1, 'the first POST');
    await app.close();
    rewindToLostReply(job.id);
    const db = new Database(join(dir, 'library.sqlite'));
    db.prepare('UPDATE jobs SET posted_at = ? WHERE id = ?').run(Date.now() - 25 * 3600_000, job.id); // "a day later"
    db.close();
    app = await open();
    const done = await finished(job.id);
    expect(done.state).toBe('completed');
    expect(srv.state.requestsTo('generate')).toHaveLength(1); // Apiframe would have forgotten the key: no resend
    expect(srv.state.jobsCreated).toBe(1);
    expect(done.remoteJobId).toBe([...srv.state.jobs.keys()][0]);
  });

  it('a 409 on our own key is not a dead end: the original job is found in GET /v2/jobs and followed', async () => {
    // Another job of the same model first, so the search has to tell them apart.
    const other = await finished((await submit({ prompt: 'A different picture entirely' })).id);
    const job = await submit({ references: [await stage()] });
    await waitFor(() => srv.state.jobsCreated === 2, 'the second POST');
    await app.close();
    rewindToLostReply(job.id, { forgetBody: true }); // the engine rebuilds the body with a fresh upload URL → 409
    app = await open();
    const done = await finished(job.id);
    expect(srv.state.requestsTo('generate').map((g) => g.status)).toEqual([202, 202, 409]);
    expect(srv.state.requestsTo('listJobs').length).toBeGreaterThan(0);
    expect(done.state).toBe('completed');
    expect(done.assetIds).toHaveLength(1);
    expect(srv.state.jobsCreated).toBe(2); // no third job: the original was adopted
    const original = [...srv.state.jobs.values()].find((j) => j.input['prompt'] === PROMPT)!;
    expect(done.remoteJobId).toBe(original.id);
    expect(done.remoteJobId).not.toBe(other.remoteJobId);
    expect(done.credits).toBe(9);
  });

  it('a 409 whose job list cannot be read yet looks again later instead of giving up', async () => {
    const job = await submit({ references: [await stage()] });
    await waitFor(() => srv.state.jobsCreated === 1, 'the first POST');
    await app.close();
    rewindToLostReply(job.id, { forgetBody: true });
    srv.state.inject('listJobs', { kind: 'status', status: 503 }, { times: 3 }); // more than the client retries
    app = await open();
    const done = await finished(job.id);
    expect(done.state).toBe('completed');
    expect(srv.state.jobsCreated).toBe(1);
    expect(srv.state.requestsTo('listJobs').filter((r) => r.status === 503)).toHaveLength(3);
    // The resend under the same key could only answer 409 again; it made no job.
    expect(srv.state.requestsTo('generate').slice(1).every((g) => g.status === 409)).toBe(true);
  });

  it('a 409 whose original cannot be found says so and what it may have cost; a retry pays again only when confirmed', async () => {
    const job = await submit({ references: [await stage()] });
    await waitFor(() => srv.state.jobsCreated === 1, 'the first POST');
    await app.close();
    rewindToLostReply(job.id, { forgetBody: true });
    srv.state.jobs.clear(); // Apiframe still holds the key, but the job is not in the account's list
    app = await open();
    const failed = await finished(job.id);
    expect(failed.state).toBe('failed');
    expect(failed.error).toMatchObject({ code: 'provider_conflict', params: { reason: 'original_not_found' } });
    expect(failed.charge).toBe('unknown');
    expect(failed.creditsEstimate).toBe(9);
    const refused = await callError(app, 'jobs.retry', { id: job.id });
    expect(refused.code).toBe('paid_retry_unconfirmed');
    expect(refused.params).toMatchObject({ credits: 9 });
    expect((await get(job.id)).state).toBe('failed'); // refused: nothing changed
    expect(srv.state.requestsTo('generate')).toHaveLength(2);
    await call(app, 'jobs.retry', { id: job.id, confirmPaid: true });
    const done = await finished(job.id);
    expect(done.state).toBe('completed');
    const keys = new Set(srv.state.requestsTo('generate').map((g) => g.headers['idempotency-key']));
    expect(keys.size).toBe(2); // the confirmed retry is a new job under a new key
  });

  it('an expired job keeps the charge Apiframe reports, and spend counts it as charged', async () => {
    srv.state.config.retentionMs = 0; // purged the moment it completes: the first COMPLETED poll says expired
    const done = await finished((await submit()).id);
    expect(done.state).toBe('expired');
    expect(done.error?.code).toBe('result_expired');
    expect(done.credits).toBe(9); // medium gpt-image-2: Apiframe's creditCost, not null
    const rows = await call(app, 'spend.summary', { groupBy: 'provider', from: null, to: null });
    const apiframe = rows.find((r) => r.key === 'apiframe');
    expect(apiframe).toMatchObject({ jobs: 1, credits: 9, unpricedJobs: 0, creditsEstimated: 0 });
  });

  it('a confirmed retry of an expired job pays again and spend keeps both charges', async () => {
    srv.state.config.retentionMs = 0;
    const expired = await finished((await submit()).id);
    expect(expired).toMatchObject({ state: 'expired', charge: 'charged', credits: 9 });
    expect((await callError(app, 'jobs.retry', { id: expired.id })).code).toBe('paid_retry_unconfirmed');
    srv.state.config.retentionMs = 24 * 3600_000;
    await call(app, 'jobs.retry', { id: expired.id, confirmPaid: true });
    const done = await finished(expired.id);
    expect(done).toMatchObject({ state: 'completed', credits: 9 });
    expect(srv.state.jobsCreated).toBe(2);
    const rows = await call(app, 'spend.summary', { groupBy: 'provider', from: null, to: null });
    expect(rows.find((r) => r.key === 'apiframe')).toMatchObject({ jobs: 1, credits: 18, images: 1 });
  });

  it('a job that asked for 3 images and got 1 is complete with the reason, and its charge covers 1', async () => {
    srv.state.config.returnedImages = 1;
    const done = await finished((await submit({ params: { quality: 'low', number_of_images: 3 } })).id);
    expect(done).toMatchObject({ state: 'completed', expectedCount: 3, creditsEstimate: 12, credits: 4, charge: 'charged' });
    expect(done.assetIds).toHaveLength(1);
    expect(jobShortfall(done)).toEqual({ returned: 1, expected: 3, chargedFor: 1 });
    expect(srv.state.credits(KEY)).toBe(1000 - 4); // the test server, like Apiframe, charged for the one image only
  });
});
