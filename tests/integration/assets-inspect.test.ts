/**
 * `assets.inspect`: the inspector's one call for a selection, on a real SQLite library of small real images
 * (bench/library/build.ts): the same fields as `assets.meta` and `assets.get` for each id, in the order given, and a
 * clear refusal of an empty list, a list over 100 ids or an unknown id.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildLibrary } from '../../bench/library/build';
import type { App } from '../../src/main/app';
import { INSPECT_MAX_IDS } from '../../src/shared/contract';
import { call, callError, openTestApp, tempDir } from '../helpers/app';

describe('assets.inspect', () => {
  let app: App;
  let cleanup: () => Promise<void>;
  let ids: string[] = [];
  beforeAll(async () => {
    const t = await tempDir('atelier-assets-inspect-');
    cleanup = t.cleanup;
    app = await openTestApp(t.dir);
    await buildLibrary(app, 6, 6);
    ({ ids } = await call(app, 'assets.ids', { scope: { kind: 'library' } }));
  });
  afterAll(async () => {
    await app?.close();
    await cleanup?.();
  });

  it('gives what assets.meta and assets.get give, for each id in the order given', async () => {
    const order = [...ids].reverse();
    const { items } = await call(app, 'assets.inspect', { ids: order });
    expect(items.map((x) => x.meta.id)).toEqual(order);
    for (const [i, id] of order.entries()) {
      expect(items[i]!.meta).toEqual(await call(app, 'assets.meta', { id }));
      expect(items[i]!.detail).toEqual(await call(app, 'assets.get', { id }));
    }
  });

  it('refuses an empty list, more than 100 ids and an unknown id', async () => {
    expect((await callError(app, 'assets.inspect', { ids: [] })).code).toBe('validation');
    const tooMany = Array.from({ length: INSPECT_MAX_IDS + 1 }, (_, i) => ids[i % ids.length]!);
    expect((await callError(app, 'assets.inspect', { ids: tooMany })).code).toBe('validation');
    const unknown = await callError(app, 'assets.inspect', { ids: [ids[0]!, 'a_missing_id'] });
    expect(unknown.code).toBe('not_found');
    expect(unknown.message).toContain('a_missing_id');
  });
});
