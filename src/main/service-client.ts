/**
 * The window's side of the service host (src/main/service-host.ts): a {@link Dispatcher} whose calls, media
 * look-ups and events cross to the host as the messages of src/main/service-protocol.ts, so the thread that
 * answers the window never runs SQLite, the job engine or image work. Media files are opened here, through the
 * library's containment check (`openInside`), from the path the host resolved. No electron and no service import
 * beyond library-fs (plain `fs`).
 */
import type { AnyEvent, CallContext, CallResult, MediaVariant } from '@shared/contract';
import { AppError } from '@shared/errors';
import type { Dispatcher } from './dispatcher';
import type { FromHost, HostPort, ServiceHostInit, ServiceRequests, ToHost } from './service-protocol';
import { openInside } from './services/library/library-fs';

/** A connected service host. */
export interface ServiceClient extends Dispatcher {
  /** Resolves once the library is open. @throws Error with the host's reason when it could not open it */
  ready: Promise<void>;
  /** A call from its JSON text, parsed in the host; null when the text is not JSON. Never rejects otherwise. */
  callJson(name: string, json: string, ctx: CallContext): Promise<CallResult<unknown> | null>;
  /** Grants a dropped or picked path in the host's registry (src/main/path-grants.ts). @throws as `grantDroppedPath` */
  grant(path: unknown): Promise<string>;
  /** A blob's checked file and MIME type for the OS drag-out, or null. */
  dragFile(blobId: string): Promise<{ path: string; mime: string } | null>;
  /** Asks the host to stop its services (jobs settle, the database closes) and resolves when it has. Idempotent. */
  close(): Promise<void>;
  /** Called by the transport when the host's thread or process ended: every pending request fails. */
  hostGone(reason: string): void;
}

/** Options of {@link connectServiceHost}. */
export interface ServiceClientOptions {
  init: ServiceHostInit;
  /** The native folder picker (Electron), answered for the host's `shell` requests. */
  pickFolder?: () => Promise<string | null>;
}

/** Connects to a host over `port` and sends it `init`. */
export function connectServiceHost(port: HostPort<FromHost, ToHost>, opts: ServiceClientOptions): ServiceClient {
  let seq = 0;
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  const listeners = new Set<(event: AnyEvent) => void>();
  let gone: string | null = null;
  let ready!: { resolve(): void; reject(e: Error): void };
  const readyP = new Promise<void>((resolve, reject) => (ready = { resolve, reject }));
  readyP.catch(() => {}); // observed by whoever awaits `ready`
  let closed!: () => void;
  const closedP = new Promise<void>((resolve) => (closed = resolve));
  let closing: Promise<void> | null = null;

  port.onMessage((msg) => {
    switch (msg.t) {
      case 'ready':
        ready.resolve();
        return;
      case 'failed':
        ready.reject(new Error(msg.message));
        return;
      case 'res': {
        const p = pending.get(msg.id);
        pending.delete(msg.id);
        if (msg.ok) p?.resolve(msg.value);
        else p?.reject(new AppError('internal', msg.message));
        return;
      }
      case 'event':
        for (const l of listeners) l(msg.event);
        return;
      case 'shell': {
        const pick = opts.pickFolder ?? (async () => null);
        pick().then(
          (value) => port.post({ t: 'shell-res', id: msg.id, value }),
          (err: unknown) => port.post({ t: 'shell-res', id: msg.id, value: null, error: err instanceof Error ? err.message : String(err) }),
        );
        return;
      }
      case 'closed':
        closed();
        return;
    }
  });

  const request = <O extends keyof ServiceRequests>(op: O, args: ServiceRequests[O]['args']): Promise<ServiceRequests[O]['value']> => {
    if (gone !== null) return Promise.reject(new AppError('internal', `the service host has stopped: ${gone}`));
    const id = ++seq;
    return new Promise<ServiceRequests[O]['value']>((resolve, reject) => {
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      port.post({ t: 'req', id, op, args } as ToHost);
    });
  };

  port.post({ t: 'init', init: opts.init });

  return {
    ready: readyP,
    async call(name: string, input: unknown, ctx: CallContext): Promise<CallResult<unknown>> {
      try {
        return await request('call', { name, input, ctx });
      } catch (err) {
        return { ok: false, error: (err instanceof AppError ? err : new AppError('internal', String(err))).toShape() };
      }
    },
    async callJson(name: string, json: string, ctx: CallContext): Promise<CallResult<unknown> | null> {
      try {
        return await request('callJson', { name, json, ctx });
      } catch (err) {
        return { ok: false, error: (err instanceof AppError ? err : new AppError('internal', String(err))).toShape() };
      }
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async mediaFile(blobId: string, variant: MediaVariant) {
      const file = await request('media', { blobId, variant });
      if (!file) return null;
      return { path: file.path, mime: file.mime, open: () => openInside(opts.init.dataDir, file.path) };
    },
    grant: (path) => request('grant', { path }),
    dragFile: (blobId) => request('dragFile', { blobId }),
    close() {
      if (gone !== null) return Promise.resolve();
      closing ??= (port.post({ t: 'close' }), closedP);
      return closing;
    },
    hostGone(reason) {
      gone = reason;
      ready.reject(new Error(`the service host stopped before the library was open: ${reason}`));
      for (const p of pending.values()) p.reject(new AppError('internal', `the service host has stopped: ${reason}`));
      pending.clear();
      closed();
    },
  };
}
