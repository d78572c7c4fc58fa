/**
 * The repository stands alone: no tracked file (README.md included; bench/results and docs/screenshots excepted)
 * refers to the notes kept outside it — the folder beside the repository, its provider and design notes, their
 * reference/fixtures/specs subfolders. Provider rules cite the providers' public docs; fixtures live in
 * tests/fixtures, Apiframe's OpenAPI file in specs/.
 *
 * The forbidden strings are assembled from pieces so this file does not match itself. A relative path up to a
 * `shared` folder that resolves to the repository's own src/shared (the renderer's and preload's imports) is allowed.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/paths';

const EXCEPT = ['bench/results/', 'docs/screenshots/'];
const SRC_SHARED = resolve(REPO_ROOT, 'src/shared');

/** Plain strings no file may contain. */
const FORBIDDEN: readonly string[] = [
  ['providers', 'md'].join('.'),
  ['DESIGN', 'md'].join('.'),
  ['', 'work', 'shared'].join('/'),
  ...['reference', 'fixtures', 'specs'].map((d) => ['shared', d].join('/')),
];
/** One or more `../` then `shared` (checked for where it points). */
const UP_TO_SHARED = /((?:\.\.\/)+)shared\b/g;

/** The reasons `text` (the content of `file`, repo-relative) breaks the rule, as `line: excerpt`. */
function offences(file: string, text: string): string[] {
  const found: string[] = [];
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    const at = `${file}:${i + 1}: ${line.trim().slice(0, 160)}`;
    if (FORBIDDEN.some((s) => line.includes(s))) {
      found.push(at);
      return;
    }
    for (const m of line.matchAll(UP_TO_SHARED)) {
      const before = m.index > 0 ? line[m.index - 1]! : '';
      // A path with something before its first `../` is never the plain relative import this allows.
      const inRepo = !/[\w./-]/.test(before) && resolve(dirname(resolve(REPO_ROOT, file)), `${m[1]}shared`) === SRC_SHARED;
      if (!inRepo) {
        found.push(at);
        return;
      }
    }
  });
  return found;
}

describe('the repository stands alone', () => {
  it('the check itself finds the outside references it is meant to find', () => {
    expect(offences('README.md', `see ${['..', 'shared', 'DESIGN'].join('/')}.md`)).toHaveLength(1);
    expect(offences('src/main/x.ts', `// ${['providers', 'md'].join('.')} §3.7`)).toHaveLength(1);
    expect(offences('tests/x.ts', `'${['', 'work', 'shared', 'fixtures'].join('/')}'`)).toHaveLength(1);
    // From src/main, one level up to shared is src/shared: fine. From the repository root it is the folder beside it.
    expect(offences('src/main/app.ts', `import { x } from '${['..', 'shared', 'contract'].join('/')}';`)).toEqual([]);
    expect(offences('src/renderer/src/store/a.ts', `from '${['..', '..', '..', 'shared', 'errors'].join('/')}'`)).toEqual([]);
    expect(offences('scripts/a.mjs', `'${['..', 'shared', 'x'].join('/')}'`)).toHaveLength(1);
    expect(offences('tests/servers/apiframe/spec.ts', `the copy in ${['..', 'shared', 'specs'].join('/')}/`)).toHaveLength(1);
  });

  it('no tracked file refers to notes outside the repository', () => {
    const files = execFileSync('git', ['ls-files', '-z'], { cwd: REPO_ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
      .split('\0')
      .filter((f) => f !== '' && !EXCEPT.some((e) => f.startsWith(e)));
    expect(files.length).toBeGreaterThan(100);
    const found: string[] = [];
    for (const f of files) {
      const abs = resolve(REPO_ROOT, f);
      if (!existsSync(abs) || !statSync(abs).isFile()) continue; // deleted in the work tree, or a submodule
      found.push(...offences(f, readFileSync(abs, 'utf8')));
    }
    expect(found).toEqual([]);
  });
});
