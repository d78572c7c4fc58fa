/**
 * Export of images to a folder the user chose, through a preset (naming template, format, metadata level), as a
 * task (see tasks.ts).
 *
 * Formats: `original` writes the stored bytes (with metadata `prompt`/`full`, Atelier's properties are merged
 * into the file's own XMP, every other property and namespace kept, and spliced in without re-encoding: the
 * image data stays byte for byte); `png`/`jpeg`/`webp` convert with sharp (upright, optional long-edge resize,
 * JPEG flattened on white), carrying only the XMP we write: EXIF and other metadata of the source are dropped.
 * The XMP goes in as the XMP specification puts it (see xmp-file.ts: PNG `iTXt`, JPEG APP1 after Exif with
 * Extended XMP for a packet over 64 KB, WebP `XMP ` chunk), never through libvips. Which properties: xmp.ts.
 *
 * Metadata is reported as written only after it was read back from the output bytes: each written item says
 * `embedded: 'written'` (or `'none'` when the level or the image has nothing to write), else `'not_written'`
 * with the reason (the file's own XMP is malformed and was kept as it was; the read-back failed), the image
 * being written without it. Metadata `full` also writes a JSON sidecar `<file>.json` with the whole recipe; a
 * preset with `xmpSidecar` writes `<name>.xmp` (the file's name with `.xmp` for its extension, as Lightroom
 * does: a standalone x:xmpmeta document with the same properties as the file's packet).
 *
 * C2PA Content Credentials (issue 10): a file whose manifest Atelier read is exported in `original` format byte for
 * byte, with no XMP written into it (that would break the manifest's hard binding); its recipe goes to the preset's
 * sidecars, or to an `.xmp` sidecar when the preset has none. Each written item says `credentials: 'kept'`, or
 * `'not_carried'` for a converted file (new bytes, no manifest).
 *
 * Files are never overwritten: each is written to a temp file in the target folder, flushed, then hard-linked
 * to its name (which fails if the name is taken, atomically) or, on file systems without hard links, renamed
 * after a check; a taken name gets ` (2)`, ` (3)` … and is reported. A full disk stops the export with what was
 * done reported; the item under way is removed (its temp files and any half of an image + sidecar pair), so
 * nothing half-written is left behind.
 */
import { randomUUID } from 'node:crypto';
import * as realFs from 'node:fs/promises';
import { constants as fsConstants } from 'node:fs';
import { isAbsolute, join, resolve, sep } from 'node:path';
import type { ExportPreset, ExportReport, ExportScope, TaskView } from '@shared/contracts/transfer';
import { AppError, toAppError } from '@shared/errors';
import type { Db } from '../library/db';
import { sweepTemp, tempName } from '../library/library-fs';
import type { BlobStore } from '../library/store';
import { dateToken, parseTemplate, renderName, type TokenValues } from './naming';
import {
  mergeXmp,
  packetsFor,
  readXmp,
  recipeProperties,
  verifyXmp,
  writeXmp,
  xmpDocument,
  type ExportRecipe,
  type ParsedXmp,
  type XmpProperty,
} from './xmp';
import { diskFull, isDiskFull } from './import';
import type { TaskRegistry } from './tasks';
import { BatchesRepository } from '../repositories/batches';
import { ExportPresetsRepository, type ExportAssetRow as AssetRow, type PresetRow } from '../repositories/export-presets';

/** The file-system calls the exporter makes (a seam for fault injection in tests). */
export interface ExportFs {
  open: typeof realFs.open;
  link: typeof realFs.link;
  rename: typeof realFs.rename;
  unlink: typeof realFs.unlink;
  stat: typeof realFs.stat;
  mkdir: typeof realFs.mkdir;
}

/** Construction options of {@link ExportService}. */
export interface ExportServiceOptions {
  db: Db;
  store: BlobStore;
  tasks: TaskRegistry;
  fs?: ExportFs;
  now?: () => number;
  /** `xmp:CreatorTool` and `x:xmptk` of what is written, e.g. `Atelier 0.1.0`. */
  tool?: string;
}

