/**
 * Electron hardening (DESIGN §3, Electron's security checklist): every web contents may only show the app's own
 * page; new windows are refused (https links go to the OS browser); webviews are refused; every permission is
 * refused; file: documents get a strict CSP header. The URL decisions live in security-policy.ts (unit-tested).
 */
import { app, session, shell, type WebContents } from 'electron';
import { ELECTRON_CSP, isAllowedNavigation, safeExternalUrl } from './security-policy';

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
 * @param appUrl the file URL of the renderer's index.html
 */
export function installSecurity(appUrl: string): void {
  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents, appUrl));

  const ses = session.defaultSession;
  ses.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  ses.setPermissionCheckHandler(() => false);
  ses.setDevicePermissionHandler(() => false);

  // A header as well as the renderer's <meta> CSP: whichever Chromium honours for file:, the policy holds.
  ses.webRequest.onHeadersReceived((details, callback) => {
    let isFile: boolean;
    try {
      isFile = new URL(details.url).protocol === 'file:';
    } catch {
      isFile = false;
    }
    if (!isFile) {
      callback({});
      return;
    }
    const headers = { ...(details.responseHeaders ?? {}) };
    for (const name of Object.keys(headers)) {
      if (name.toLowerCase() === 'content-security-policy') delete headers[name];
    }
    headers['Content-Security-Policy'] = [ELECTRON_CSP];
    headers['X-Content-Type-Options'] = ['nosniff'];
    callback({ responseHeaders: headers });
  });
}
