/**
 * The web host's session, as the page holds it. The page is opened on a one-use launch link (`/?launch=CODE`):
 * the code is posted once to `POST /api/session` (it dies there) and replaced by a session secret and a media
 * signing key, kept in this origin's localStorage. localStorage is scoped by scheme, host and port, so a page on
 * any other local port cannot read it, and unlike a cookie the browser never sends it anywhere by itself; a second
 * tab of the same host finds it there. The code leaves the address bar at once.
 */
import { fromBase64Url } from '@shared/hmac';

/** The session the web transport sends with every call (bearer) and uses to sign image URLs. */
export interface WebSession {
  /** The bearer secret (base64url). */
  token: string;
  /** The media signing key (32 bytes). */
  mediaKey: Uint8Array;
}

/** The localStorage entry holding `{ token, mediaKey }` (both base64url). */
export const SESSION_STORAGE_KEY = 'atelier.session';

function parseStored(raw: string | null): { token: string; mediaKey: string } | null {
  if (!raw) return null;
  try {
    const v = JSON.parse(raw) as { token?: unknown; mediaKey?: unknown };
    return typeof v.token === 'string' && typeof v.mediaKey === 'string' ? { token: v.token, mediaKey: v.mediaKey } : null;
  } catch {
    return null;
  }
}

const toSession = (s: { token: string; mediaKey: string }): WebSession => ({ token: s.token, mediaKey: fromBase64Url(s.mediaKey) });

/** The stored session without checking it with the host (null when none is stored or it is unreadable). */
export function storedSession(storage: Storage = localStorage): WebSession | null {
  const s = parseStored(storage.getItem(SESSION_STORAGE_KEY));
  return s ? toSession(s) : null;
}

/**
 * Finds this page's session: exchanges a `?launch=` code (removing it from the address bar first), else checks
 * the stored session with the host. Null when there is none: the page then asks for a link from the terminal.
 * Network failures count as no session.
 */
export async function establishWebSession(base = ''): Promise<WebSession | null> {
  const url = new URL(window.location.href);
  const launch = url.searchParams.get('launch');
  if (launch !== null) {
    url.searchParams.delete('launch');
    history.replaceState(history.state, '', url.pathname + url.search + url.hash);
    try {
      const res = await fetch(`${base}/api/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ launch }),
        cache: 'no-store',
      });
      if (res.ok) {
        const grant = parseStored(JSON.stringify(await res.json()));
        if (grant) {
          localStorage.setItem(SESSION_STORAGE_KEY, JSON.stringify(grant));
          return toSession(grant);
        }
      }
    } catch {
      // fall through to a stored session
    }
  }
  const stored = parseStored(localStorage.getItem(SESSION_STORAGE_KEY));
  if (!stored) return null;
  try {
    const res = await fetch(`${base}/api/session`, { headers: { authorization: `Bearer ${stored.token}` }, cache: 'no-store' });
    if (res.status === 204) return toSession(stored);
    if (res.status === 401) localStorage.removeItem(SESSION_STORAGE_KEY);
  } catch {
    // the host is not there
  }
  return null;
}
