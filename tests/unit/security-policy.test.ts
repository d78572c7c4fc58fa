import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ELECTRON_CSP, isAllowedNavigation, isSafeExternalUrl, safeExternalUrl } from '../../src/main/security-policy';

const APP = pathToFileURL('/opt/Atelier/resources/app/out/renderer/index.html').href;

describe('isAllowedNavigation', () => {
  it('allows the app page itself, with or without a fragment', () => {
    expect(APP).toBe('file:///opt/Atelier/resources/app/out/renderer/index.html');
    expect(isAllowedNavigation(APP, APP)).toBe(true);
    expect(isAllowedNavigation(`${APP}#/library`, APP)).toBe(true);
    // The URL parser's normalisations (scheme case, dot segments) give the same page.
    expect(isAllowedNavigation(APP.replace('file:', 'FILE:'), APP)).toBe(true);
    expect(isAllowedNavigation('file:///opt/Atelier/resources/app/out/main/../renderer/index.html', APP)).toBe(true);
    // %2e%2e is a dot segment to the URL parser (and to Chromium): this is the app page again, not a way out.
    expect(isAllowedNavigation('file:///opt/Atelier/resources/app/out/renderer/%2e%2e/renderer/index.html', APP)).toBe(true);
  });

  it.each([
    ['the web', 'https://example.com/'],
    ['plain http', 'http://127.0.0.1:5173/'],
    ['javascript:', 'javascript:alert(1)'],
    ['data:', 'data:text/html,<script>alert(1)</script>'],
    ['blob:', 'blob:file:///0b2c'],
    ['another local file', 'file:///etc/passwd'],
    ['a sibling file', 'file:///opt/Atelier/resources/app/out/renderer/other.html'],
    ['a traversal out of the folder', 'file:///opt/Atelier/resources/app/out/renderer/../../../../../etc/passwd'],
    ['an encoded slash', 'file:///opt/Atelier/resources/app/out%2Frenderer/index.html'],
    ['encoded dot-dots out of the folder', 'file:///opt/Atelier/resources/app/out/renderer/%2e%2e/%2E%2E/%2e%2e/etc/passwd'],
    ['a UNC host (Windows share)', 'file://evil.com/opt/Atelier/resources/app/out/renderer/index.html'],
    ['a different query', `${APP}?debug=1`],
    ['uppercase path', APP.toUpperCase()],
    ['a look-alike path', 'file:///opt/Atelier/resources/app/out/renderer/index.html.evil.html'],
    ['the app URL as a substring', `https://evil.com/${APP}`],
    ['nonsense', 'not a url'],
    ['empty', ''],
  ])('refuses %s', (_label, target) => {
    expect(isAllowedNavigation(target, APP)).toBe(false);
  });

  it('refuses everything when the app URL itself is not a file URL', () => {
    expect(isAllowedNavigation('https://example.com/', 'https://example.com/')).toBe(false);
    expect(isAllowedNavigation('file:///x', 'nonsense')).toBe(false);
  });

  it('treats Windows drive letters case-insensitively and nothing else', () => {
    const win = 'file:///C:/Program%20Files/Atelier/resources/app/out/renderer/index.html';
    expect(isAllowedNavigation('file:///c:/Program%20Files/Atelier/resources/app/out/renderer/index.html', win)).toBe(true);
    expect(isAllowedNavigation('file:///c:/program%20files/Atelier/resources/app/out/renderer/index.html', win)).toBe(false);
    expect(isAllowedNavigation('file:///D:/Program%20Files/Atelier/resources/app/out/renderer/index.html', win)).toBe(false);
  });
});

describe('safeExternalUrl / isSafeExternalUrl', () => {
  it('accepts https links and returns their normalised form', () => {
    expect(safeExternalUrl('https://docs-v2.apiframe.ai/docs')).toBe('https://docs-v2.apiframe.ai/docs');
    expect(safeExternalUrl('HTTPS://Example.COM/a b')).toBe('https://example.com/a%20b');
    // Leading spaces are stripped by the URL parser; what is opened is the normalised URL.
    expect(safeExternalUrl('  https://example.com/')).toBe('https://example.com/');
    expect(isSafeExternalUrl('https://example.com/?q=1#x')).toBe(true);
  });

  it.each([
    ['http:', 'http://example.com/'],
    ['javascript:', 'javascript:alert(1)'],
    ['javascript: with tabs', 'java\tscript:alert(1)'],
    ['data:', 'data:text/html;base64,PHNjcmlwdD4='],
    ['file:', 'file:///etc/passwd'],
    ['file: UNC', 'file://server/share/x.exe'],
    ['a custom scheme', 'ms-settings:privacy'],
    ['smb:', 'smb://evil.com/share'],
    ['mailto:', 'mailto:a@example.com'],
    ['credentials as a disguise', 'https://www.apiframe.ai@evil.com/'],
    ['a password', 'https://user:pass@example.com/'],
    ['protocol-relative', '//example.com/'],
    ['relative', '/docs'],
    ['https with an empty host', 'https://'],
    ['garbage', 'not a url'],
    ['empty', ''],
  ])('refuses %s', (_label, url) => {
    expect(safeExternalUrl(url)).toBeNull();
    expect(isSafeExternalUrl(url)).toBe(false);
  });

  it('judges the real host, not one that merely appears in the text', () => {
    // These are https and are accepted, but what opens is evil.com, which the normalised URL makes plain.
    expect(safeExternalUrl('https://evil.com/https://apiframe.ai')).toBe('https://evil.com/https://apiframe.ai');
    expect(new URL(safeExternalUrl('https://apiframe.ai.evil.com/')!).hostname).toBe('apiframe.ai.evil.com');
    // Extra slashes are dropped by the parser for special schemes, as in the browser: the host is "path".
    expect(safeExternalUrl('https:///path')).toBe('https://path/');
  });
});

describe('ELECTRON_CSP', () => {
  it('allows scripts only from the app and images from media:, never unsafe-eval or remote hosts', () => {
    expect(ELECTRON_CSP).toContain("default-src 'self'");
    expect(ELECTRON_CSP).toContain("script-src 'self'");
    expect(ELECTRON_CSP).toMatch(/img-src [^;]*media:/);
    expect(ELECTRON_CSP).toContain("frame-ancestors 'none'");
    expect(ELECTRON_CSP).not.toContain('unsafe-eval');
    expect(ELECTRON_CSP).not.toMatch(/https?:/);
    expect(ELECTRON_CSP).not.toContain('*');
  });
});
