/**
 * One owner for each table (issue 12 §2). SQL lives in repository modules, `src/main/services/repositories/<group>.ts`,
 * each exporting `OWNS` (the tables it owns) and a `<Group>Repository` class; services call repositories.
 *
 * - No other module under src/main prepares or executes SQL (`.prepare(`, or `.exec(` on a database), except the
 *   migrations and library/db.ts, which open the file and bring its schema up to date. Files not moved yet are listed
 *   in NOT_YET_MIGRATED; whoever migrates one removes its line, and the list only shrinks.
 * - Every repository lists what it owns; no table has two owners; a repository writes (INSERT/UPDATE/DELETE/REPLACE)
 *   only its own tables (reads may join any).
 * - Every table the migrations create has an owner; tables still waiting for one are in NOT_YET_OWNED, which must
 *   be empty when the work is done.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/main/services/library/db';
import { REPO_ROOT } from '../helpers/paths';

const SRC_MAIN = resolve(REPO_ROOT, 'src/main');
const REPOSITORIES = 'src/main/services/repositories/';
/** Modules allowed to talk SQL directly besides the repositories: they open the database and migrate it. */
const EXEMPT_PREFIXES = [REPOSITORIES, 'src/main/services/library/migrations/'];
const EXEMPT_FILES = [
  'src/main/services/library/db.ts',
  // VACUUM INTO on a second connection of its own, opened inside a worker thread (its source is a string).
  'src/main/services/library/snapshot.ts',
];

// ---------------------------------------------------------------------------------------------------------------
// NOT_YET_MIGRATED — files that still prepare their own SQL. This list only shrinks: remove a file's line when its
// SQL has moved into a repository (the test fails while a listed file no longer needs its entry).
// ---------------------------------------------------------------------------------------------------------------
const NOT_YET_MIGRATED: readonly string[] = [];

// ---------------------------------------------------------------------------------------------------------------
// NOT_YET_OWNED — tables the migrations create that no repository owns yet. Must be empty when issue 12 §2 is done;
// remove a table's line when a repository lists it in OWNS (the test fails while an owned table is still here).
// ---------------------------------------------------------------------------------------------------------------
const NOT_YET_OWNED: readonly string[] = [];

/** Every `.ts` file under `dir`, repo-relative with `/` separators. */
function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) out.push(...tsFiles(full));
    else if (name.endsWith('.ts')) out.push(relative(REPO_ROOT, full).split('\\').join('/'));
  }
  return out.sort();
}

