/**
 * The `app:` scheme the desktop window loads its page from serves only files of the built renderer (out/renderer):
 * index.html with the CSP header, assets with their MIME types, and nothing else — no traversal (plain, encoded,
 * backslashed, absolute), no directory listing, no symbolic link out of the folder. resolveAppRequest is the
 * decision window.ts's protocol.handle runs for every request.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve, sep } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_INDEX_URL, resolveAppRequest, type AppFile } from '../../src/main/app-protocol';
import { ELECTRON_CSP } from '../../src/main/security-policy';
import { REPO_ROOT } from '../helpers/paths';

const OUT = resolve(REPO_ROOT, 'out');
const RENDERER = resolve(OUT, 'renderer');

/** The built renderer's files, relative to out/renderer, with `/` separators. */
function builtFiles(dir = RENDERER): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? builtFiles(join(dir, e.name)) : [relative(RENDERER, join(dir, e.name)).split(sep).join('/')],
  );
}

function served(url: string, root = RENDERER): AppFile {
  const r = resolveAppRequest(root, url);
  if (r.status !== 200) throw new Error(`${url} was refused with ${r.status}`);
  return r;
}

const inside = (file: string, root: string) => relative(realpathSync(root), file).split(sep)[0] !== '..';

beforeAll(() => {
  // `npm test` builds first; on its own this file builds the renderer if it is missing.
  if (!existsSync(join(RENDERER, 'index.html'))) {
    execFileSync(process.execPath, [resolve(REPO_ROOT, 'node_modules/electron-vite/bin/electron-vite.js'), 'build'], {
      cwd: REPO_ROOT,
      stdio: 'ignore',
      timeout: 170_000,
    });
  }
}, 180_000);

describe('app:// serves the built renderer', () => {
  it('serves index.html for the page URL and for /, with the CSP and nosniff headers', () => {
    for (const url of [APP_INDEX_URL, 'app://atelier/', 'app://atelier', 'app://atelier/index.html?x=1#/library']) {
      const r = served(url);
      expect(r.file).toBe(realpathSync(join(RENDERER, 'index.html')));
      expect(r.mime).toBe('text/html; charset=utf-8');
      expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(r.headers['content-security-policy']).toBe(ELECTRON_CSP);
      expect(r.headers['x-content-type-options']).toBe('nosniff');
    }
  });

  it("sends a header CSP with every directive of the page's own <meta> policy, plus object-src, base-uri, form-action 'none'", () => {
    const html = readFileSync(join(RENDERER, 'index.html'), 'utf8');
    const meta = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html)?.[1];
    expect(meta, 'the built index.html carries a CSP <meta>').toBeTruthy();
    const header = served(APP_INDEX_URL).headers['content-security-policy']!;
    const directives = (policy: string) => policy.split(';').map((d) => d.trim().replace(/\s+/g, ' ')).filter(Boolean);
    for (const d of directives(meta!)) expect(directives(header)).toContain(d);
    for (const d of ["object-src 'none'", "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'"]) {
      expect(directives(header)).toContain(d);
    }
  });

  it('serves every built asset with its MIME type', () => {
    const files = builtFiles();
    const js = files.filter((f) => f.endsWith('.js'));
    const css = files.filter((f) => f.endsWith('.css'));
    expect(js.length).toBeGreaterThan(0);
    expect(css.length).toBeGreaterThan(0);
    for (const f of js) expect(served(`app://atelier/${f}`).mime).toBe('text/javascript; charset=utf-8');
    for (const f of css) expect(served(`app://atelier/${f}`).mime).toBe('text/css; charset=utf-8');
    for (const f of files) {
      const r = served(`app://atelier/${f.split('/').map(encodeURIComponent).join('/')}`);
      expect(r.file).toBe(realpathSync(join(RENDERER, f)));
      expect(r.headers['content-security-policy']).toBe(ELECTRON_CSP);
    }
  });

  it('lists no directory', () => {
    expect(resolveAppRequest(RENDERER, 'app://atelier/assets')).toEqual({ status: 404 });
    expect(resolveAppRequest(RENDERER, 'app://atelier/assets/')).toEqual({ status: 404 });
    expect(resolveAppRequest(RENDERER, 'app://atelier/missing.js')).toEqual({ status: 404 });
  });
});

