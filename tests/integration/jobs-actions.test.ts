/**
 * Every action the queue offers works from every state it is offered in (issue 9, item 3): each job state is driven
 * for real — the engine, a SQLite library and the Apiframe test server over loopback — and each action that
 * `jobActions` (src/shared/jobs.ts, the function the queue drawer uses) offers is performed through the dispatcher
 * and must not be refused; an action not offered must be refused, so the UI and the engine agree both ways.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/main/app';
import { JOB_STATES, type JobState, type JobView } from '../../src/shared/domain';
import { jobActions } from '../../src/shared/jobs';
import { call, callError, openTestApp, tempDir, waitFor } from '../helpers/app';
import { KEY, startServer } from './apiframe-helpers';
import type { ApiframeTestServer } from '../servers/apiframe/server';

describe('every job state × every action the queue offers', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let srv: ApiframeTestServer;
  let app: App;
  let folderId: string;

  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
    // A prompt with [[long]] runs 20 s at the server, so `running` lasts; others 400 ms.
    srv = await startServer({
      jobDurationMs: 400,
      queueDelayMs: 50,
      durationFor: (body) => (String(body['prompt']).includes('[[long]]') ? 20_000 : 400),
    });
    app = await openTestApp(dir, { env: { ATELIER_APIFRAME_BASE_URL: srv.url } });
    await call(app, 'settings.setKey', { provider: 'apiframe', key: KEY });
    folderId = (await call(app, 'folders.create', { name: 'Actions', parentId: null })).id;
  });
  afterEach(async () => {
    await call(app, 'settings.clearKey', { provider: 'apiframe' });
    await app.close();
    await srv.close();
    await cleanup();
  });

  const get = (id: string) => call(app, 'jobs.get', { id });
  const submit = (prompt = 'a paper boat on a puddle') =>
    call(app, 'jobs.submit', { folderId, provider: 'apiframe', model: 'gpt-image-2', prompt, params: { quality: 'low' }, references: [] });
  const until = (id: string, state: JobState) =>
    waitFor(async () => {
      const j = await get(id);
      return j.state === state ? j : null;
    }, `${id} ${state}`);

  /** Brings a fresh job into `state` for real and returns its view. */
  const drive: Record<JobState, () => Promise<JobView>> = {
    queued: async () => {
      await call(app, 'queue.pause', { scope: 'apiframe' });
      return until((await submit()).id, 'queued');
    },
    submitting: async () => {
      srv.state.inject('generate', { kind: 'slow', delayMs: 1500 });
      return until((await submit()).id, 'submitting');
    },
    running: async () => until((await submit('a paper boat [[long]]')).id, 'running'),
    downloading: async () => {
      srv.state.inject('cdn', { kind: 'slow', delayMs: 1500 });
      return until((await submit()).id, 'downloading');
    },
    completed: async () => until((await submit()).id, 'completed'),
    failed: async () => {
      const job = await until((await submit('please [[fail]] this')).id, 'failed');
      srv.state.config.failMarker = '[[never]]'; // the retry may succeed
      return job;
    },
    canceled: async () => {
      await call(app, 'queue.pause', { scope: 'apiframe' });
      const job = await submit();
      await call(app, 'jobs.cancel', { id: job.id });
      await call(app, 'queue.resume', { scope: 'apiframe' });
      return until(job.id, 'canceled');
    },
    expired: async () => {
      srv.state.config.retentionMs = 0; // purged as it completes
      const job = await until((await submit()).id, 'expired');
      srv.state.config.retentionMs = 24 * 3600_000;
      return job;
    },
  };

  for (const state of JOB_STATES) {
    it(`${state}: each offered action is accepted, the others refused`, async () => {
      const job = await drive[state]();
      expect(job.state).toBe(state);
      const actions = jobActions(job);
      // First what is not offered: the engine refuses it and nothing changes.
      if (!actions.cancel) {
        expect((await callError(app, 'jobs.cancel', { id: job.id })).code).toBe('conflict');
      }
      if (!actions.retry) {
        expect((await callError(app, 'jobs.retry', { id: job.id, confirmPaid: true })).code).toBe('conflict');
      }
      expect((await get(job.id)).state).toBe(state);
      // Then what is offered, as the queue performs it.
      if (actions.cancel) {
        const after = await call(app, 'jobs.cancel', { id: job.id });
        expect(after.state === 'canceled' || after.cancelRequested).toBe(true);
      }
      if (actions.retry) {
        if (actions.retry.confirm) {
          // Offered behind a confirmation that names the cost: unconfirmed it is refused, and nothing changes.
          const refused = await callError(app, 'jobs.retry', { id: job.id });
          expect(refused.code).toBe('paid_retry_unconfirmed');
          expect((await get(job.id)).state).toBe(state);
        }
        const before = srv.state.jobsCreated;
        const retried = await call(app, 'jobs.retry', { id: job.id, confirmPaid: actions.retry.confirm });
        expect(['queued', 'submitting', 'running']).toContain(retried.state);
        const done = await until(job.id, 'completed');
        expect(done.assetIds).toHaveLength(1);
        expect(srv.state.jobsCreated).toBe(actions.retry.mode === 'resume' ? before : before + 1);
      }
    });
  }

  it('failed on our side while Apiframe has the job: retry resumes watching, offered free and accepted', async () => {
    const job = await until((await submit()).id, 'running');
    srv.state.inject('getJob', { kind: 'json', body: { nonsense: true } }, { times: 100 });
    const failed = await until(job.id, 'failed');
    srv.state.clearFaults();
    expect(jobActions(failed).retry).toEqual({ mode: 'resume', confirm: false });
    await call(app, 'jobs.retry', { id: job.id });
    await until(job.id, 'completed');
    expect(srv.state.jobsCreated).toBe(1);
  });
});