const EXT: Record<Exclude<ExportPreset['format'], 'original'>, string> = { png: 'png', jpeg: 'jpg', webp: 'webp' };
const MIME: Record<Exclude<ExportPreset['format'], 'original'>, string> = { png: 'image/png', jpeg: 'image/jpeg', webp: 'image/webp' };

/** What became of one file's embedded metadata (see the module comment). */
type Embedded = ExportReport['written'][number]['embedded'];

/** Checks a folder typed or picked by the user. @returns it, absolute and normalised
 * @throws AppError `validation` (`field: 'targetDir'`, reason `not_absolute`, `missing`, `not_a_folder`,
 *   `not_writable`) */
export async function checkTargetDir(path: string, fs: ExportFs = realFs): Promise<string> {
  const fail = (reason: string, detail: string): never => {
    throw new AppError('validation', `export folder ${path}: ${detail}`, { params: { field: 'targetDir', reason } });
  };
  if (!isAbsolute(path)) fail('not_absolute', 'is not an absolute path');
  const dir = resolve(path);
  const st = await fs.stat(dir).catch(() => null);
  if (!st) fail('missing', 'does not exist');
  if (!st!.isDirectory()) fail('not_a_folder', 'is not a folder');
  // access(W_OK) can lie (network shares, ACLs): really create a file.
  const probe = join(dir, `.atelier-probe-${randomUUID()}.tmp`);
  try {
    const fh = await fs.open(probe, fsConstants.O_CREAT | fsConstants.O_EXCL | fsConstants.O_WRONLY);
    await fh.close();
    await fs.unlink(probe);
  } catch {
    fail('not_writable', 'cannot be written to');
  }
  return dir;
}

/** Atelier's temporary names in an export folder: a writer-named one, an older Atelier's, or a probe. */
const EXPORT_TEMP = /^\.atelier-(?:(?:probe-)?[0-9a-f-]{36}|export\.\d{1,10}-[0-9a-z]{1,24}\.[0-9a-f-]{36})\.tmp$/;

/** Export presets and export tasks. */
export class ExportService {
  private readonly repo: ExportPresetsRepository;
  private readonly store: BlobStore;
  private readonly tasks: TaskRegistry;
  private readonly fs: ExportFs;
  private readonly now: () => number;
  private readonly tool: string;
  /** Export folders already swept of leftover temporary files by this process ({@link ExportService.sweepOnce}). */
  private readonly swept = new Set<string>();

  /** Batch rows' values, for the `{var:name}` tokens (issue 13). */
  private readonly batches: BatchesRepository;

  constructor(opts: ExportServiceOptions) {
    this.repo = new ExportPresetsRepository(opts.db);
    this.store = opts.store;
    this.tasks = opts.tasks;
    this.fs = opts.fs ?? realFs;
    this.now = opts.now ?? Date.now;
    this.batches = new BatchesRepository(opts.db);
    this.tool = opts.tool ?? 'Atelier';
  }

  /** Every preset, by name. */
  presets(): ExportPreset[] {
    return this.repo.list().map(toPreset);
  }

  /** One preset. @throws AppError `not_found` */
  preset(id: string): ExportPreset {
    const row = this.repo.byId(id);
    if (!row) throw new AppError('not_found', `no export preset with id ${id}`, { params: { id } });
    return toPreset(row);
  }

  /**
   * Creates (id null) or updates a preset.
   * @throws AppError `validation` for an empty or too long name (`field: 'name'`) or a bad template (see
   *   `parseTemplate`); `conflict` (`reason: 'name_taken'`) for a name another preset has; `not_found` for an
   *   unknown id
   */
  savePreset(input: Omit<ExportPreset, 'id' | 'createdAt' | 'xmpSidecar'> & { id: string | null; xmpSidecar?: boolean }): ExportPreset {
    const name = input.name.normalize('NFC').trim();
    if (name.length === 0 || name.length > 100) {
      throw new AppError('validation', 'preset name must be 1–100 characters', { params: { field: 'name', reason: name ? 'too_long' : 'empty' } });
    }
    parseTemplate(input.template);
    if (this.repo.idNamed(name, input.id) !== null) throw new AppError('conflict', `a preset named "${name}" exists`, { params: { name, reason: 'name_taken' } });
    const id = input.id ?? randomUUID();
    const fields = {
      name,
      template: input.template,
      format: input.format,
      quality: input.quality,
      longEdge: input.longEdge,
      metadata: input.metadata,
      xmpSidecar: input.xmpSidecar === true,
    };
    if (input.id) {
      if (!this.repo.update(id, fields)) throw new AppError('not_found', `no export preset with id ${id}`, { params: { id } });
    } else {
      this.repo.insert(id, fields, this.now());
    }
    return this.preset(id);
  }