describe('app:// refuses everything outside out/renderer', () => {
  // Real files just outside the root, so a refusal is the resolver's doing, not a missing file.
  const outside = ['out/main/index.js', 'package.json'];
  beforeAll(() => {
    for (const f of outside) expect(existsSync(resolve(REPO_ROOT, f)), f).toBe(true);
  });

  it.each([
    ['dot-dot segments (folded by the URL parser, then not found inside)', 'app://atelier/../main/index.js', 404],
    ['more dot-dots than the depth', 'app://atelier/../../package.json', 404],
    ['encoded dot-dots', 'app://atelier/%2e%2e/%2E%2E/package.json', 404],
    ['dot-dots with an encoded slash', 'app://atelier/..%2fmain%2findex.js', 400],
    ['an encoded dot-dot-slash chain', 'app://atelier/%2e%2e%2f%2e%2e%2fpackage.json', 400],
    ['backslashes', 'app://atelier/..%5cmain%5cindex.js', 400],
    ['a raw backslash', 'app://atelier/assets\\..\\..\\package.json', 400],
    ['an encoded absolute path', `app://atelier/${encodeURIComponent(resolve(REPO_ROOT, 'package.json'))}`, 400],
    ['an absolute path as a path', `app://atelier/${resolve(REPO_ROOT, 'package.json')}`, 404],
    ['a double slash', 'app://atelier//etc/passwd', 404],
    ['a drive letter', 'app://atelier/C:%5CWindows%5Cwin.ini', 400],
    ['a NUL byte', 'app://atelier/index.html%00.js', 400],
    ['a broken escape', 'app://atelier/%E0%A4%A', 400],
    ['another host', 'app://evil/index.html', 400],
    ['a port', 'app://atelier:8080/index.html', 400],
    ['credentials', 'app://user:pw@atelier/index.html', 400],
    ['another scheme', `file://${join(RENDERER, 'index.html')}`, 400],
    ['not a URL', 'index.html', 400],
  ])('refuses %s', (_label, url, status) => {
    expect(resolveAppRequest(RENDERER, url)).toEqual({ status });
  });

  it('never resolves to a file outside the root, whatever the path (property)', () => {
    const seg = fc.constantFrom('..', '.', '%2e%2e', '%2E%2e', '%2f', '%5c', '\\', 'main', 'index.js', 'index.html', 'package.json', 'assets', 'renderer', '', '%00', 'out');
    fc.assert(
      fc.property(fc.array(seg, { maxLength: 8 }), (segs) => {
        const r = resolveAppRequest(RENDERER, `app://atelier/${segs.join('/')}`);
        return r.status !== 200 || inside(r.file, RENDERER);
      }),
      { numRuns: 500 },
    );
  });
});

describe('app:// and symbolic links', () => {
  let tmp: string;
  let root: string;
  beforeAll(() => {
    // A copy of the built renderer with links planted in it (never planted in out/ itself, which others rebuild).
    tmp = mkdtempSync(join(tmpdir(), 'atelier-app-scheme-'));
    root = join(tmp, 'renderer');
    cpSync(RENDERER, root, { recursive: true });
    writeFileSync(join(tmp, 'secret.txt'), 'not for the page');
    mkdirSync(join(tmp, 'elsewhere'));
    writeFileSync(join(tmp, 'elsewhere', 'key.txt'), 'not for the page either');
    symlinkSync(join(tmp, 'secret.txt'), join(root, 'leak.txt'));
    symlinkSync('../secret.txt', join(root, 'relative-leak.js'));
    symlinkSync(join(tmp, 'elsewhere'), join(root, 'dir-link'));
    symlinkSync('index.html', join(root, 'alias.html'));
    symlinkSync(root, join(tmp, 'root-link'));
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('refuses a planted link to a file or folder outside the renderer', () => {
    expect(resolveAppRequest(root, 'app://atelier/leak.txt')).toEqual({ status: 404 });
    expect(resolveAppRequest(root, 'app://atelier/relative-leak.js')).toEqual({ status: 404 });
    expect(resolveAppRequest(root, 'app://atelier/dir-link/key.txt')).toEqual({ status: 404 });
    expect(resolveAppRequest(root, 'app://atelier/dir-link/')).toEqual({ status: 404 });
  });

  it('follows a link that stays inside, and a root reached through a link', () => {
    expect(served('app://atelier/alias.html', root).file).toBe(realpathSync(join(root, 'index.html')));
    expect(served('app://atelier/index.html', join(tmp, 'root-link')).file).toBe(realpathSync(join(root, 'index.html')));
  });
});
