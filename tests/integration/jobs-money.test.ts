/**
 * Jobs never pay twice (issue 9, "Money"): the whole job path — dispatcher, journal, engine, Apiframe adapter —
 * against the Apiframe test server over loopback, with a real SQLite library. A resubmit under a key that may have
 * been used sends the body first sent; a 409 on our own key finds the original job; a retry that may pay again needs
 * the user's confirmation; an expired job keeps its charge.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/main/app';
import { call, openTestApp, tempDir, waitFor } from '../helpers/app';
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
});