  /** Deletes a preset. @throws AppError `not_found` */
  deletePreset(id: string): void {
    if (!this.repo.delete(id)) {
      throw new AppError('not_found', `no export preset with id ${id}`, { params: { id } });
    }
  }

  /**
   * The name `template` gives an asset (or a made-up example) as the first exported file in `format`.
   * @throws AppError `validation` for a bad template; `not_found` for an unknown asset
   */
  example(template: string, assetId: string | null, format: ExportPreset['format'] = 'original'): string {
    const parsed = parseTemplate(template);
    const row = assetId ? this.assetRows([assetId])[0]! : null;
    const ext = format === 'original' ? (row?.ext ?? 'png') : EXT[format];
    const values: TokenValues = row
      ? this.values(row, this.folderPaths(), 1)
      : { project: 'Project', folder: 'Folder', date: dateToken(this.now()), model: 'gpt-image-2', provider: 'sandbox', rating: '4', index: 1, original: 'photo' };
    return `${renderName(parsed, values, 3)}.${ext}`;
  }

  /** The asset ids a scope names, in export order (a folder: newest first, its sub-folders after it). */
  resolveScope(scope: ExportScope): string[] {
    if (scope.kind === 'assets') return [...new Set(scope.assetIds)];
    if (!this.repo.folderIsLive(scope.folderId)) {
      throw new AppError('not_found', `no folder with id ${scope.folderId}`, { params: { id: scope.folderId } });
    }
    return this.repo.liveAssetIdsIn(scope.folderId, scope.recursive);
  }

  /**
   * Starts exporting `scope` with a preset into `targetDir` (checked first).
   * @throws AppError `not_found` for an unknown preset, folder or asset; `validation` for a bad target folder,
   *   an empty scope, or a preset whose template is no longer valid
   */
  async start(scope: ExportScope, presetId: string, targetDir: string): Promise<TaskView> {
    const preset = this.preset(presetId);
    const parsed = parseTemplate(preset.template);
    const dir = await checkTargetDir(targetDir, this.fs);
    const ids = this.resolveScope(scope);
    if (ids.length === 0) throw new AppError('validation', 'there is nothing to export', { params: { field: 'scope', reason: 'empty' } });
    this.assetRows(ids); // refuses unknown ids now, before the task starts
    return this.tasks.start('export', dir, async (ctx) => {
      const report: ExportReport = { kind: 'export', targetDir: dir, written: [], renamed: [], failed: [], stoppedBy: null };
      const paths = this.folderPaths();
      const width = Math.max(3, String(ids.length).length);
      ctx.progress(0, ids.length);
      for (let i = 0; i < ids.length; i++) {
        if (ctx.signal.aborted) break;
        const row = this.assetRows([ids[i]!])[0];
        if (!row) {
          report.failed.push({ assetId: ids[i]!, message: 'the image was deleted meanwhile' });
          continue;
        }
        const wanted = renderName(parsed, this.values(row, paths, i + 1), width);
        try {
          await this.exportOne(row, preset, dir, wanted, report);
        } catch (err) {
          if (isDiskFull(err)) {
            report.stoppedBy = diskFull(err, wanted).toShape();
            break;
          }
          report.failed.push({ assetId: row.id, message: toAppError(err).message });
        }
        ctx.progress(i + 1, ids.length, wanted);
      }
      return report;
    });
  }

  // -------------------------------------------------------------------------------------------------------------

