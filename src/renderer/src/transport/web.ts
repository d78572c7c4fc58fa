import { webMediaUrl } from '../../../shared/bridge';
import type { AnyEvent } from '../../../shared/contract';
import { AppError } from '../../../shared/errors';
import type { Transport } from './types';
import { parseEvent, readAsBase64, unwrap } from './validate';

const MIN_RETRY_MS = 1_000;
const MAX_RETRY_MS = 30_000;

/**
 * The local web host: `POST /api/call/<name>` with JSON, Server-Sent Events at `/api/events`, images at
 * `/media/<id>/<variant>`. Same origin only; the session cookie rides along.
 */
export function createWebTransport(base = ''): Transport {
  const listeners = new Set<(event: AnyEvent) => void>();
  const reconnectListeners = new Set<() => void>();
  let source: EventSource | null = null;
  let retryMs = MIN_RETRY_MS;
  let retryTimer: ReturnType<typeof setTimeout> | null = null;
  let hadError = false;

  const connect = (): void => {
    source = new EventSource(`${base}/api/events`, { withCredentials: true });
    source.onopen = () => {
      retryMs = MIN_RETRY_MS;
      if (hadError) {
        hadError = false;
        for (const l of reconnectListeners) l();
      }
    };
    source.onmessage = (msg: MessageEvent<string>) => {
      let raw: unknown;
      try {
        raw = JSON.parse(msg.data);
      } catch {
        return;
      }
      const event = parseEvent(raw);
      if (event) for (const l of listeners) l(event);
    };
    source.onerror = () => {
      hadError = true;
      // EventSource retries by itself after a dropped connection, but gives up for good on an HTTP error
      // (CLOSED): then we reconnect ourselves, backing off.
      if (source?.readyState === EventSource.CLOSED) {
        source.close();
        source = null;
        if (listeners.size > 0 && !retryTimer) {
          retryTimer = setTimeout(() => {
            retryTimer = null;
            if (listeners.size > 0 && !source) connect();
          }, retryMs);
          retryMs = Math.min(retryMs * 2, MAX_RETRY_MS);
        }
      }
    };
  };

  return {
    kind: 'web',
    async call(name, input) {
      let res: Response;
      try {
        res = await fetch(`${base}/api/call/${encodeURIComponent(name)}`, {
          method: 'POST',
          credentials: 'same-origin',
          headers: { 'content-type': 'application/json', accept: 'application/json' },
          body: JSON.stringify(input ?? {}),
        });
      } catch (err) {
        throw new AppError('network', `${name}: the local host cannot be reached`, { cause: err });
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
      if (!source && !retryTimer) connect();
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0) {
          source?.close();
          source = null;
          if (retryTimer) clearTimeout(retryTimer);
          retryTimer = null;
        }
      };
    },
    onReconnect(listener) {
      reconnectListeners.add(listener);
      return () => reconnectListeners.delete(listener);
    },
    mediaUrl: (blobId, variant) => `${base}${webMediaUrl(blobId, variant)}`,
    async fileSource(file) {
      return { name: file.name || 'file', dataBase64: await readAsBase64(file) };
    },
  };
}
