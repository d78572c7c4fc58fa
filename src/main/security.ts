/**
 * Electron hardening (Electron's security checklist, https://www.electronjs.org/docs/latest/tutorial/security):
 * every web contents may only show the app's own origin (`app://atelier`, or the dev server in `npm run dev`); new
 * windows are refused (https links go to the OS browser); webviews are refused; every permission is refused. The
 * page's CSP header comes with it from the `app:` handler (window.ts, app-protocol.ts). The URL decisions live in
 * security-policy.ts (unit-tested).
 */
import { app, session, shell, type WebContents } from 'electron';
import { isAllowedNavigation, safeExternalUrl } from './security-policy';

/** Applies the navigation, window-open and webview rules to one web contents. */
export function hardenWebContents(contents: WebContents, appUrl: string): void {
  contents.on('will-navigate', (event) => {
    if (!isAllowedNavigation(event.url, appUrl)) event.preventDefault();
  });
  // Sub-frames too (will-navigate covers the main frame only).
  contents.on('will-frame-navigate', (event) => {
    if (!isAllowedNavigation(event.url, appUrl)) event.preventDefault();
  });
  contents.on('will-redirect', (event) => {
    if (!isAllowedNavigation(event.url, appUrl)) event.preventDefault();
  });
  contents.setWindowOpenHandler(({ url }) => {
    const external = safeExternalUrl(url);
    if (external) void shell.openExternal(external).catch(() => {});
    return { action: 'deny' };
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
}

/**
 * Installs the rules for every web contents created from now on and for the default session.
 * Call once, after `app.whenReady()` (sessions do not exist before).
 * @param appUrl the page the window loads (window.ts appUrl): its origin is the only one allowed
 */
export function installSecurity(appUrl: string): void {
  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents, appUrl));

  const ses = session.defaultSession;
  ses.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  ses.setPermissionCheckHandler(() => false);
  ses.setDevicePermissionHandler(() => false);
}
