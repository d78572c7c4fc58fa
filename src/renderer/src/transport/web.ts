import type { AnyEvent } from '@shared/contract';
import { AppError } from '@shared/errors';
import { callBodyLimit } from '@shared/limits';
import { mediaExpiry, signedWebMediaUrl } from '@shared/media-sign';
import type { WebSession } from './session';
import type { Transport } from './types';
import { parseEvent, readAsBase64, unwrap } from './validate';

const MIN_RETRY_MS = 1_000;
const MAX_RETRY_MS = 30_000;

/**
 * The `data:` payload of one Server-Sent Events block (its `data:` lines joined by newlines), or null for a
 * comment-only block (the heartbeat). https://html.spec.whatwg.org/multipage/server-sent-events.html
 */
export function sseData(block: string): string | null {
  const lines = block.split(/\r?\n/).filter((l) => l.startsWith('data:'));
  if (lines.length === 0) return null;
  return lines.map((l) => l.slice(5).replace(/^ /, '')).join('\n');
}

/**
 * The local web host: `POST /api/call/<name>` with JSON, Server-Sent Events at `/api/events`, images at
 * signed `/media/<id>/<variant>?exp=…&sig=…` URLs. Every call and the event stream carry the session as
 * `Authorization: Bearer`; the event stream is read with fetch (EventSource cannot send a header).
 * @param session the session from {@link establishWebSession} (null: calls go out unauthenticated and get 401)
 */
export function createWebTransport(session: WebSession | null, base = ''): Transport {
  const listeners = new Set<(event: AnyEvent) => void>();
  const reconnectListeners = new Set<() => void>();
  const auth: Record<string, string> = session ? { authorization: `Bearer ${session.token}` } : {};
  let stream: AbortController | null = null;
  let retryMs = MIN_RETRY_MS;
  let retryTimer: ReturnType<typeof setTimeout> | null = null;
  let hadError = false;

  const scheduleReconnect = () => {
    hadError = true;
    if (listeners.size > 0 && !retryTimer) {
      retryTimer = setTimeout(() => {
        retryTimer = null;
        if (listeners.size > 0 && !stream) connect();
      }, retryMs);
      retryMs = Math.min(retryMs * 2, MAX_RETRY_MS);
    }
  };

  const connect = (): void => {
    const ctrl = new AbortController();
    stream = ctrl;
    void (async () => {
      try {
        const res = await fetch(`${base}/api/events`, {
          headers: { ...auth, accept: 'text/event-stream' },
          cache: 'no-store',
          signal: ctrl.signal,
        });
        if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
        retryMs = MIN_RETRY_MS;
        if (hadError) {
          hadError = false;
          for (const l of reconnectListeners) l();
        }
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          let end: number;
          while ((end = buffer.search(/\r?\n\r?\n/)) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end).replace(/^\r?\n\r?\n/, '');
            const data = sseData(block);
            if (data === null) continue;
            let raw: unknown;
            try {
              raw = JSON.parse(data);
            } catch {
              continue;
            }
            const event = parseEvent(raw);
            if (event) for (const l of listeners) l(event);
          }
        }
      } catch {
        // a dropped connection, an HTTP error or our own abort
      }
      if (ctrl.signal.aborted) return;
      if (stream === ctrl) stream = null;
      scheduleReconnect();
    })();
  };

  /** Signed URLs are the same for a whole signing window; cached so re-renders do not re-sign. */
  let signed = new Map<string, string>();
  let signedWindow = 0;

  return {
    kind: 'web',
    async call(name, input) {
      let res: Response;
      try {
        res = await fetch(`${base}/api/call/${encodeURIComponent(name)}`, {
          method: 'POST',
          credentials: 'omit',
          headers: { ...auth, 'content-type': 'application/json', accept: 'application/json' },
          body: JSON.stringify(input ?? {}),
        });
      } catch (err) {
        throw new AppError('network', `${name}: the local host cannot be reached`, { cause: err });
      }
      if (res.status === 413) {
        // The host refused the body unread: over this call's limit (src/shared/limits.ts callBodyLimit).
        const max = callBodyLimit(name);
        throw new AppError('validation', `${name}: the request is over ${max} bytes`, {
          params: { field: 'body', reason: 'too_large', max, unit: 'bytes' },
          status: 413,
        });
      }
      if (!res.ok) {
        // App errors come as 200 with an envelope; any other status is the host refusing the request itself
        // (401 no session, 403 foreign origin, 404 unknown call).
        throw new AppError('internal', `${name}: the local host answered HTTP ${res.status}`, { status: res.status });
      }
      let body: unknown;
      try {
        body = await res.json();
      } catch (err) {
        throw new AppError('internal', `${name}: the reply is not JSON`, { cause: err });
      }
      return unwrap(name, body);
    },
    subscribe(listener) {
      listeners.add(listener);
      if (!stream && !retryTimer) connect();
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0) {
          stream?.abort();
          stream = null;
          if (retryTimer) clearTimeout(retryTimer);
          retryTimer = null;
        }
      };
    },
    onReconnect(listener) {
      reconnectListeners.add(listener);
      return () => reconnectListeners.delete(listener);
    },
    mediaUrl: (blobId, variant) => {
      if (!session) return `${base}/media/${blobId}/${variant}`;
      const now = Date.now();
      const exp = mediaExpiry(now);
      if (exp !== signedWindow) {
        signed = new Map();
        signedWindow = exp;
      }
      const key = `${blobId}/${variant}`;
      let url = signed.get(key);
      if (url === undefined) {
        url = `${base}${signedWebMediaUrl(session.mediaKey, blobId, variant, now)}`;
        signed.set(key, url);
      }
      return url;
    },
    async fileSource(file) {
      return { name: file.name || 'file', dataBase64: await readAsBase64(file) };
    },
  };
}
