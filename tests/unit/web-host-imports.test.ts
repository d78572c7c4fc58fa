/**
 * The web host (`npm run serve`, src/main/web/cli.ts) is plain Node: nothing it imports may import electron, and
 * the lint rule that forbids electron must cover every file it imports, so such an import is caught at lint time
 * too. Walks the static import graph (imports, `export … from`, `import()`, `require()`, type-only imports
 * included) from cli.ts and from the service host it starts in a worker (service-host-entry.ts) through relative
 * specifiers, and asks ESLint for each file's computed config.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import ts from 'typescript';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/paths';

/** The web host's entry and the service host it starts in a worker (src/main/web/service-thread.ts loads it by URL). */
const ENTRIES = [resolve(REPO_ROOT, 'src/main/web/cli.ts'), resolve(REPO_ROOT, 'src/main/service-host-entry.ts')];
const CANDIDATES = ['', '.ts', '.tsx', '.mts', '.cts', '/index.ts', '/index.tsx'];

/** The file a relative (or absolute, for `@shared/…`) specifier names (a `.js` suffix also tries `.ts`), or null where none exists. */
function resolveRelative(from: string, spec: string): string | null {
  const base = resolve(dirname(from), spec);
  const bases = /\.[cm]?js$/.test(base) ? [base, base.replace(/\.([cm]?)js$/, '.$1ts'), base.replace(/\.js$/, '.tsx')] : [base];
  for (const b of bases) {
    for (const ext of CANDIDATES) {
      const p = b + ext;
      if (existsSync(p) && statSync(p).isFile()) return p;
    }
  }
  return null;
}

/** Every module specifier a file names statically. */
function specifiersOf(file: string): string[] {
  const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
  return info.importedFiles.map((f) => f.fileName);
}

const isElectron = (spec: string): boolean => spec === 'electron' || spec.startsWith('electron/');

interface Graph {
  /** Absolute paths of the files reached, entry first. */
  files: string[];
  /** Relative specifiers that name no file: `importer → specifier`. */
  unresolved: string[];
  /** Files that import electron: `file → specifier`. */
  electron: string[];
}

function importGraph(entries: string[]): Graph {
  const seen = new Set<string>(entries);
  const queue = [...entries];
  const unresolved: string[] = [];
  const electron: string[] = [];
  while (queue.length > 0) {
    const file = queue.shift()!;
    for (const spec of specifiersOf(file)) {
      if (isElectron(spec)) electron.push(`${relative(REPO_ROOT, file)} → ${spec}`);
      const local = spec.startsWith('@shared/') ? resolve(REPO_ROOT, 'src/shared', spec.slice('@shared/'.length)) : spec;
      if (!local.startsWith('.') && local === spec) continue;
      const target = resolveRelative(file, local);
      if (!target) {
        unresolved.push(`${relative(REPO_ROOT, file)} → ${spec}`);
        continue;
      }
      if (!seen.has(target)) {
        seen.add(target);
        queue.push(target);
      }
    }
  }
  return { files: [...seen], unresolved, electron };
}

/** True when `no-restricted-imports` is on (warn or error) for `file` and its `paths` include electron. */
async function electronRestricted(eslint: ESLint, file: string): Promise<boolean> {
  const config = (await eslint.calculateConfigForFile(file)) as { rules?: Record<string, unknown> } | undefined;
  const rule = config?.rules?.['no-restricted-imports'];
  if (!Array.isArray(rule)) return false;
  const [severity, ...options] = rule as unknown[];
  if (severity === 0 || severity === 'off') return false;
  return options.some((o) => {
    if (typeof o === 'string') return o === 'electron';
    const paths = (o as { paths?: unknown[] } | null)?.paths ?? [];
    return paths.some((p) => p === 'electron' || (p as { name?: string } | null)?.name === 'electron');
  });
}

describe('web host imports', () => {
  const graph = importGraph(ENTRIES);
  const sources = graph.files.filter((f) => /\.[cm]?tsx?$/.test(f));

  it('reaches the app, its services and handlers through resolvable imports', () => {
    const rel = graph.files.map((f) => relative(REPO_ROOT, f));
    expect(graph.unresolved).toEqual([]);
    // cli.ts starts the service host by the URL of its built entry: that file must be there to be walked.
    expect(readFileSync(ENTRIES[0]!.replace(/cli\.ts$/, 'service-thread.ts'), 'utf8')).toContain("new URL('./service-host.js', import.meta.url)");
    expect(rel).toContain('src/main/app.ts');
    expect(rel).toContain('src/main/web/server.ts');
    expect(rel.some((f) => f.startsWith('src/main/services/'))).toBe(true);
    expect(rel.some((f) => f.startsWith('src/main/handlers/'))).toBe(true);
    expect(rel.some((f) => f.startsWith('src/shared/'))).toBe(true);
  });

  it('never imports electron', () => {
    expect(graph.electron).toEqual([]);
  });

  it('is covered, file by file, by the lint rule that forbids electron', { timeout: 30_000 }, async () => {
    const eslint = new ESLint({ cwd: REPO_ROOT });
    const uncovered: string[] = [];
    for (const f of sources) if (!(await electronRestricted(eslint, f))) uncovered.push(relative(REPO_ROOT, f));
    expect(uncovered).toEqual([]);
    // The check can say no: the Electron entry (which imports electron) is outside the rule.
    expect(await electronRestricted(eslint, resolve(REPO_ROOT, 'src/main/index.ts'))).toBe(false);
  });
});
