/**
 * A collapsed listing after a stack's cover is put into another stack (stacks.ts `createStack` leaves the old
 * members pointing at it) and then goes to the trash and comes back: its old members show while it is in the trash
 * and hide again once it is back (migration 0019; before it, their index tokens kept the state of the first
 * stack). Then the image they point at is deleted outright and they show. And a library indexed at version 18 with
 * such stale tokens: opened at 19, those members (and only those) are queued again. Real services on a real SQLite
 * file.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../src/main/services/library/db';
import { MIGRATIONS } from '../../src/main/services/library/migrations';
import { OrganiseService } from '../../src/main/services/library/organise';
import { SearchService, type ParsedQuery } from '../../src/main/services/library/search';
import { AssetsRepository } from '../../src/main/services/repositories/assets';
import { createStack } from '../../src/main/services/transfer/stacks';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'atelier-stack-members-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Folder p1 with a1–a4 (created 10–40), each titled "fox". */
function fourImages(db: Db): void {
  const blob = 'c'.repeat(64);
  db.exec(`
    INSERT INTO folders (id, parent_id, name, position, created_at) VALUES ('p1', NULL, 'P', 0, 1);
    INSERT INTO blobs (id, ext, mime, width, height, bytes, created_at) VALUES ('${blob}', 'png', 'image/png', 8, 8, 10, 1);
    INSERT INTO assets (id, folder_id, blob_id, kind, created_at, title) VALUES
      ('a1', 'p1', '${blob}', 'imported', 10, 'fox'), ('a2', 'p1', '${blob}', 'imported', 20, 'fox'),
      ('a3', 'p1', '${blob}', 'imported', 30, 'fox'), ('a4', 'p1', '${blob}', 'imported', 40, 'fox');
  `);
}

/** The ids "fox" finds with stacks collapsed, oldest first: a text query, so the collapse is a token of the full-text index (`NOT meta : sh1`), not a join. */
function collapsedFox(search: SearchService): string[] {
  return search
    .query({ scope: { kind: 'library' }, text: 'fox', filters: {}, sort: 'date', dir: 'asc', collapseStacks: true } as ParsedQuery, 50, null)
    .items.map((i) => i.id);
}

describe('collapsed stacks after the cover changes stack', () => {
  it('shows the old members while the image they point at is in the trash or gone, and hides them while it is live', () => {
    const db = openDatabase(join(dir, 'library.sqlite'));
    try {
      fourImages(db);
      const search = new SearchService(db);
      const organise = new OrganiseService(db, { now: () => 5000 });
      const collapsed = (): string[] => collapsedFox(search);

      createStack(db, ['a1', 'a2', 'a3'], 'a1');
      expect(collapsed()).toEqual(['a1', 'a4']);
      // a1 goes under a4; a2 and a3 still point at a1 (a stack of three is not dissolved).
      createStack(db, ['a1', 'a4'], 'a4');
      expect(collapsed()).toEqual(['a4']);

      organise.trash(['a1']);
      expect(collapsed()).toEqual(['a2', 'a3', 'a4']);
      organise.restore(['a1']);
      expect(collapsed()).toEqual(['a4']);

      AssetsRepository.of(db).delete('a1');
      expect(collapsed()).toEqual(['a2', 'a3', 'a4']);
    } finally {
      db.close();
    }
  });

  it('queues, on opening a library indexed at version 18, the members whose token is stale, and only those', () => {
    const file = join(dir, 'v18.sqlite');
    const v18 = openDatabase(file, { migrations: MIGRATIONS.filter((m) => m.version <= 18) });
    try {
      fourImages(v18);
      const search = new SearchService(v18);
      createStack(v18, ['a1', 'a2', 'a3'], 'a1');
      createStack(v18, ['a1', 'a4'], 'a4');
      expect(collapsedFox(search)).toEqual(['a4']);
      new OrganiseService(v18, { now: () => 5000 }).trash(['a1']);
      // Version 18's trigger left a2 and a3 hidden under a cover in the trash.
      expect(collapsedFox(search)).toEqual(['a4']);
    } finally {
      v18.close();
    }
    const db = openDatabase(file);
    try {
      expect(db.prepare('SELECT asset_id FROM search_dirty ORDER BY asset_id').pluck().all()).toEqual(['a2', 'a3']);
      expect(collapsedFox(new SearchService(db))).toEqual(['a2', 'a3', 'a4']);
    } finally {
      db.close();
    }
  });
});