  private async exportOne(row: AssetRow, preset: ExportPreset, dir: string, wanted: string, report: ExportReport): Promise<void> {
    const recipe = this.recipe(row);
    const ours = recipeProperties(recipe, preset.metadata, this.tool);
    const source = await this.store.read(row.blob_id);
    let plain: Buffer;
    let mime: string;
    let ext: string;
    // What goes into the file: our properties, merged into the file's own XMP for original bytes.
    let parsed: ParsedXmp | null = ours.length > 0 ? { about: '', props: ours } : null;
    let embedded: Embedded = { state: 'none', extended: false, reason: null, detail: null };
    // Writing XMP into a file with a C2PA manifest changes its bytes and breaks the manifest's hard binding.
    const hasCredentials = this.store.credentials.get(row.blob_id) !== null;
    if (preset.format === 'original' && hasCredentials) {
      ext = row.ext;
      mime = row.mime;
      plain = source;
      if (parsed) {
        embedded = {
          state: 'not_written',
          extended: false,
          reason: 'content_credentials',
          detail: 'the file carries C2PA Content Credentials: its bytes were kept identical and the recipe was written to the sidecar',
        };
        parsed = null;
      }
    } else if (preset.format === 'original') {
      ext = row.ext;
      mime = row.mime;
      plain = source;
      if (parsed) {
        try {
          const own = readXmp(source);
          if (own.standard !== null) parsed = mergeXmp(own.standard, ours, own.extended);
        } catch (err) {
          // Never replace what another tool wrote when it cannot be read: the file goes out as it was.
          embedded = {
            state: 'not_written',
            extended: false,
            reason: 'source_unreadable',
            detail: `the file's own XMP cannot be read (${(err as Error).message}); it was left as it was`,
          };
          parsed = null;
        }
      }
    } else {
      ext = EXT[preset.format];
      mime = MIME[preset.format];
      // Converted in the image pool (library/image-work.ts `convert`).
      plain = await this.store.images.convert({
        bytes: source,
        limitInputPixels: Math.max(1, row.width * row.height),
        format: preset.format,
        quality: preset.quality,
        longEdge: preset.longEdge,
      });
    }
    let bytes = plain;
    if (parsed) {
      const written = this.embed(plain, mime, parsed);
      bytes = written.bytes;
      embedded = written.embedded;
    }
    const sidecar = preset.metadata === 'full' ? Buffer.from(JSON.stringify({ atelier: 1, ...recipe }, null, 2) + '\n', 'utf8') : null;
    // A credentialed original whose preset writes no sidecar still gets its recipe beside it, in an .xmp sidecar.
    const wantsXmp = preset.xmpSidecar || (embedded.reason === 'content_credentials' && sidecar === null);
    const xmpSidecar = wantsXmp && preset.metadata !== 'none' ? Buffer.from(xmpDocument(parsed?.props ?? ours, parsed?.about ?? '', this.tool), 'utf8') : null;

    // Sub-folders of the template (already made safe by renderName), then the file itself.
    const parts = wanted.split('/');
    const base = parts.pop()!;
    const folder = join(dir, ...parts);
    assertInside(dir, folder);
    await this.fs.mkdir(folder, { recursive: true });
    await this.sweepOnce(folder);

    // Temp names carry this process's pid and start id (library-fs.ts), so a later export can tell them apart.
    const tmpImage = join(folder, tempName('.atelier-export'));
    const tmpSidecar = sidecar ? join(folder, tempName('.atelier-export')) : null;
    const tmpXmp = xmpSidecar ? join(folder, tempName('.atelier-export')) : null;
    const placed: string[] = [];
    try {
      await this.writeDurably(tmpImage, bytes);
      if (tmpSidecar && sidecar) await this.writeDurably(tmpSidecar, sidecar);
      if (tmpXmp && xmpSidecar) await this.writeDurably(tmpXmp, xmpSidecar);
      for (let n = 1; ; n++) {
        if (n > 10_000) throw new AppError('conflict', `no free name for ${wanted}`, { params: { reason: 'no_free_name' } });
        const stem = n === 1 ? base : `${base} (${n})`;
        const name = `${stem}.${ext}`;
        const file = join(folder, name);
        const xmpFile = join(folder, `${stem}.xmp`);
        assertInside(dir, file);
        assertInside(dir, xmpFile);
        if (tmpSidecar && (await exists(this.fs, `${file}.json`))) continue;
        if (tmpXmp && (await exists(this.fs, xmpFile))) continue;
        if (!(await this.place(tmpImage, file))) continue;
        placed.push(file);
        if (tmpSidecar) {
          if (!(await this.place(tmpSidecar, `${file}.json`))) {
            throw new AppError('conflict', `${name}.json appeared while exporting`, { params: { reason: 'name_taken' } });
          }
          placed.push(`${file}.json`);
        }
        if (tmpXmp) {
          if (!(await this.place(tmpXmp, xmpFile))) {
            throw new AppError('conflict', `${stem}.xmp appeared while exporting`, { params: { reason: 'name_taken' } });
          }
          placed.push(xmpFile);
        }
        const rel = [...parts, name].join('/');
        report.written.push({
          assetId: row.id,
          file: rel,
          sidecar: tmpSidecar ? `${rel}.json` : null,
          xmpSidecar: tmpXmp ? [...parts, `${stem}.xmp`].join('/') : null,
          embedded,
          credentials: hasCredentials ? (preset.format === 'original' ? 'kept' : 'not_carried') : null,
        });
        if (n > 1) report.renamed.push({ assetId: row.id, wanted: [...parts, `${base}.${ext}`].join('/'), file: rel });
        placed.length = 0;
        return;
      }
    } finally {
      // Whatever is still listed here belongs to an item that did not finish: remove it (never a file we did not make).
      for (const p of placed) await this.fs.unlink(p).catch(() => {});
      await this.fs.unlink(tmpImage).catch(() => {});
      if (tmpSidecar) await this.fs.unlink(tmpSidecar).catch(() => {});
      if (tmpXmp) await this.fs.unlink(tmpXmp).catch(() => {});
    }
  }

