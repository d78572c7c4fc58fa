/**
 * Import and export figures for `bench/library` (issue 6): import of N photos of about 1 megapixel (distinct
 * JPEGs generated with sharp into a temp folder first) through the app's import task, with images/s and peak
 * process RSS (sampled every 20 ms); export of the same N images as original bytes and as converted JPEG.
 *
 * Use from the main bench:
 *   import { runImportExportBench } from './library/import-export';
 *   const r = await runImportExportBench({ n: 1000 }); // r.importPerS → `import_per_s=…` on the last line
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import sharp from 'sharp';
import { createApp, type App } from '../../src/main/app';
import type { ExportReport, ImportReport } from '../../src/shared/contracts/transfer';

/** Results of one run. Rates in images per second; memory in MB (RSS of this process). */
export interface ImportExportResult {
  n: number;
  megapixels: number;
  generateSeconds: number;
  importSeconds: number;
  importPerS: number;
  importPeakRssMb: number;
  /** CPU time of this process (every thread: the image pool's workers, libvips, libuv) per imported image, ms. */
  importCpuMsPerImage: number;
  importedCount: number;
  exportOriginalPerS: number;
  exportJpegPerS: number;
}

/** Width × height of the generated photos (≈ 1.0 megapixel, 4:3). */
const W = 1152;
const H = 864;

/**
 * Writes `n` distinct ~1 MP JPEGs into `dir`: smooth random colour fields (a 16×12 random image enlarged, like
 * out-of-focus photos) with a seeded pattern, so every file and every perceptual hash differs.
 * @returns the file paths
 */
export async function generatePhotos(dir: string, n: number): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const files: string[] = [];
  let x = 0x9e3779b9;
  const rand = (): number => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x100000000;
  };
  const batch = 8;
  for (let i = 0; i < n; i += batch) {
    await Promise.all(
      Array.from({ length: Math.min(batch, n - i) }, (_, k) => {
        const raw = Buffer.alloc(16 * 12 * 3);
        for (let j = 0; j < raw.length; j++) raw[j] = Math.floor(rand() * 256);
        const file = join(dir, `photo-${String(i + k).padStart(5, '0')}.jpg`);
        files.push(file);
        return sharp(raw, { raw: { width: 16, height: 12, channels: 3 } })
          .resize(W, H, { kernel: 'cubic' })
          .jpeg({ quality: 85 })
          .toFile(file);
      }),
    );
  }
  return files.sort();
}

/** Samples process RSS until stopped; returns the peak in MB. */
function rssSampler(): { stop(): number } {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 20);
  return {
    stop() {
      clearInterval(timer);
      peak = Math.max(peak, process.memoryUsage().rss);
      return peak / (1024 * 1024);
    },
  };
}

/**
 * Runs the import and export measurements in a fresh temp library (deleted afterwards).
 * @param opts.n photos (default 1000)
 * @param opts.log progress lines (default: none)
 */
export async function runImportExportBench(opts: { n?: number; log?: (line: string) => void } = {}): Promise<ImportExportResult> {
  const n = opts.n ?? 1000;
  const log = opts.log ?? (() => {});
  const root = await mkdtemp(join(tmpdir(), 'atelier-bench-io-'));
  let app: App | null = null;
  try {
    let t = performance.now();
    const photos = join(root, 'photos');
    await generatePhotos(photos, n);
    const generateSeconds = (performance.now() - t) / 1000;
    log(`generated ${n} photos of ${W}×${H} in ${generateSeconds.toFixed(1)} s`);

    app = await createApp({ dataDir: join(root, 'lib'), env: {}, logger: pino({ level: 'silent' }), keychainService: `atelier-bench-${process.pid}` });
    const folder = app.services.folders.create('Bench import', null);
    const sampler = rssSampler();
    const cpu0 = process.cpuUsage();
    t = performance.now();
    const view = app.services.transfer.importer.startPaths(folder.id, [photos], { stackNearDuplicates: false });
    const done = await app.services.transfer.tasks.wait(view.id);
    const importSeconds = (performance.now() - t) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const importPeakRssMb = sampler.stop();
    const report = done.report as ImportReport;
    log(`imported ${report.imported.length} (skipped ${report.skipped.length}, near-duplicates ${report.nearDuplicates.length}) in ${importSeconds.toFixed(2)} s`);

    const exportRate = async (presetId: string, name: string): Promise<number> => {
      const out = join(root, `out-${name}`);
      await mkdir(out);
      const t0 = performance.now();
      const v = await app!.services.transfer.exporter.start({ kind: 'folder', folderId: folder.id, recursive: false }, presetId, out);
      const r = (await app!.services.transfer.tasks.wait(v.id)).report as ExportReport;
      const s = (performance.now() - t0) / 1000;
      log(`exported ${r.written.length} as ${name} in ${s.toFixed(2)} s`);
      return r.written.length / s;
    };
    const original = app.services.transfer.exporter.savePreset({ id: null, name: 'bench original', template: '{original}', format: 'original', quality: 90, longEdge: null, metadata: 'none' });
    const jpeg = app.services.transfer.exporter.savePreset({ id: null, name: 'bench jpeg', template: '{index}', format: 'jpeg', quality: 85, longEdge: null, metadata: 'prompt' });
    const exportOriginalPerS = await exportRate(original.id, 'original');
    const exportJpegPerS = await exportRate(jpeg.id, 'jpeg');
    return {
      n,
      megapixels: (W * H) / 1e6,
      generateSeconds,
      importSeconds,
      importPerS: report.imported.length / importSeconds,
      importPeakRssMb,
      importCpuMsPerImage: (cpu.user + cpu.system) / 1000 / Math.max(1, report.imported.length),
      importedCount: report.imported.length,
      exportOriginalPerS,
      exportJpegPerS,
    };
  } finally {
    await app?.close();
    await rm(root, { recursive: true, force: true });
  }
}

/** The figures as one `key=value` line (for bench/library's table and last line). */
export function formatImportExport(r: ImportExportResult): string {
  return (
    `import-export n=${r.n} mp=${r.megapixels.toFixed(2)} import_per_s=${r.importPerS.toFixed(1)} ` +
    `import_peak_rss_mb=${r.importPeakRssMb.toFixed(0)} import_cpu_ms=${r.importCpuMsPerImage.toFixed(2)} export_original_per_s=${r.exportOriginalPerS.toFixed(1)} ` +
    `export_jpeg_per_s=${r.exportJpegPerS.toFixed(1)}`
  );
}
