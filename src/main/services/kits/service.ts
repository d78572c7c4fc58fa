/**
 * Reference kits (issue 13): named, reusable sets of reference images. A kit holds blob ids (the stored bytes), so
 * it survives its images being moved or trashed, and an emptied trash keeps the files a kit refers to (its foreign
 * key to `blobs`, see library/trash.ts); a deleted kit takes with it the files nothing else refers to any more
 * (`TrashService.release`), whichever of the two comes first. "Used in N generations" counts the jobs whose references include every
 * image of the kit. Plain Node, synchronous SQLite.
 */
import { randomUUID } from 'node:crypto';
import type { CallInputParsed } from '@shared/contract';
import { MAX_KIT_ITEMS, type KitView } from '@shared/contracts/kits';
import { AppError } from '@shared/errors';
import type { EventBus } from '../../dispatcher';
import type { Db } from '../library/db';
import type { TrashService } from '../library/trash';
import type { KitRow, KitsRepository } from '../repositories/kits';

/** What the service needs from the app. */
export interface KitDeps {
  db: Db;
  repo: KitsRepository;
  bus: EventBus;
  /** Deletes the blobs a deleted kit held that nothing else refers to (library/trash.ts). */
  trash: Pick<TrashService, 'release'>;
  now?: () => number;
}

/** Most images `kits.images` returns. */
const IMAGES_LIMIT = 500;

/** A kit's name: NFC, trimmed. @throws AppError `validation` (`field` `name`, `reason` `empty`) */
function kitName(name: string): string {
  const n = name.normalize('NFC').trim();
  if (!n) throw new AppError('validation', 'a kit needs a name', { params: { field: 'name', reason: 'empty' } });
  return n;
}

export class KitService {
  private readonly now: () => number;

  constructor(private readonly d: KitDeps) {
    this.now = d.now ?? Date.now;
  }

  /** Every kit, by name, with its images and use. */
  list(): KitView[] {
    return this.d.repo.list().map((k) => this.view(k));
  }

  /**
   * Makes a kit from library images (`assetIds`) or staged files (`items`), in order; an image given twice is kept
   * once. @throws AppError as `kits.create` says; nothing is created
   */
  create(input: CallInputParsed<'kits.create'>): KitView {
    const name = kitName(input.name);
    const items: { blobId: string; name: string }[] = [];
    for (const id of input.assetIds ?? []) {
      const a = this.d.repo.assetBlob(id);
      if (!a) throw new AppError('not_found', `image ${id} is not in the library`, { params: { id } });
      const words = (a.title?.trim() || a.prompt?.trim() || 'image').slice(0, 40);
      items.push({ blobId: a.blobId, name: `${words}.${a.ext}` });
    }
    for (const it of input.items ?? []) {
      if (!this.d.repo.blobExists(it.blobId)) throw new AppError('not_found', `reference image ${it.name} is not in the library`, { params: { name: it.name } });
      items.push({ blobId: it.blobId, name: it.name.normalize('NFC').trim() || 'image' });
    }
    const unique = items.filter((it, i) => items.findIndex((o) => o.blobId === it.blobId) === i);
    if (unique.length === 0) throw new AppError('validation', 'a kit needs at least one image', { params: { field: 'items', reason: 'empty' } });
    if (unique.length > MAX_KIT_ITEMS) {
      throw new AppError('validation', `a kit holds at most ${MAX_KIT_ITEMS} images`, { params: { field: 'items', reason: 'too_many', max: MAX_KIT_ITEMS } });
    }
    const id = randomUUID();
    this.d.db.transaction(() => {
      this.d.repo.insertKit(id, name, this.now());
      unique.forEach((it, position) => this.d.repo.insertItem(id, { position, blobId: it.blobId, name: it.name }));
    })();
    this.d.bus.emit('kits.changed', {});
    return this.view(this.mustGet(id));
  }

  /** @throws AppError `validation` (empty name), `not_found` */
  rename(id: string, name: string): KitView {
    const n = kitName(name);
    if (!this.d.repo.rename(id, n, this.now())) throw this.notFound(id);
    this.d.bus.emit('kits.changed', {});
    return this.view(this.mustGet(id));
  }

  /**
   * Deletes a kit. Its images that are in the library (live or in the trash) or used elsewhere (another kit, a job's
   * references, a version) stay; a stored file nothing refers to any more — a staged file only the kit kept, an
   * image whose trash was emptied while the kit held it — is deleted with its row. @throws AppError `not_found`
   */
  async remove(id: string): Promise<void> {
    await this.d.trash.release((candidates) => {
      const held = this.d.repo.items(id).map((i) => i.blobId);
      if (!this.d.repo.remove(id)) throw this.notFound(id);
      for (const b of held) candidates.add(b);
    });
    this.d.bus.emit('kits.changed', {});
  }

  /** The images the generations that used the kit made (live ones), newest first. @throws AppError `not_found` */
  images(id: string): { assetId: string; blobId: string; prompt: string | null }[] {
    this.mustGet(id);
    return this.d.repo.usedAssets(id, IMAGES_LIMIT);
  }

  private mustGet(id: string): KitRow {
    const k = this.d.repo.get(id);
    if (!k) throw this.notFound(id);
    return k;
  }

  private notFound(id: string): AppError {
    return new AppError('not_found', `reference kit ${id} does not exist`, { params: { id } });
  }

  private view(k: KitRow): KitView {
    return {
      id: k.id,
      name: k.name,
      createdAt: k.created_at,
      items: this.d.repo.items(k.id).map((i) => ({ id: i.blobId, name: i.name, mime: i.mime, width: i.width, height: i.height, bytes: i.bytes })),
      usedIn: this.d.repo.usedCount(k.id),
    };
  }
}
