/**
 * Stacks in the gallery's listing, through the real dispatcher and SQLite: a collapsed listing shows a stack as
 * its cover with a count, totals stay exact, keyset pages cross a stack without gaps or repeats, the expanded
 * listing and `stacks.members` show every member, unstacking and stacking a selection (first selected = cover).
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/main/app';
import type { AssetListItem } from '../../src/shared/organise';
import { call, openTestApp, tempDir, granted } from '../helpers/app';
import { finished, noiseImages } from './transfer-helpers';

describe('stacks in the gallery listing (real SQLite)', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let app: App;
  let folderId: string;
  /** The eight images, newest first (the gallery's default order). */
  let all: string[];

  const list = async (collapseStacks: boolean, limit = 200, extra: { text?: string } = {}) => {
    const items: AssetListItem[] = [];
    const totals: number[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: AssetListItem[]; nextCursor: string | null; total: number } = await call(app, 'assets.query', { scope: { kind: 'folder', folderId, recursive: false }, collapseStacks, limit, cursor, ...extra });
      items.push(...page.items);
      totals.push(page.total);
      cursor = page.nextCursor;
    } while (cursor);
    return { items, ids: items.map((i) => i.id), totals };
  };

  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir('atelier-stacks-'));
    app = await openTestApp(join(dir, 'lib'));
    folderId = (await call(app, 'folders.create', { name: 'Shoot', parentId: null })).id;
    const paths = await noiseImages(join(dir, 'src'), 8, 32, 7);
    const view = await call(app, 'import.start', { folderId, paths: granted(app, paths), stackNearDuplicates: false }, 'electron');
    const done = await finished(app, view);
    expect(done.report && 'imported' in done.report ? done.report.imported : []).toHaveLength(8);
    all = (await list(false)).ids;
    expect(all).toHaveLength(8);
  });
  afterAll(async () => {
    await app.close();
    await cleanup();
  });

  it('collapses a stack under its cover with a count, exact totals and pages that cross it', async () => {
    const [cover, m1, m2] = [all[2]!, all[5]!, all[6]!];
    expect(await call(app, 'stacks.create', { assetIds: [cover, m1, m2], coverId: cover })).toEqual({ stackId: cover });

    const collapsed = await list(true);
    expect(collapsed.ids).toEqual(all.filter((id) => id !== m1 && id !== m2));
    expect(collapsed.totals).toEqual([6]);
    const tile = collapsed.items.find((i) => i.id === cover)!;
    expect(tile).toMatchObject({ stackId: cover, stackCount: 3 });
    expect(collapsed.items.filter((i) => i.stackCount !== undefined)).toHaveLength(1);

    // Pages of 2 and of 1 walk across the stack: the same six, in order, each page reporting the exact total.
    for (const limit of [1, 2, 4]) {
      const paged = await list(true, limit);
      expect(paged.ids).toEqual(collapsed.ids);
      expect(new Set(paged.totals)).toEqual(new Set([6]));
    }

    // Select all in a collapsed view selects the tiles shown.
    expect((await call(app, 'assets.ids', { scope: { kind: 'folder', folderId, recursive: false }, collapseStacks: true })).ids).toEqual(collapsed.ids);

    // Expanded (the option off): every member, the cover still carrying its count.
    const expanded = await list(false, 3);
    expect(expanded.ids).toEqual(all);
    expect(expanded.totals).toEqual([8, 8, 8]);
    expect(expanded.items.find((i) => i.id === cover)).toMatchObject({ stackCount: 3 });
    expect(expanded.items.find((i) => i.id === m1)).toMatchObject({ stackId: cover });
    expect(expanded.items.find((i) => i.id === m1)?.stackCount).toBeUndefined();

    // Open the stack: cover first, then oldest first.
    const members = await call(app, 'stacks.members', { stackId: cover });
    expect(members[0]).toBe(cover);
    expect([...members].sort()).toEqual([cover, m1, m2].sort());
  });

  it('shows the members again when the cover goes to the trash, and counts only live members', async () => {
    const [cover, m1, m2] = [all[2]!, all[5]!, all[6]!];
    await call(app, 'assets.trash', { ids: [m2] });
    let collapsed = await list(true, 2);
    expect(collapsed.ids).toEqual(all.filter((id) => id !== m1 && id !== m2));
    expect(collapsed.totals[0]).toBe(6);
    expect(collapsed.items.find((i) => i.id === cover)).toMatchObject({ stackCount: 2 });

    await call(app, 'assets.trash', { ids: [cover] });
    collapsed = await list(true, 2);
    expect(collapsed.ids).toEqual(all.filter((id) => id !== cover && id !== m2));
    expect(collapsed.totals[0]).toBe(6);

    // The trash is never collapsed.
    const trash = await call(app, 'assets.query', { scope: { kind: 'trash' }, collapseStacks: true, limit: 10, cursor: null });
    expect(trash.total).toBe(2);
    await call(app, 'assets.restore', { ids: [cover, m2] });
    expect((await list(true)).totals[0]).toBe(6);
  });

  it('unstacks, and stacks a selection under the first selected image', async () => {
    const cover = all[2]!;
    await call(app, 'stacks.dissolve', { stackId: cover });
    const after = await list(true, 3);
    expect(after.ids).toEqual(all);
    expect(after.totals[0]).toBe(8);
    expect(after.items.some((i) => i.stackCount !== undefined || i.stackId)).toBe(false);

    // The gallery's "Stack" action: the selection in selection order, the first selected as the cover.
    const selection = [all[7]!, all[0]!, all[3]!];
    expect(await call(app, 'stacks.create', { assetIds: selection, coverId: selection[0]! })).toEqual({ stackId: all[7] });
    const collapsed = await list(true, 5);
    expect(collapsed.ids).toEqual(all.filter((id) => id !== all[0] && id !== all[3]));
    expect(collapsed.totals[0]).toBe(6);
    expect(collapsed.items.at(-1)).toMatchObject({ id: all[7], stackCount: 3 });
  });
});
