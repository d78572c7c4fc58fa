/**
 * A comparison and the trash, on a real library with the sandbox: a run whose first output is trashed shows its next
 * live output; a run (or a picked image) with no live image left shows as in the trash (`trashedAssetId`), takes no
 * part in a verdict, and comes back when the image is restored; an image deleted for good leaves its item empty.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/main/app';
import type { CompareSetView } from '../../src/shared/contracts/compare';
import { call, callError, openTestApp, tempDir, waitFor } from '../helpers/app';

describe('compare: trashed images', () => {
  let cleanup: () => Promise<void>;
  let app: App;
  let folderId: string;

  beforeAll(async () => {
    let dir: string;
    ({ dir, cleanup } = await tempDir('atelier-compare-trash-'));
    app = await openTestApp(dir, { env: { ATELIER_SANDBOX_JOB_MS: '100' } });
    folderId = (await call(app, 'folders.create', { name: 'Cups', parentId: null })).id;
  });
  afterAll(async () => {
    await app?.close();
    await cleanup?.();
  });

  const settled = (id: string) =>
    waitFor(async () => {
      const set = await call(app, 'compare.get', { id });
      return set.items.every((i) => i.state === 'completed') ? set : null;
    }, `set ${id} to complete`);
  /** What each item shows: its live image and its image in the trash. */
  const shown = (set: CompareSetView) => set.items.map((i) => ({ assetId: i.assetId, blob: i.blob?.id ?? null, trashedAssetId: i.trashedAssetId }));
  const blobOf = (assetId: string) => app.services.db.prepare('SELECT blob_id FROM assets WHERE id = ?').pluck().get(assetId) as string;

  it("a run's trashed first output gives way to its next live one, then shows as in the trash until restored", async () => {
    const made = await call(app, 'compare.run', {
      folderId,
      prompt: 'a blue cup',
      references: [],
      runs: [
        { provider: 'sandbox', model: 'gpt-image-2', params: { number_of_images: 2 } },
        { provider: 'sandbox', model: 'gpt-image-1.5', params: {} },
      ],
      blind: false,
    });
    await settled(made.id);
    const outputs = await Promise.all(made.items.map(async (i) => (await call(app, 'jobs.get', { id: i.jobId! })).assetIds));
    const [first, second] = outputs[0]!;
    const other = outputs[1]![0]!;
    expect(outputs[0]).toHaveLength(2);
    expect(shown(await call(app, 'compare.get', { id: made.id }))).toEqual([
      { assetId: first, blob: blobOf(first!), trashedAssetId: null },
      { assetId: other, blob: blobOf(other), trashedAssetId: null },
    ]);

    // The first output in the trash: the run shows its second output.
    await call(app, 'assets.trash', { ids: [first!] });
    expect(shown(await call(app, 'compare.get', { id: made.id }))[0]).toEqual({ assetId: second, blob: blobOf(second!), trashedAssetId: null });

    // Both in the trash: no live image; the first output is the one in the trash. No verdict can rank it.
    await call(app, 'assets.trash', { ids: [second!] });
    const bare = await call(app, 'compare.get', { id: made.id });
    expect(shown(bare)[0]).toEqual({ assetId: null, blob: null, trashedAssetId: first });
    expect((await callError(app, 'compare.verdict', { id: made.id, ranking: [bare.items[0]!.id] })).code).toBe('conflict');

    // Restored: the run shows its first output again.
    await call(app, 'assets.restore', { ids: [first!] });
    expect(shown(await call(app, 'compare.get', { id: made.id }))[0]).toEqual({ assetId: first, blob: blobOf(first!), trashedAssetId: null });
  });

  it('a picked image in the trash shows as such, comes back restored, and leaves the item empty once deleted for good', async () => {
    const job = await call(app, 'jobs.submit', { folderId, provider: 'sandbox', model: 'gpt-image-2', prompt: 'a red cup', params: { number_of_images: 2 }, references: [] });
    const [a, b] = await waitFor(async () => {
      const j = await call(app, 'jobs.get', { id: job.id });
      return j.state === 'completed' ? j.assetIds : null;
    }, 'the job');
    const set = await call(app, 'compare.create', { assetIds: [a!, b!], blind: false });
    await call(app, 'assets.trash', { ids: [a!] });
    const trashed = await call(app, 'compare.get', { id: set.id });
    // A picked item shows its own image, never another output of its job.
    expect(shown(trashed)).toEqual([
      { assetId: null, blob: null, trashedAssetId: a },
      { assetId: b, blob: blobOf(b!), trashedAssetId: null },
    ]);
    await call(app, 'assets.restore', { ids: [a!] });
    expect(shown(await call(app, 'compare.get', { id: set.id }))[0]).toEqual({ assetId: a, blob: blobOf(a!), trashedAssetId: null });

    await call(app, 'assets.trash', { ids: [a!] });
    await call(app, 'trash.empty', {});
    expect(shown(await call(app, 'compare.get', { id: set.id }))[0]).toEqual({ assetId: null, blob: null, trashedAssetId: null });
  });
});
