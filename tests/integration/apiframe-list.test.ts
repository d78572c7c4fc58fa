/**
 * `GET /v2/jobs` (OpenAPI `JobList`) through ApiframeClient.listJobs against the Apiframe test server over loopback,
 * and the adapter's findOriginal built on it: newest first, cursor pages, model filter, the key's own jobs only, a
 * bad limit refused; the original of a lost submit found among look-alikes (issue 9, item 1).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildGenerateBody } from '../../src/main/services/providers/apiframe/client';
import { createApiframeAdapter } from '../../src/main/services/providers/apiframe/adapter';
import type { ApiframeTestServer } from '../servers/apiframe/server';
import { KEY, OTHER_KEY, appErrorOf, fastClient, startServer } from './apiframe-helpers';

describe('GET /v2/jobs', () => {
  let srv: ApiframeTestServer;
  let t = Date.parse('2026-12-01T10:00:00Z');

  beforeEach(async () => {
    srv = await startServer({ now: () => t });
  });
  afterEach(async () => {
    expect(srv.state.responseViolations).toEqual([]); // every page matched the spec's JobList
    await srv.close();
  });

  const make = async (client: ReturnType<typeof fastClient>['client'], prompt: string, model: 'gpt-image-2' | 'gpt-image-1.5' = 'gpt-image-2') => {
    t += 1000;
    return (await client.generate(buildGenerateBody({ model, prompt, params: { quality: 'low' } }), { idempotencyKey: `k-${t}` })).jobId;
  };

  it('pages newest first with a cursor, filters by model, and shows only the key’s own jobs', async () => {
    const { client } = fastClient(srv);
    const ids = [await make(client, 'one'), await make(client, 'two'), await make(client, 'three'), await make(client, 'old model', 'gpt-image-1.5')];
    await make(fastClient(srv, { apiKey: OTHER_KEY }).client, 'another team');
    const first = await client.listJobs({ model: 'gpt-image-2', limit: 2 });
    expect(first.jobs.map((j) => j.id)).toEqual([ids[2], ids[1]]);
    expect(first.hasMore).toBe(true);
    expect(first.jobs[0]).not.toHaveProperty('input'); // list items carry no input
    const second = await client.listJobs({ model: 'gpt-image-2', limit: 2, cursor: first.nextCursor! });
    expect(second.jobs.map((j) => j.id)).toEqual([ids[0]]);
    expect(second).toMatchObject({ hasMore: false, nextCursor: null });
    expect((await client.listJobs()).jobs).toHaveLength(4);
    const err = await appErrorOf(() => client.listJobs({ limit: 101 }));
    expect(err).toMatchObject({ code: 'provider_rejected', status: 400 });
  });

  it('findOriginal: the oldest unclaimed job since the hint whose input matches, leaving out input_images', async () => {
    const { client } = fastClient(srv);
    const before = t;
    const decoy = await make(client, 'same prompt'); // already followed by another local job
    const original = await make(client, 'same prompt');
    await make(client, 'another prompt');
    const adapter = createApiframeAdapter({ timeoutMs: 5_000 });
    const ctx = { apiKey: KEY, baseUrl: srv.url };
    const body = { ...buildGenerateBody({ model: 'gpt-image-2', prompt: 'same prompt', params: { quality: 'low' } }) };
    const hint = { model: 'gpt-image-2' as const, prompt: 'same prompt', count: 1, since: before, exclude: new Set([decoy]) };
    expect(await adapter.findOriginal!({ ...hint, body }, ctx)).toBe(original);
    expect(await adapter.findOriginal!({ ...hint, body: null }, ctx)).toBe(original); // prompt, model and count
    expect(await adapter.findOriginal!({ ...hint, body: null, since: t + 1 }, ctx)).toBeNull(); // nothing that new
    expect(await adapter.findOriginal!({ ...hint, body: null, prompt: 'never sent' }, ctx)).toBeNull();
  });
});
