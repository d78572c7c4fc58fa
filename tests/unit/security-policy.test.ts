import { describe, expect, it } from 'vitest';
import { ELECTRON_CSP, isAllowedNavigation, isSafeExternalUrl, safeExternalUrl } from '../../src/main/security-policy';
import { APP_INDEX_URL } from '../../src/main/app-protocol';

const APP = APP_INDEX_URL;
const DEV = 'http://localhost:5173/';

describe('isAllowedNavigation', () => {
  it('allows the app:// origin: the page itself, its fragments and other renderer files', () => {
    expect(APP).toBe('app://atelier/index.html');
    expect(isAllowedNavigation(APP, APP)).toBe(true);
    expect(isAllowedNavigation(`${APP}#/library`, APP)).toBe(true);
    expect(isAllowedNavigation('app://atelier/', APP)).toBe(true);
    expect(isAllowedNavigation('APP://atelier/index.html', APP)).toBe(true);
    // Dot segments (plain or %2e%2e) are folded by the URL parser: still the same origin, and the scheme handler
    // serves only files of the built renderer (tests/integration/app-protocol.test.ts).
    expect(isAllowedNavigation('app://atelier/%2e%2e/%2e%2e/etc/passwd', APP)).toBe(true);
  });

  it.each([
    ['the web', 'https://example.com/'],
    ['the dev server from the packaged app', 'http://127.0.0.1:5173/'],
    ['javascript:', 'javascript:alert(1)'],
    ['data:', 'data:text/html,<script>alert(1)</script>'],
    ['blob:', 'blob:app://atelier/0b2c'],
    ['a local file', 'file:///etc/passwd'],
    ['the renderer as a file', 'file:///opt/Atelier/resources/app.asar/out/renderer/index.html'],
    ['another app: host', 'app://evil/index.html'],
    ['a look-alike host', 'app://atelier.evil/index.html'],
    ['a port', 'app://atelier:80/index.html'],
    ['credentials', 'app://user@atelier/index.html'],
    ['the media scheme', 'media://blob/abc/original'],
    ['the app URL as a substring', `https://evil.com/${APP}`],
    ['nonsense', 'not a url'],
    ['empty', ''],
  ])('refuses %s', (_label, target) => {
    expect(isAllowedNavigation(target, APP)).toBe(false);
  });

  it('in development allows only the dev server origin (loopback http, same port)', () => {
    expect(isAllowedNavigation('http://localhost:5173/index.html#/x', DEV)).toBe(true);
    expect(isAllowedNavigation('http://localhost:5174/', DEV)).toBe(false);
    expect(isAllowedNavigation('http://127.0.0.1:5173/', DEV)).toBe(false);
    expect(isAllowedNavigation('https://localhost:5173/', DEV)).toBe(false);
    expect(isAllowedNavigation(APP, DEV)).toBe(false);
  });

  it('refuses everything when the app URL itself is not an app page', () => {
    expect(isAllowedNavigation('https://example.com/', 'https://example.com/')).toBe(false);
    expect(isAllowedNavigation('http://example.com/', 'http://example.com/')).toBe(false);
    expect(isAllowedNavigation('file:///x', 'file:///x')).toBe(false);
    expect(isAllowedNavigation('app://evil/', 'app://evil/')).toBe(false);
    expect(isAllowedNavigation('app://atelier/', 'nonsense')).toBe(false);
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
    for (const directive of ["object-src 'none'", "base-uri 'none'", "form-action 'none'"]) expect(ELECTRON_CSP).toContain(directive);
  });
});