  /**
   * The first time this process writes into `folder`, removes the temporary files a killed export left there:
   * only Atelier's own names (`.atelier-export.<pid>-<start id>.<uuid>.tmp` of a writer that no longer runs, or an older
   * Atelier's `.atelier-<uuid>.tmp` after an hour), never another file of the user's, never a running export's.
   * A failure to sweep never stops the export.
   */
  private async sweepOnce(folder: string): Promise<void> {
    if (this.swept.has(folder)) return;
    this.swept.add(folder);
    await sweepTemp(folder, { match: EXPORT_TEMP }).catch(() => {});
  }

  /**
   * `plain` with the packet(s) of `parsed` written in, read back and checked property by property; when the
   * writing or the check fails, `plain` itself with the reason.
   */
  private embed(plain: Buffer, mime: string, parsed: ParsedXmp): { bytes: Buffer; embedded: Embedded } {
    let expected: XmpProperty[];
    let bytes: Buffer;
    let extended: boolean;
    try {
      const packets = packetsFor(mime, parsed, this.tool);
      bytes = writeXmp(plain, mime, packets.write);
      expected = [...packets.standard, ...packets.extended];
      extended = packets.write.extended !== null;
    } catch (err) {
      return { bytes: plain, embedded: { state: 'not_written', extended: false, reason: 'write_failed', detail: toAppError(err).message } };
    }
    const problem = verifyXmp(bytes, expected);
    if (problem) return { bytes: plain, embedded: { state: 'not_written', extended: false, reason: 'readback_failed', detail: problem } };
    return { bytes, embedded: { state: 'written', extended, reason: null, detail: null } };
  }

  private async writeDurably(path: string, bytes: Buffer): Promise<void> {
    const fh = await this.fs.open(path, fsConstants.O_CREAT | fsConstants.O_EXCL | fsConstants.O_WRONLY, 0o644);
    try {
      await fh.writeFile(bytes);
      await fh.sync();
    } finally {
      await fh.close();
    }
  }

