/**
 * Issue 11: the theme and the first-run welcome are the library's settings. `app.setTheme` keeps the choice across a
 * reopen of the library and announces it (`app.theme`, which the desktop shell turns into nativeTheme.themeSource);
 * a theme that is not one of system/light/dark is refused and changes nothing; `app.completeWelcome` is kept too;
 * ATELIER_SKIP_WELCOME=1 marks the welcome done without writing anything.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/main/app';
import type { AnyEvent } from '../../src/shared/contract';
import { call, callError, openTestApp, tempDir } from '../helpers/app';

describe('theme and welcome settings', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let app: App | null = null;

  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
  });
  afterEach(async () => {
    await app?.close();
    app = null;
    await cleanup();
  });

  const reopen = async (env: Record<string, string> = {}): Promise<App> => {
    await app?.close();
    app = await openTestApp(dir, { env });
    return app;
  };

  it('keeps the theme across a reopen, announces it, and refuses an unknown one', async () => {
    let a = await reopen();
    expect((await call(a, 'app.info', {})).theme).toBe('system');
    const events: AnyEvent[] = [];
    a.dispatcher.subscribe((e) => events.push(e));
    await call(a, 'app.setTheme', { theme: 'light' });
    expect(events.filter((e) => e.name === 'app.theme').map((e) => e.payload)).toEqual([{ theme: 'light' }]);

    a = await reopen();
    expect((await call(a, 'app.info', {})).theme).toBe('light');
    const err = await callError(a, 'app.setTheme', { theme: 'purple' as 'light' });
    expect(err.code).toBe('validation');
    expect((await call(a, 'app.info', {})).theme).toBe('light');
    await call(a, 'app.setTheme', { theme: 'dark' });
    a = await reopen();
    expect((await call(a, 'app.info', {})).theme).toBe('dark');
  });

  it('shows the welcome until it is completed, for good; ATELIER_SKIP_WELCOME=1 skips it without storing that', async () => {
    let a = await reopen({ ATELIER_SKIP_WELCOME: '1' });
    expect((await call(a, 'app.info', {})).welcomeDone).toBe(true);
    a = await reopen();
    expect((await call(a, 'app.info', {})).welcomeDone).toBe(false);
    await call(a, 'app.completeWelcome', {});
    expect((await call(a, 'app.info', {})).welcomeDone).toBe(true);
    a = await reopen();
    expect((await call(a, 'app.info', {})).welcomeDone).toBe(true);
  });
});
