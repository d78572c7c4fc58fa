/**
 * Blind comparisons and the stats, on the offline sandbox provider: the shuffled order is fixed per set (a reopened
 * library shows the same order), labels stay hidden until a verdict, verdicts replace each other, and win rates
 * are counted per project and per tag with their votes. Also sets of images picked in the gallery, and the diff.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/main/app';
import type { CompareRun, CompareSetView } from '../../src/shared/contracts/compare';
import { shuffledOrder } from '../../src/main/services/compare/shuffle';
import { call, callError, openTestApp, tempDir, waitFor } from '../helpers/app';

const RUNS: CompareRun[] = [
  { provider: 'sandbox', model: 'gpt-image-2', params: { quality: 'low' } },
  { provider: 'sandbox', model: 'gpt-image-1.5', params: { quality: 'low' } },
  { provider: 'sandbox', model: 'gpt-image-2', params: { quality: 'high', aspect_ratio: '3:2' } },
  { provider: 'sandbox', model: 'gpt-image-1.5', params: { quality: 'high' } },
];

describe('compare: blind order, verdicts and stats', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let app: App;
  let project: string;

  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
    app = await openTestApp(dir, { env: { ATELIER_SANDBOX_JOB_MS: '60' } });
    project = (await call(app, 'folders.create', { name: 'Portraits', parentId: null })).id;
  });
  afterEach(async () => {
    await app.close();
    await cleanup();
  });

  const ready = (id: string) =>
    waitFor(async () => {
      const s = await call(app, 'compare.get', { id });
      return s.items.every((i) => i.state === 'completed' && i.blob) ? s : null;
    }, `set ${id}`);

  const runSet = async (folderId: string, runs = RUNS, blind = true): Promise<CompareSetView> =>
    ready((await call(app, 'compare.run', { folderId, prompt: 'a red fox in snow', references: [], runs, blind })).id);

  it('a blind set keeps its shuffled order across a restart and hides every label until the verdict', async () => {
    const set = await runSet(project);
    expect(set.blind).toBe(true);
    expect(set.labelsHidden).toBe(true);
    expect(set.items.every((i) => i.details === null)).toBe(true);
    // Nothing in the blind view names a model or a parameter.
    const json = JSON.stringify(set);
    for (const leak of ['gpt-image', 'sandbox', 'quality', 'aspect_ratio']) expect(json).not.toContain(leak);
    // The order is the seeded shuffle of the run order, the same after a restart.
    const seed = (app.services.db.prepare('SELECT seed FROM comparison_sets WHERE id = ?').get(set.id) as { seed: number }).seed;
    const jobOrder = (app.services.db.prepare('SELECT job_id AS j FROM comparison_items WHERE set_id = ? ORDER BY position').all(set.id) as { j: string }[]).map((r) => r.j);
    expect(set.items.map((i) => i.jobId)).toEqual(shuffledOrder(4, seed).map((p) => jobOrder[p]));
    const order = set.items.map((i) => i.id);
    await app.close();
    app = await openTestApp(dir, { env: { ATELIER_SANDBOX_JOB_MS: '60' } });
    const again = await call(app, 'compare.get', { id: set.id });
    expect(again.items.map((i) => i.id)).toEqual(order);
    expect(again.labelsHidden).toBe(true);

    // The verdict reveals the labels; the order does not move.
    const winner = again.items[2]!;
    const decided = await call(app, 'compare.verdict', { id: set.id, ranking: [winner.id] });
    expect(decided.labelsHidden).toBe(false);
    expect(decided.items.map((i) => i.id)).toEqual(order);
    expect(decided.items.every((i) => i.details?.provider === 'sandbox')).toBe(true);
    expect(decided.verdict).toMatchObject({ ranking: [winner.id], blind: true });
    expect(decided.items.map((i) => i.rank)).toEqual([null, null, 1, null]);
  });

  it('blind off shows the run order with labels; blind on shuffles again by the same seed', async () => {
    const set = await runSet(project);
    const open = await call(app, 'compare.setBlind', { id: set.id, blind: false });
    expect(open.labelsHidden).toBe(false);
    expect(open.items.map((i) => [i.details?.model, i.details?.params['quality']])).toEqual(
      RUNS.map((r) => [r.model, r.params['quality']]),
    );
    const blindAgain = await call(app, 'compare.setBlind', { id: set.id, blind: true });
    expect(blindAgain.items.map((i) => i.id)).toEqual(set.items.map((i) => i.id));
  });

  it('a full ranking is stored; a new verdict replaces the old; unknown items are refused', async () => {
    const set = await runSet(project, RUNS.slice(0, 3));
    const ids = set.items.map((i) => i.id);
    const ranked = await call(app, 'compare.verdict', { id: set.id, ranking: [ids[1]!, ids[2]!, ids[0]!] });
    expect(ranked.items.map((i) => i.rank)).toEqual([3, 1, 2]);
    const changed = await call(app, 'compare.verdict', { id: set.id, ranking: [ids[0]!] });
    expect(changed.items.map((i) => i.rank)).toEqual([1, null, null]);
    expect((await call(app, 'compare.stats', {})).byProject.reduce((n, r) => n + r.wins, 0)).toBe(1);
    const err = await callError(app, 'compare.verdict', { id: set.id, ranking: ['nope'] });
    expect(err).toMatchObject({ code: 'validation', params: { field: 'ranking', reason: 'unknown_item' } });
    expect((await callError(app, 'compare.get', { id: 'missing' })).code).toBe('not_found');
  });

  it('win rates per project and per tag with their votes', async () => {
    const other = (await call(app, 'folders.create', { name: 'Animals', parentId: null })).id;
    const nested = (await call(app, 'folders.create', { name: 'Foxes', parentId: other })).id;
    const two = [RUNS[0]!, RUNS[1]!]; // gpt-image-2 vs gpt-image-1.5
    const pick = async (folderId: string, winnerModel: string) => {
      const s = await call(app, 'compare.setBlind', { id: (await runSet(folderId, two)).id, blind: false });
      const w = s.items.find((i) => i.details?.model === winnerModel)!;
      return call(app, 'compare.verdict', { id: s.id, ranking: [w.id] });
    };
    // Portraits: gpt-image-2 wins 2 of 3. Animals (in a nested folder): gpt-image-1.5 wins 1 of 1.
    await pick(project, 'gpt-image-2');
    await pick(project, 'gpt-image-2');
    const lost = await pick(project, 'gpt-image-1.5');
    await pick(nested, 'gpt-image-1.5');
    const stats = await call(app, 'compare.stats', {});
    const rows = stats.byProject.map((r) => [r.label, r.model, r.votes, r.wins, Number(r.winRate.toFixed(3)), r.blindVotes]);
    expect(rows).toEqual([
      ['Animals', 'gpt-image-1.5', 1, 1, 1, 0],
      ['Animals', 'gpt-image-2', 1, 0, 0, 0],
      ['Portraits', 'gpt-image-2', 3, 2, 0.667, 0],
      ['Portraits', 'gpt-image-1.5', 3, 1, 0.333, 0],
    ]);
    expect(stats.byProject.every((r) => r.provider === 'sandbox')).toBe(true);

    expect(stats.byTag).toEqual([]); // no image has a tag yet
    const db = app.services.db;
    // Tag the images of the set gpt-image-1.5 won in Portraits: that tag shows one vote, won by gpt-image-1.5.
    db.prepare("INSERT INTO tags (id, name, key, fold) VALUES (7, 'Winter', 'winter', 'winter')").run();
    for (const item of lost.items) db.prepare('INSERT INTO asset_tags (asset_id, tag_id) VALUES (?, 7)').run(item.assetId);
    const tagged = await call(app, 'compare.stats', {});
    expect(tagged.byTag?.map((r) => [r.key, r.label, r.model, r.votes, r.wins])).toEqual([
      ['7', 'Winter', 'gpt-image-1.5', 1, 1],
      ['7', 'Winter', 'gpt-image-2', 1, 0],
    ]);
  });

  it('images picked in the gallery form a set; imported-like images without a model take no part in stats', async () => {
    const a = await runSet(project, [RUNS[0]!, RUNS[1]!], false);
    const assetIds = a.items.map((i) => i.assetId!);
    const picked = await call(app, 'compare.create', { assetIds: [assetIds[1]!, assetIds[0]!] });
    expect(picked).toMatchObject({ kind: 'picked', blind: false, labelsHidden: false, folderId: project });
    expect(picked.items.map((i) => i.assetId)).toEqual([assetIds[1], assetIds[0]]);
    expect(picked.items.map((i) => i.details?.model)).toEqual(['gpt-image-1.5', 'gpt-image-2']);
    expect((await callError(app, 'compare.create', { assetIds: [assetIds[0]!, assetIds[0]!] })).code).toBe('validation');
    expect((await callError(app, 'compare.create', { assetIds: [assetIds[0]!, 'missing'] })).code).toBe('not_found');
  });

  it('a picked image deleted for good leaves its item empty; it is not replaced by another output of its job', async () => {
    // One run makes two images; both are picked into a set, then the second is trashed and the trash emptied.
    const runs = [{ ...RUNS[0]!, params: { quality: 'low', number_of_images: 2 } }, RUNS[1]!];
    const made = await runSet(project, runs, false);
    const job = made.items.find((i) => i.details?.model === 'gpt-image-2')!.jobId!;
    const outputs = await waitFor(() => {
      const ids = (app.services.db.prepare('SELECT id FROM assets WHERE job_id = ? ORDER BY output_index').all(job) as { id: string }[]).map((r) => r.id);
      return ids.length === 2 ? ids : null;
    }, 'two outputs');
    const picked = await call(app, 'compare.create', { assetIds: [outputs[0]!, outputs[1]!] });
    await call(app, 'assets.trash', { ids: [outputs[1]!] });
    await call(app, 'trash.empty', {});
    const after = await call(app, 'compare.get', { id: picked.id });
    expect(after.items.map((i) => i.assetId)).toEqual([outputs[0], null]);
    expect(after.items[1]!.blob).toBeNull();
    // With one image left there is nothing to decide between.
    expect(await callError(app, 'compare.verdict', { id: picked.id, ranking: [after.items[0]!.id] })).toMatchObject({
      code: 'conflict',
      params: { reason: 'not_ready' },
    });
  });

  it('the difference of two images is computed in the main process', async () => {
    const set = await runSet(project, [RUNS[0]!, RUNS[2]!], false); // 1:1 and 3:2: B is resized to A
    const [x, y] = set.items;
    const same = await call(app, 'compare.diff', { a: x!.blob!.id, b: x!.blob!.id });
    expect(same.meanDelta).toBe(0);
    expect(same.changedShare).toBe(0);
    expect(same.dataUrl.startsWith('data:image/png;base64,')).toBe(true);
    const diff = await call(app, 'compare.diff', { a: x!.blob!.id, b: y!.blob!.id, gain: 2 });
    expect(diff).toMatchObject({ width: x!.blob!.width, height: x!.blob!.height });
    expect(diff.meanDelta).toBeGreaterThan(0);
  });
});
