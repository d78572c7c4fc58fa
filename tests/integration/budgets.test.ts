/**
 * Budgets per project (issue 13) on a real library, with the Apiframe test server (credits) and one movable clock:
 * a monthly cap refuses the submit that would pass it with the numbers (jobs in the queue count at their estimate,
 * finished ones at their charge), the next month starts afresh, a total cap does not, `overrideBudget` lets a
 * submit through, a batch is refused by the same check with nothing created, a folder inside the project counts
 * for the project, and a budget is set and removed without confirmation. Then the cost per kept image, a job in the
 * queue across a month's end, a batch's retry of its failed rows checked like a submit, a comparison let through
 * once confirmed, and one job's fresh retry checked like a submit.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/main/app';
import type { AppError } from '../../src/shared/errors';
import { call, callError, openTestApp, tempDir, waitFor } from '../helpers/app';
import { startApiframeTestServer, type ApiframeTestServer } from '../servers/apiframe/server';

const KEY = 'afk_budget_key_0001';
/** 2026-11-30 22:00 UTC: two hours before December. */
const START = Date.UTC(2026, 10, 30, 22, 0, 0);
const LOW = { quality: 'low', number_of_images: 1 }; // 4 credits estimated (docs-v2.apiframe.ai gpt-image-2)

describe('budgets', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let af: ApiframeTestServer;
  let app: App;
  let offset = 0;
  const t0 = Date.now();
  const now = (): number => START + offset + (Date.now() - t0);
  let projectId: string;
  let folderId: string;

  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir('atelier-budget-'));
    af = await startApiframeTestServer({ keys: [KEY], jobDurationMs: 150, queueDelayMs: 10, imageLongEdge: 64 });
    app = await openTestApp(dir, { env: { ATELIER_APIFRAME_BASE_URL: af.url }, now });
    await call(app, 'settings.setKey', { provider: 'apiframe', key: KEY });
    projectId = (await call(app, 'folders.create', { name: 'Poster', parentId: null })).id;
    folderId = (await call(app, 'folders.create', { name: 'Drafts', parentId: projectId })).id;
  });
  afterAll(async () => {
    await call(app, 'settings.clearKey', { provider: 'apiframe' }).catch(() => {});
    await app?.close();
    await af?.close();
    await cleanup?.();
  });

  const submit = (extra: { overrideBudget?: boolean } = {}) =>
    call(app, 'jobs.submit', { folderId, provider: 'apiframe', model: 'gpt-image-2', prompt: 'a paper crane', params: LOW, references: [], ...extra });
  const refused = (extra: { overrideBudget?: boolean } = {}) =>
    callError(app, 'jobs.submit', { folderId, provider: 'apiframe', model: 'gpt-image-2', prompt: 'a paper crane', params: LOW, references: [], ...extra });
  const done = (id: string) => waitFor(async () => ((await call(app, 'jobs.get', { id })).state === 'completed' ? true : null), `job ${id}`);
  const jobCount = async () => (await call(app, 'jobs.list', { folderId: null })).length;

  it('a monthly cap refuses what would pass it, with the numbers; December starts afresh', async () => {
    const set = await call(app, 'budgets.set', { projectId, credits: 10, usd: null, period: 'month' });
    expect(set).toMatchObject({ projectId, projectName: 'Poster', budget: { credits: 10, usd: null, period: 'month' }, left: { credits: 10, usd: null } });
    expect(set.periodStart).toBe(Date.UTC(2026, 10, 1));

    const a = await submit();
    // Queued, not charged yet: counted at its estimate, so the next submit sees it.
    const during = await call(app, 'budgets.get', { folderId });
    expect(during.used.creditsEstimated + during.used.credits).toBe(4);
    const b = await submit();
    await done(a.id);
    await done(b.id);
    const after = await call(app, 'budgets.get', { folderId: projectId });
    expect(after.used).toMatchObject({ credits: 8, creditsEstimated: 0 });
    expect(after.left.credits).toBe(2);

    const before = await jobCount();
    const err = await refused();
    expect(err.code).toBe('budget_exceeded');
    expect(err.params).toMatchObject({ project: 'Poster', projectId, unit: 'credits', cap: 10, used: 8, left: 2, estimate: 4, period: 'month', estimated: false });
    expect(await jobCount()).toBe(before); // nothing was journalled

    // Across midnight UTC into December: the cap is this month's.
    offset += 2 * 3600_000 + 60_000;
    const dec = await call(app, 'budgets.get', { folderId });
    expect(dec.periodStart).toBe(Date.UTC(2026, 11, 1));
    expect(dec.used.credits).toBe(0);
    expect(dec.left.credits).toBe(10);
    const c = await submit();
    await done(c.id);
  });

  it('a total cap counts every month; an override is let through and then counted', async () => {
    await call(app, 'budgets.set', { projectId, credits: 12, usd: null, period: 'total' });
    const s = await call(app, 'budgets.get', { folderId });
    expect(s.periodStart).toBeNull();
    expect(s.used.credits).toBe(12);
    expect(s.left.credits).toBe(0);
    const err: AppError = await refused();
    expect(err.params).toMatchObject({ unit: 'credits', cap: 12, used: 12, left: 0, estimate: 4, period: 'total' });
    expect((await refused({ overrideBudget: false })).code).toBe('budget_exceeded');
    const over = await submit({ overrideBudget: true });
    await done(over.id);
    expect((await call(app, 'budgets.get', { folderId })).used.credits).toBe(16);
  });

  it('a batch is refused by the same check, with its summed estimate, and nothing is created', async () => {
    await call(app, 'budgets.set', { projectId, credits: 26, usd: null, period: 'total' }); // 10 left
    const input = {
      folderId,
      provider: 'apiframe' as const,
      model: 'gpt-image-2' as const,
      params: LOW,
      template: 'a {color} kite',
      table: 'color\nred\ngreen\nblue\n',
      references: [],
    };
    const before = await jobCount();
    const err = await callError(app, 'batches.submit', input);
    expect(err.code).toBe('budget_exceeded');
    expect(err.params).toMatchObject({ unit: 'credits', cap: 26, used: 16, left: 10, estimate: 12 });
    expect(await jobCount()).toBe(before);
    expect(await call(app, 'batches.list', { folderId: null })).toHaveLength(0);
    // Two rows fit.
    const two = await call(app, 'batches.submit', { ...input, table: 'color\nred\ngreen\n' });
    expect(two.total).toBe(2);
    for (const id of two.jobIds) await done(id);
    // Confirmed, three rows pass the cap.
    const three = await call(app, 'batches.submit', { ...input, overrideBudget: true });
    expect(three.total).toBe(3);
    for (const id of three.jobIds) await done(id);
  });

  it('a comparison whose runs together would pass the cap is refused before any run is made', async () => {
    // Room for one run (4 credits), not for two.
    await call(app, 'budgets.set', { projectId, credits: 40, usd: null, period: 'total' }); // 36 used, 4 left
    const before = await jobCount();
    const events: string[] = [];
    const off = app.services.bus.subscribe((e) => events.push(e.name));
    const err = await callError(app, 'compare.run', {
      folderId,
      prompt: 'two cranes',
      references: [],
      runs: [
        { provider: 'apiframe', model: 'gpt-image-2', params: LOW },
        { provider: 'apiframe', model: 'gpt-image-1.5', params: { quality: 'low' } },
      ],
      blind: false,
    });
    off();
    expect(err.code).toBe('budget_exceeded');
    expect(err.params).toMatchObject({ unit: 'credits', cap: 40, used: 36, left: 4 });
    expect(await jobCount()).toBe(before);
    expect(await call(app, 'compare.list', { folderId })).toEqual([]);
    expect(events).not.toContain('job.updated'); // no run was announced and then rolled back
  });

  it('a budget is set on a project only, and removed with both caps empty', async () => {
    const err = await callError(app, 'budgets.set', { projectId: folderId, credits: 5, usd: null, period: 'month' });
    expect(err).toMatchObject({ code: 'validation', params: { field: 'projectId', reason: 'not_a_project' } });
    expect((await callError(app, 'budgets.get', { folderId: '00000000-0000-4000-8000-000000000000' })).code).toBe('not_found');
    expect((await call(app, 'budgets.list', {})).map((b) => b.projectName)).toEqual(['Poster']);
    const off = await call(app, 'budgets.set', { projectId, credits: null, usd: null, period: 'month' });
    expect(off.budget).toBeNull();
    expect(await call(app, 'budgets.list', {})).toEqual([]);
    const j = await submit();
    await done(j.id);
  });

  it('cost per kept image: spend ÷ images picked or rated at least the chosen rating', async () => {
    const jobs = (await call(app, 'jobs.list', { folderId: null })).filter((j) => j.state === 'completed');
    const assetIds = jobs.flatMap((j) => j.assetIds);
    expect(assetIds.length).toBe(jobs.length);
    // 9 jobs of 4 credits each (36 credits) made 9 images: rate three ★4, one ★2, pick one.
    await call(app, 'assets.update', { ids: assetIds.slice(0, 3), patch: { rating: 4 } });
    await call(app, 'assets.update', { ids: [assetIds[3]!], patch: { rating: 2 } });
    await call(app, 'assets.update', { ids: [assetIds[4]!], patch: { flag: 1 } });
    const credits = jobs.reduce((s, j) => s + (j.credits ?? 0), 0);
    expect(credits).toBe(4 * jobs.length);
    const byProject = await call(app, 'spend.kept', { groupBy: 'project', minRating: 3 });
    expect(byProject).toEqual([
      expect.objectContaining({ key: projectId, label: 'Poster', images: jobs.length, kept: 4, credits, creditsPerKept: credits / 4, usdPerKept: null, estimated: false }),
    ]);
    const two = await call(app, 'spend.kept', { groupBy: 'model', minRating: 2 });
    expect(two).toEqual([expect.objectContaining({ key: 'gpt-image-2', kept: 5, creditsPerKept: credits / 5 })]);
    // A trashed image is not kept.
    await call(app, 'assets.trash', { ids: [assetIds[0]!] });
    const provider = await call(app, 'spend.kept', { groupBy: 'provider', minRating: 3 });
    expect(provider).toEqual([expect.objectContaining({ key: 'apiframe', images: jobs.length - 1, kept: 3, creditsPerKept: credits / 3 })]);
  });

  it('a job still in the queue when the month turns counts in the new month, where it will be charged', async () => {
    const cal = (await call(app, 'folders.create', { name: 'Calendar', parentId: null })).id;
    await call(app, 'budgets.set', { projectId: cal, credits: 6, usd: null, period: 'month' });
    offset = Date.UTC(2026, 11, 31, 23, 59, 0) - START - (Date.now() - t0); // a minute before January
    await call(app, 'queue.pause', { scope: 'all' });
    const held = await call(app, 'jobs.submit', { folderId: cal, provider: 'apiframe', model: 'gpt-image-2', prompt: 'a paper crane', params: LOW, references: [] });
    offset += 2 * 60_000; // January, the job not sent yet
    const jan = await call(app, 'budgets.get', { folderId: cal });
    expect(jan.periodStart).toBe(Date.UTC(2027, 0, 1));
    expect(jan.used.creditsEstimated).toBe(4);
    expect(jan.left.credits).toBe(2);
    const err = await callError(app, 'jobs.submit', { folderId: cal, provider: 'apiframe', model: 'gpt-image-2', prompt: 'a second crane', params: LOW, references: [] });
    expect(err).toMatchObject({ code: 'budget_exceeded', params: { used: 4, left: 2, estimate: 4 } });
    await call(app, 'queue.resume', { scope: 'all' });
    await done(held.id);
    expect((await call(app, 'budgets.get', { folderId: cal })).used).toMatchObject({ credits: 4, creditsEstimated: 0 });
  });

  it('retrying a batch’s failed rows is checked against the budget like a submit; confirmed, it goes through', async () => {
    const proj = (await call(app, 'folders.create', { name: 'Retries', parentId: null })).id;
    await call(app, 'queue.pause', { scope: 'all' });
    const batch = await call(app, 'batches.submit', {
      folderId: proj,
      provider: 'apiframe',
      model: 'gpt-image-2',
      params: LOW,
      template: 'a {color} kite',
      table: 'color\nred\ngreen\nblue\n',
      references: [],
    });
    // Canceled before anything was sent: nothing charged, nothing counted.
    const canceled = await call(app, 'batches.cancel', { id: batch.id });
    expect(canceled.failed).toBe(3);
    await call(app, 'queue.resume', { scope: 'all' });
    await call(app, 'budgets.set', { projectId: proj, credits: 8, usd: null, period: 'total' });
    expect((await call(app, 'budgets.get', { folderId: proj })).left.credits).toBe(8);
    // Three rows at 4 credits each would pass the cap of 8: refused with the numbers, and no row moves.
    const err = await callError(app, 'batches.retryFailed', { id: batch.id });
    expect(err).toMatchObject({ code: 'budget_exceeded', params: { project: 'Retries', unit: 'credits', cap: 8, used: 0, left: 8, estimate: 12 } });
    expect((await call(app, 'batches.get', { id: batch.id })).rows.map((r) => r.state)).toEqual(['canceled', 'canceled', 'canceled']);
    // Confirmed by the user: the rows run.
    const retried = await call(app, 'batches.retryFailed', { id: batch.id, overrideBudget: true });
    expect(retried.failed).toBe(0);
    for (const id of retried.jobIds) await done(id);
    expect((await call(app, 'budgets.get', { folderId: proj })).used.credits).toBe(12);
  });

  it('a batch row Apiframe already has, failed on our side, is resumed without a budget check (nothing new is paid)', async () => {
    const proj = (await call(app, 'folders.create', { name: 'Watch', parentId: null })).id;
    await call(app, 'budgets.set', { projectId: proj, credits: 8, usd: null, period: 'total' });
    const batch = await call(app, 'batches.submit', {
      folderId: proj,
      provider: 'apiframe',
      model: 'gpt-image-2',
      params: LOW,
      template: 'a {color} kite',
      table: 'color\nred\n',
      references: [],
    });
    const rowJob = batch.jobIds[0]!;
    await waitFor(async () => ((await call(app, 'jobs.get', { id: rowJob })).state === 'running' ? true : null), 'row running');
    af.state.inject('getJob', { kind: 'json', body: { nonsense: true } }, { times: 100 });
    await waitFor(async () => ((await call(app, 'jobs.get', { id: rowJob })).state === 'failed' ? true : null), 'row failed');
    af.state.clearFaults();
    // Another job takes the project to 4 of 8 used; counting the resumed row again would refuse the retry.
    const other = await call(app, 'jobs.submit', { folderId: proj, provider: 'apiframe', model: 'gpt-image-2', prompt: 'a paper crane', params: LOW, references: [] });
    await done(other.id);
    await call(app, 'budgets.set', { projectId: proj, credits: 6, usd: null, period: 'total' });
    const created = af.state.jobsCreated;
    await call(app, 'batches.retryFailed', { id: batch.id });
    await done(rowJob);
    expect(af.state.jobsCreated).toBe(created); // watched again, not sent again
  });

  it('a comparison refused by the budget goes through once the user confirms it (overrideBudget)', async () => {
    const proj = (await call(app, 'folders.create', { name: 'Pairs', parentId: null })).id;
    await call(app, 'budgets.set', { projectId: proj, credits: 4, usd: null, period: 'total' });
    const input = {
      folderId: proj,
      prompt: 'two cranes',
      references: [],
      runs: [
        { provider: 'apiframe' as const, model: 'gpt-image-2' as const, params: LOW },
        { provider: 'apiframe' as const, model: 'gpt-image-2' as const, params: LOW },
      ],
      blind: false,
    };
    expect(await callError(app, 'compare.run', input)).toMatchObject({ code: 'budget_exceeded', params: { cap: 4, left: 4, estimate: 8 } });
    const set = await call(app, 'compare.run', { ...input, overrideBudget: true });
    expect(set.items).toHaveLength(2);
    for (const item of set.items) await done(item.jobId!);
    expect((await call(app, 'budgets.get', { folderId: proj })).used.credits).toBe(8);
  });

  it('retrying one job afresh is checked against the budget like a submit; confirmed, it goes through', async () => {
    const proj = (await call(app, 'folders.create', { name: 'Singles', parentId: null })).id;
    await call(app, 'queue.pause', { scope: 'all' });
    const job = await call(app, 'jobs.submit', { folderId: proj, provider: 'apiframe', model: 'gpt-image-2', prompt: 'one crane', params: LOW, references: [] });
    // Canceled before it was sent: nothing charged, so its retry is a fresh submit at 4 credits.
    await call(app, 'jobs.cancel', { id: job.id });
    await call(app, 'queue.resume', { scope: 'all' });
    await call(app, 'budgets.set', { projectId: proj, credits: 3, usd: null, period: 'total' });
    const created = af.state.jobsCreated;
    const err = await callError(app, 'jobs.retry', { id: job.id });
    expect(err).toMatchObject({ code: 'budget_exceeded', params: { project: 'Singles', unit: 'credits', cap: 3, left: 3, estimate: 4 } });
    expect((await call(app, 'jobs.get', { id: job.id })).state).toBe('canceled');
    expect(af.state.jobsCreated).toBe(created);
    await call(app, 'jobs.retry', { id: job.id, overrideBudget: true });
    await done(job.id);
    expect(af.state.jobsCreated).toBe(created + 1);
  });
});
