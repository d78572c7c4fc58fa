import { describe, expect, it } from 'vitest';
import { desktopPaths, PROFILES_DIR_NAME } from '../../src/main/desktop-paths';

/** True when `inner` is `outer` or inside it (posix paths). */
const within = (inner: string, outer: string) => inner === outer || inner.startsWith(`${outer}/`);

describe('desktopPaths: the library and the Chromium profile are separate folders', () => {
  const appData = '/home/ana/.config';

  it('puts the default library in <appData>/Atelier and its profile beside it, not inside', () => {
    const { library, profile } = desktopPaths(appData, {}, 'linux');
    expect(library).toBe('/home/ana/.config/Atelier');
    expect(profile).toBe(`/home/ana/.config/${PROFILES_DIR_NAME}/default`);
    expect(within(profile, library)).toBe(false);
    expect(within(library, profile)).toBe(false);
    expect(within(profile, appData)).toBe(true);
  });

  it('gives a library chosen with ATELIER_DATA_DIR its own profile in app-data, never inside the library', () => {
    const a = desktopPaths(appData, { ATELIER_DATA_DIR: '/media/usb/Atelier library' }, 'linux');
    const b = desktopPaths(appData, { ATELIER_DATA_DIR: '/tmp/test-run/data/' }, 'linux');
    expect(a.library).toBe('/media/usb/Atelier library');
    expect(b.library).toBe('/tmp/test-run/data');
    for (const { library, profile } of [a, b]) {
      expect(profile).toMatch(new RegExp(`^/home/ana/\\.config/${PROFILES_DIR_NAME}/[0-9a-f]{16}$`));
      expect(within(profile, library)).toBe(false);
    }
    expect(a.profile).not.toBe(b.profile);
    // Stable: the same library always gets the same profile (and single-instance lock).
    expect(desktopPaths(appData, { ATELIER_DATA_DIR: '/tmp/test-run/data' }, 'linux').profile).toBe(b.profile);
    // ATELIER_DATA_DIR naming the default folder is the default library.
    expect(desktopPaths(appData, { ATELIER_DATA_DIR: '/home/ana/.config/Atelier' }, 'linux').profile).toMatch(/\/default$/);
  });

  it('uses the platform path rules: Windows compares library paths case-insensitively', () => {
    const roaming = 'C:\\Users\\Ana\\AppData\\Roaming';
    const d = desktopPaths(roaming, {}, 'win32');
    expect(d.library).toBe('C:\\Users\\Ana\\AppData\\Roaming\\Atelier');
    expect(d.profile).toBe(`C:\\Users\\Ana\\AppData\\Roaming\\${PROFILES_DIR_NAME}\\default`);
    const x = desktopPaths(roaming, { ATELIER_DATA_DIR: 'D:\\Pictures\\Atelier' }, 'win32');
    const y = desktopPaths(roaming, { ATELIER_DATA_DIR: 'd:\\pictures\\atelier' }, 'win32');
    expect(x.profile).toBe(y.profile);
    expect(x.profile.startsWith(`${roaming}\\${PROFILES_DIR_NAME}\\`)).toBe(true);
  });

  it('on macOS keeps both under ~/Library/Application Support', () => {
    const d = desktopPaths('/Users/ana/Library/Application Support', {}, 'darwin');
    expect(d.library).toBe('/Users/ana/Library/Application Support/Atelier');
    expect(d.profile).toBe(`/Users/ana/Library/Application Support/${PROFILES_DIR_NAME}/default`);
  });
});
