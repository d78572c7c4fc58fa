/**
 * bench/library: the library at scale (issue 6). Builds a synthetic library of N images (default 100,000;
 * 250,000 supported) with real small images (build.ts), then runs each section, one function per file in
 * bench/library/:
 *   search.ts   search & filter through the app's own layer beside the same SQL run raw (p50/p95 over 50 queries)
 *   gallery.ts  the gallery in Debian Chromium via the web host: open → first screen, scroll frame times, JS heap
 *   import.ts   (optional; another section owner adds it) must export `importSection(ctx): Promise<SectionResult>`
 *               whose `line` carries `import_per_s` (and whatever else it prints in its table)
 *   busy.ts     (optional, like import.ts: `busySection`) the web host's gallery calls every 20 ms during a backup of
 *               the library and an import of 1,000 photos; its `line` carries `busy_p99_ms`
 * The last line reads:
 *   library n=N search_p95_ms=… worst_ms=… raw_ratio=… first_paint_ms=… scroll_p95_ms=… heap_mb=… busy_p99_ms=… import_per_s=…
 * (`import_per_s=NA` when the import section is absent).
 *
 * BENCH_DIR=/some/folder keeps the library in BENCH_DIR/n-N (outside the repo) and reuses it on the next run of the
 * same N (a million images take minutes to build); without it the library lives in a temp folder removed at the end.
 * Progress (rows built per second, index creation, search indexing, queries) goes to stderr.
 *
 * Run: npm run bench:library   (or: npx tsx bench/library.ts [N]); needs the built app (npx electron-vite build)
 * for the gallery section and Debian Chromium at /usr/bin/chromium (or CHROMIUM_PATH).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { createApp } from '../src/main/app';
import { HOST_ENTRY } from '../tests/e2e/harness';
import { buildLibrary, type Built } from './library/build';
import type { BenchContext, SectionResult } from './library/context';
import { gallerySection } from './library/gallery';
import { searchSection } from './library/search';

const N = Number(process.argv[2] ?? 100_000);
if (!Number.isInteger(N) || N < 100 || N > 1_000_000) throw new Error(`N must be an integer from 100 to 1,000,000, got ${process.argv[2]}`);

async function main(): Promise<void> {
  if (!existsSync(HOST_ENTRY)) throw new Error(`${HOST_ENTRY} is missing: run \`npx electron-vite build\` first`);
  const keep = process.env['BENCH_DIR'];
  const dataDir = keep ? join(keep, `n-${N}`) : await mkdtemp(join(tmpdir(), 'atelier-bench-library-'));
  if (keep) mkdirSync(dataDir, { recursive: true });
  const marker = join(dataDir, 'bench-built.json');
  const app = await createApp({ dataDir, env: {}, keychainService: 'atelier-bench', logger: pino({ level: 'silent' }) });
  let open = true;
  const closeApp = async (): Promise<void> => {
    if (open) await app.close();
    open = false;
  };
  try {
    let built: Built;
    if (keep && existsSync(marker)) {
      built = JSON.parse(readFileSync(marker, 'utf8')) as Built;
      console.error(`reusing the library built in ${dataDir}`);
    } else {
      console.error(`building ${N.toLocaleString('en')} images in ${dataDir}`);
      built = await buildLibrary(app, N);
      if (keep) writeFileSync(marker, JSON.stringify(built));
    }
    const ctx: BenchContext = { n: N, dataDir, app, projectId: built.projectId, smallProjectId: built.smallProjectId, closeApp };
    const out: string[] = [
      `library bench: n=${N} (${built.blobs} distinct stored images), built in ${(built.buildMs / 1000).toFixed(1)} s, search index ${(built.indexMs / 1000).toFixed(1)} s`,
    ];
    const line: Record<string, string | number> = {};
    // BENCH_ONLY=search (or import, busy, gallery) runs one section, for iterating on it.
    const only = process.env['BENCH_ONLY'];
    const sections: ((c: BenchContext) => Promise<SectionResult>)[] = !only || only === 'search' ? [searchSection] : [];
    const importPath = new URL('./library/import.ts', import.meta.url);
    if ((!only || only === 'import') && existsSync(importPath)) {
      const mod = (await import(importPath.href)) as { importSection?: (c: BenchContext) => Promise<SectionResult> };
      if (mod.importSection) sections.push(mod.importSection);
    }
    const busyPath = new URL('./library/busy.ts', import.meta.url);
    if ((!only || only === 'busy') && existsSync(busyPath)) {
      const mod = (await import(busyPath.href)) as { busySection?: (c: BenchContext) => Promise<SectionResult> };
      if (mod.busySection) sections.push(mod.busySection); // closes the app and starts the web host, like gallery
    }
    if (!only || only === 'gallery') sections.push(gallerySection); // last: it closes the app and starts the web host on the same folder
    for (const section of sections) {
      const r = await section(ctx);
      out.push('', ...r.table);
      Object.assign(line, r.line);
    }
    console.log(out.join('\n'));
    const all = ['search_p95_ms', 'worst_ms', 'raw_ratio', 'first_paint_ms', 'scroll_p95_ms', 'heap_mb', 'busy_p99_ms', 'import_per_s'];
    // One section alone prints only its own fields.
    const keys = only ? all.filter((k) => k in line) : all;
    console.log(`\nlibrary n=${N} ${keys.map((k) => `${k}=${line[k] ?? 'NA'}`).join(' ')}`);
  } finally {
    await closeApp();
    if (!keep) await rm(dataDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
