/**
 * Which page the desktop window loads: the built renderer over app:// always when packaged, and the electron-vite dev
 * server only in `npm run dev` (ELECTRON_RENDERER_URL, unpackaged, loopback http:). The security checks then allow
 * that page's origin and nothing else.
 */
import { describe, expect, it } from 'vitest';
import { APP_INDEX_URL, appPageUrl } from '../../src/main/app-protocol';
import { isAllowedNavigation } from '../../src/main/security-policy';

describe('appPageUrl', () => {
  it('is app://atelier/index.html when packaged or without a dev server', () => {
    expect(appPageUrl(true, 'http://localhost:5173')).toEqual({ url: APP_INDEX_URL });
    expect(appPageUrl(false, undefined)).toEqual({ url: APP_INDEX_URL });
    expect(appPageUrl(false, '')).toEqual({ url: APP_INDEX_URL });
  });

  it('is the dev server in npm run dev, and its origin is the one the security checks allow', () => {
    const { url } = appPageUrl(false, 'http://localhost:5173');
    expect(url).toBe('http://localhost:5173/');
    expect(isAllowedNavigation('http://localhost:5173/index.html#/x', url)).toBe(true);
    expect(isAllowedNavigation(APP_INDEX_URL, url)).toBe(false);
    expect(appPageUrl(false, 'http://127.0.0.1:5174/').url).toBe('http://127.0.0.1:5174/');
  });

  it.each(['https://localhost:5173', 'http://evil.example:5173', 'file:///tmp/index.html', 'javascript:alert(1)', 'nonsense'])(
    'ignores a dev URL that is not a loopback http: server (%s)',
    (dev) => {
      const r = appPageUrl(false, dev);
      expect(r.url).toBe(APP_INDEX_URL);
      expect(r.ignored).toContain(dev);
    },
  );
});