/** `text` with block and line comments blanked out (line breaks kept, so line numbers stay right). */
function withoutComments(text: string): string {
  return text
    .replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, ' '))
    .replace(/(^|[^:'"`\\])\/\/.*$/gm, (_c, before: string) => before);
}

/** `.prepare(` anywhere; `.exec(` on something named like a database, or given a string literal of SQL. */
const SQL_CALL = [/\.prepare\s*\(/, /\b\w*(?:db|Db|DB|database|Database)\s*\.\s*exec\s*\(/, /\.exec\s*\(\s*['"`]/];

/** The lines of `text` (the content of `file`) that prepare or execute SQL, as `file:line: excerpt`. */
export function sqlCalls(file: string, text: string): string[] {
  const found: string[] = [];
  withoutComments(text)
    .split('\n')
    .forEach((line, i) => {
      if (SQL_CALL.some((re) => re.test(line))) found.push(`${file}:${i + 1}: ${line.trim().slice(0, 140)}`);
    });
  return found;
}

/** Tables an SQL text writes: `INSERT [OR x] INTO t`, `REPLACE INTO t`, `UPDATE [OR x] t SET`, `DELETE FROM t`. */
export function writtenTables(text: string): string[] {
  const code = withoutComments(text);
  const tables = new Set<string>();
  const patterns = [
    /\bINSERT\s+(?:OR\s+\w+\s+)?INTO\s+["`]?(\w+)/gi,
    /\bREPLACE\s+INTO\s+["`]?(\w+)/gi,
    /\bUPDATE\s+(?:OR\s+\w+\s+)?["`]?(\w+)["`]?\s+SET\b/gi,
    /\bDELETE\s+FROM\s+["`]?(\w+)/gi,
  ];
  for (const re of patterns) for (const m of code.matchAll(re)) tables.add(m[1]!.toLowerCase());
  return [...tables].sort();
}

/** The `OWNS` list of a repository module's source, or null when it declares none. */
export function ownsOf(text: string): string[] | null {
  const m = /export\s+const\s+OWNS\s*=\s*\[([^\]]*)\]\s*as\s+const/.exec(withoutComments(text));
  if (!m) return null;
  return [...m[1]!.matchAll(/['"](\w+)['"]/g)].map((x) => x[1]!);
}

interface RepositoryModule {
  file: string;
  /** Its OWNS list; null for a module that exports a `…Repository` class and no OWNS. A helper owns nothing. */
  owns: string[] | null;
  writes: string[];
}

/** Whether a module under repositories/ is a repository (exports a `…Repository` class) rather than a helper. */
function isRepository(text: string): boolean {
  return /export\s+class\s+\w+Repository\b/.test(text);
}

function repositories(): RepositoryModule[] {
  const dir = resolve(REPO_ROOT, REPOSITORIES);
  let files: string[];
  try {
    files = tsFiles(dir);
  } catch {
    return []; // no repository yet
  }
  return files.map((file) => {
    const text = readFileSync(resolve(REPO_ROOT, file), 'utf8');
    return { file, owns: isRepository(text) ? ownsOf(text) : (ownsOf(text) ?? []), writes: writtenTables(text) };
  });
}

/** Tables (plain and virtual, not FTS shadow tables nor SQLite's own) that the migrations create. */
function migratedTables(): string[] {
  const db = openDatabase(':memory:');
  try {
    const rows = db.pragma('table_list') as { schema: string; name: string; type: string }[];
    return rows
      .filter((r) => r.schema === 'main' && (r.type === 'table' || r.type === 'virtual') && !r.name.startsWith('sqlite_'))
      .map((r) => r.name)
      .sort();
  } finally {
    db.close();
  }
}

describe('one owner for each table', () => {
  it('the checks find what they are meant to find', () => {
    const sample = [
      "const a = db.prepare('SELECT 1');",
      '  this.db',
      "    .prepare('SELECT 2')",
      "this.db.exec('DELETE FROM tags');",
      'const m = /^x(\\d+)$/.exec(name);',
      'const n = OBJECT_NAME.exec(f.name);',
      '// db.prepare() in a comment',
      '/** db.exec() in a docstring */',
    ].join('\n');
    expect(sqlCalls('x.ts', sample).map((s) => s.split(':')[1])).toEqual(['1', '3', '4']);
    expect(
      writtenTables(
        "INSERT INTO assets (id) VALUES (?); INSERT OR IGNORE INTO asset_tags; UPDATE OR REPLACE tags SET x=1; " +
          'DELETE FROM versions; REPLACE INTO settings; ON CONFLICT(k) DO UPDATE SET v = 1; SELECT * FROM jobs',
      ),
    ).toEqual(['asset_tags', 'assets', 'settings', 'tags', 'versions']);
    expect(writtenTables('/** UPDATE folders SET is only said here */')).toEqual([]);
    expect(ownsOf("export const OWNS = ['assets', \"asset_tags\"] as const;")).toEqual(['assets', 'asset_tags']);
    expect(ownsOf('export const TABLES = []')).toBeNull();
  });

  it('only repositories (and the migrations) prepare or execute SQL', () => {
    const offending = new Map<string, string[]>();
    for (const file of tsFiles(SRC_MAIN)) {
      if (EXEMPT_PREFIXES.some((p) => file.startsWith(p)) || EXEMPT_FILES.includes(file)) continue;
      const calls = sqlCalls(file, readFileSync(resolve(REPO_ROOT, file), 'utf8'));
      if (calls.length > 0) offending.set(file, calls);
    }
    const unexpected = [...offending].filter(([file]) => !NOT_YET_MIGRATED.includes(file)).flatMap(([, calls]) => calls);
    expect(unexpected, 'move this SQL into a repository (src/main/services/repositories/)').toEqual([]);
    const done = NOT_YET_MIGRATED.filter((file) => !offending.has(file));
    expect(done, 'these files no longer talk SQL: remove them from NOT_YET_MIGRATED').toEqual([]);
  });

  it('every repository lists what it owns, and no table has two owners', () => {
    const repos = repositories();
    expect(repos.filter((r) => r.owns === null).map((r) => r.file), 'export const OWNS = [...] as const').toEqual([]);
    const owners = new Map<string, string[]>();
    for (const r of repos) for (const t of r.owns ?? []) owners.set(t, [...(owners.get(t) ?? []), r.file]);
    const shared = [...owners].filter(([, files]) => files.length > 1).map(([t, files]) => `${t}: ${files.join(', ')}`);
    expect(shared, 'a table has one owner').toEqual([]);
  });

  it('a repository writes only the tables it owns', () => {
    const repos = repositories();
    const owner = new Map<string, string>();
    for (const r of repos) for (const t of r.owns ?? []) owner.set(t, r.file);
    const foreign = repos.flatMap((r) =>
      r.writes
        .filter((t) => !(r.owns ?? []).includes(t))
        .map((t) => `${r.file} writes ${t} (${owner.get(t) ? `owned by ${owner.get(t)}` : 'owned by no repository'})`),
    );
    expect(foreign, 'write through the owning repository').toEqual([]);
  });

  it('every table the migrations create has an owner (NOT_YET_OWNED only shrinks)', () => {
    const owned = new Set(repositories().flatMap((r) => r.owns ?? []));
    const tables = migratedTables();
    const ownerless = tables.filter((t) => !owned.has(t) && !NOT_YET_OWNED.includes(t));
    expect(ownerless, 'give these tables an owner (a repository OWNS list)').toEqual([]);
    const stale = NOT_YET_OWNED.filter((t) => owned.has(t) || !tables.includes(t));
    expect(stale, 'these tables are owned (or gone): remove them from NOT_YET_OWNED').toEqual([]);
    const unknown = [...owned].filter((t) => !tables.includes(t));
    expect(unknown, 'OWNS names a table no migration creates').toEqual([]);
  });
});
