/**
 * Comparison fan-out through the whole app and the provider test servers: one prompt and one reference to four
 * runs on Apiframe, EvoLink and OpenAI forming one set of independent jobs (one run fails on a wrong key, the
 * others complete); an invalid run refuses the whole set with the run named and nothing created.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/main/app';
import type { CompareRun, CompareSetView } from '../../src/shared/contracts/compare';
import { GOOD_IMAGES } from '../helpers/paths';
import { call, callError, waitFor } from '../helpers/app';
import type { ApiframeTestServer } from '../servers/apiframe/server';
import type { EvolinkTestServer } from '../servers/evolink/server';
import type { OpenAiTestServer } from '../servers/openai/server';
import { startProviderWorld, type ProviderWorld } from '../helpers/provider-world';

const PROMPT = 'The same cup of coffee, photographed from above on a marble table';

describe('compare: fan-out to several providers', () => {
  let af: ApiframeTestServer;
  let ev: EvolinkTestServer;
  let oa: OpenAiTestServer;
  let app: App;
  let folderId: string;

  let world: ProviderWorld;
  beforeEach(async () => {
    world = await startProviderWorld('Coffee', { apiframe: { queueDelayMs: 30 }, openai: { processingDelayMs: 30 } });
    ({ af, ev, oa, app, folderId } = world);
  });
  afterEach(() => world.close());

  const coffee = async () => {
    const ref = await call(app, 'references.stage', {
      source: { name: 'coffee.png', dataBase64: (await readFile(join(GOOD_IMAGES, 'coffee.png'))).toString('base64') },
      provider: 'openai',
      model: 'gpt-image-2',
    });
    return [{ blobId: ref.id, name: ref.name }];
  };

  const settled = (id: string) =>
    waitFor(async () => {
      const set = await call(app, 'compare.get', { id });
      return set.items.every((i) => i.state && ['completed', 'failed', 'expired', 'canceled'].includes(i.state)) ? set : null;
    }, `set ${id} to settle`);

  const RUNS: CompareRun[] = [
    { provider: 'apiframe', model: 'gpt-image-2', params: { quality: 'medium' } },
    { provider: 'apiframe', model: 'gpt-image-1.5', params: { quality: 'low' } },
    { provider: 'evolink', model: 'gpt-image-2', params: { size: '1:1', quality: 'low' } },
    { provider: 'openai', model: 'gpt-image-2', params: { size: '1024x1024', quality: 'low' } },
  ];

  it('one set of independent jobs: a run with a wrong key fails, the other three complete with their costs', async () => {
    await call(app, 'settings.setKey', { provider: 'evolink', key: 'sk-evo-wrong-key-9999' });
    const references = await coffee();
    const set = await call(app, 'compare.run', { folderId, prompt: PROMPT, references, runs: RUNS, blind: false });
    expect(set.items).toHaveLength(4);
    expect(new Set(set.items.map((i) => i.jobId)).size).toBe(4);
    const done = await settled(set.id);
    // Not blind: run order, labels shown.
    expect(done.items.map((i) => [i.details?.provider, i.details?.model, i.state])).toEqual([
      ['apiframe', 'gpt-image-2', 'completed'],
      ['apiframe', 'gpt-image-1.5', 'completed'],
      ['evolink', 'gpt-image-2', 'failed'],
      ['openai', 'gpt-image-2', 'completed'],
    ]);
    const [a, b, e, o] = done.items;
    expect(e!.error?.code).toBe('provider_auth');
    expect(e!.assetId).toBeNull();
    for (const ok of [a!, b!, o!]) {
      expect(ok.assetId).not.toBeNull();
      expect(ok.blob?.width).toBeGreaterThan(0);
      expect(ok.details?.durationMs).toBeGreaterThanOrEqual(0);
    }
    expect(a!.details).toMatchObject({ credits: 9, creditsEstimate: 9, params: { quality: 'medium' } });
    expect(b!.details).toMatchObject({ creditsEstimate: 2 });
    expect(o!.details?.costUsd).toBeGreaterThan(0);
    // Every job saw the reference and the same prompt.
    const jobs = await call(app, 'jobs.list', { folderId });
    expect(jobs).toHaveLength(4);
    expect(jobs.every((j) => j.referenceCount === 1 && j.prompt === PROMPT)).toBe(true);
    expect(oa.state.requestsTo('edits')).toHaveLength(1);
    // A failed run cannot be voted for; the others can.
    const err = await callError(app, 'compare.verdict', { id: set.id, ranking: [e!.id] });
    expect(err).toMatchObject({ code: 'validation', params: { reason: 'no_image' } });
    const voted = await call(app, 'compare.verdict', { id: set.id, ranking: [o!.id] });
    expect(voted.items.find((i) => i.id === o!.id)?.rank).toBe(1);
    const stats = await call(app, 'compare.stats', {});
    // Three models had an image (the failed EvoLink run took no part).
    expect(stats.byProject.map((r) => [r.provider, r.model, r.votes, r.wins])).toEqual([
      ['openai', 'gpt-image-2', 1, 1],
      ['apiframe', 'gpt-image-1.5', 1, 0],
      ['apiframe', 'gpt-image-2', 1, 0],
    ]);
    expect(await call(app, 'compare.list', { folderId })).toEqual([
      expect.objectContaining({ id: set.id, kind: 'runs', itemCount: 4, decided: true, prompt: PROMPT }),
    ]);
  });

  it('an invalid run refuses the whole set, naming the run; nothing is created or sent', async () => {
    const references = await coffee();
    const runs: CompareRun[] = [RUNS[0]!, { provider: 'evolink', model: 'gpt-image-2', params: { size: '1000x1000' } }, RUNS[3]!];
    const err = await callError(app, 'compare.run', { folderId, prompt: PROMPT, references, runs });
    expect(err.code).toBe('validation');
    expect(err.params).toMatchObject({ run: 2, provider: 'evolink', model: 'gpt-image-2', field: 'size' });
    expect(await call(app, 'jobs.list', { folderId })).toEqual([]);
    expect(await call(app, 'compare.list', { folderId })).toEqual([]);
    expect(app.services.db.prepare('SELECT count(*) AS n FROM comparison_items').get()).toEqual({ n: 0 });
    await new Promise((r) => setTimeout(r, 100));
    expect(af.state.requests.length + ev.state.requestsTo('create').length + oa.state.requestsTo('edits').length).toBe(0);
  });

  it('a run whose provider has no key refuses the set with that run named', async () => {
    await call(app, 'settings.clearKey', { provider: 'openai' });
    const err = await callError(app, 'compare.run', { folderId, prompt: PROMPT, references: [], runs: [RUNS[0]!, RUNS[3]!] });
    expect(err).toMatchObject({ code: 'no_api_key', params: { run: 2, provider: 'openai' } });
    expect(await call(app, 'jobs.list', { folderId })).toEqual([]);
  });

  it('a set needs 2–4 runs', async () => {
    const one = await callError(app, 'compare.run', { folderId, prompt: PROMPT, references: [], runs: [RUNS[0]!] });
    expect(one.code).toBe('validation');
    const five = await callError(app, 'compare.run', { folderId, prompt: PROMPT, references: [], runs: [...RUNS, RUNS[0]!] });
    expect(five.code).toBe('validation');
  });

  it('events: the set announces itself and its runs report through job.updated', async () => {
    const seen: string[] = [];
    const stop = app.services.bus.subscribe((e) => {
      if (e.name === 'compare.changed') seen.push(e.payload.setId);
    });
    const set: CompareSetView = await call(app, 'compare.run', { folderId, prompt: PROMPT, references: [], runs: [RUNS[0]!, RUNS[1]!] });
    stop();
    expect(seen).toEqual([set.id]);
  });
});