  /** Gives `tmp` the name `file` unless it is taken. @returns false when taken */
  private async place(tmp: string, file: string): Promise<boolean> {
    try {
      await this.fs.link(tmp, file);
      return true;
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === 'EEXIST') return false;
      if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS' && code !== 'EXDEV' && code !== 'EOPNOTSUPP') throw err;
    }
    // No hard links here (FAT, exFAT, some shares): check, then rename (a tiny window, no better primitive).
    if (await exists(this.fs, file)) return false;
    await this.fs.rename(tmp, file);
    return true;
  }

  private folderPaths(): Map<string, { name: string; parentId: string | null }> {
    const rows = this.repo.folders();
    return new Map(rows.map((r) => [r.id, { name: r.name, parentId: r.parent_id }]));
  }

  private values(row: AssetRow, folders: Map<string, { name: string; parentId: string | null }>, index: number): TokenValues {
    let project = folders.get(row.folder_id);
    for (let guard = 0; project?.parentId && guard < 1000; guard++) project = folders.get(project.parentId);
    return {
      project: project?.name ?? '',
      folder: folders.get(row.folder_id)?.name ?? '',
      date: dateToken(row.created_at),
      model: row.model ?? (row.kind === 'imported' ? 'imported' : 'unknown'),
      provider: row.provider ?? (row.kind === 'imported' ? 'imported' : 'unknown'),
      rating: String(row.rating ?? 0),
      index,
      original: row.original_name ?? `${row.provider ?? 'image'}-${row.blob_id.slice(0, 12)}`,
      vars: this.varsOf(row.job_id),
    };
  }

  /** The values of the batch row that made the image (the `{var:name}` tokens); empty outside a batch. */
  private varsOf(jobId: string | null): Record<string, string> {
    const vars = jobId ? this.batches.varsOfJob(jobId) : null;
    return vars ? (JSON.parse(vars) as Record<string, string>) : {};
  }

  private assetRows(ids: string[]): AssetRow[] {
    return ids.map((id) => {
      const row = this.repo.asset(id);
      if (!row) throw new AppError('not_found', `no asset with id ${id}`, { params: { id } });
      return row;
    });
  }

  private recipe(row: AssetRow): ExportRecipe {
    const references = row.job_id ? this.repo.jobReferences(row.job_id) : [];
    const parentAssetId = this.repo.parentAssetId(row.id);
    // An edit's pixels come from a photo when its chain starts at an imported image (a root with no job).
    const root = this.repo.chainRoot(row.id);
    const rootIsPhoto = root !== null && (root.kind === 'imported' || (root.kind === null && root.jobId === null));
    const tags = this.repo.tagNames(row.id);
    const source: ExportRecipe['source'] =
      row.kind === 'imported' ? 'photo' : row.provider === 'sandbox' ? 'sandbox' : row.kind === 'edited' && rootIsPhoto ? 'composite' : 'generated';
    let params: Record<string, unknown> | null;
    try {
      params = row.params ? (JSON.parse(row.params) as Record<string, unknown>) : null;
    } catch {
      params = null;
    }
    return {
      assetId: row.id,
      kind: row.kind,
      source,
      prompt: row.prompt,
      provider: row.provider,
      model: row.model,
      params,
      lineage: { references, parentAssetId, jobId: row.job_id },
      cost: { credits: row.credits, usd: row.cost_usd, usdEstimate: row.usd_estimate },
      originalName: row.original_name,
      title: row.title,
      tags,
      rating: row.rating ?? 0,
      flag: row.flag ?? 0,
      createdAt: row.created_at,
      width: row.width,
      height: row.height,
    };
  }
}

function toPreset(r: PresetRow): ExportPreset {
  return {
    id: r.id,
    name: r.name,
    template: r.template,
    format: r.format,
    quality: r.quality,
    longEdge: r.long_edge,
    metadata: r.metadata,
    xmpSidecar: r.xmp_sidecar === 1,
    createdAt: r.created_at,
  };
}

async function exists(fs: ExportFs, path: string): Promise<boolean> {
  return (await fs.stat(path).catch(() => null)) !== null;
}

/** Last line of defence: a path that is not inside `root` is a bug, never written. */
function assertInside(root: string, path: string): void {
  const r = resolve(path);
  if (r !== root && !r.startsWith(root.endsWith(sep) ? root : root + sep)) {
    throw new AppError('internal', `refusing to write outside the export folder: ${path}`);
  }
}
