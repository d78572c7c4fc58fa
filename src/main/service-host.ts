/**
 * The service host: the library, the job engine and every service behind the dispatcher, run off the thread that
 * answers the window. The web host starts it in a `worker_threads` Worker, the Electron shell in a
 * `utilityProcess` (src/main/service-host-entry.ts picks the port); the window's transport talks to it through
 * src/main/service-client.ts with the messages of src/main/service-protocol.ts. No electron import.
 */
import { createApp, type App } from './app';
import { grantDroppedPath } from './ipc-dispatch';
import type { FromHost, HostPort, ServiceHostInit, ServiceRequests, ToHost } from './service-protocol';
import type { TransferShell } from './services/transfer';

/**
 * Serves one library over `port`: waits for `init`, opens the library (`ready`, or `failed` with the reason),
 * answers requests, forwards every event, and on `close` stops the services and answers `closed`.
 * @param onClosed runs after `closed` was posted (the entry ends its thread or process there)
 */
export function runServiceHost(port: HostPort<ToHost, FromHost>, onClosed: () => void = () => {}): void {
  let app: App | null = null;
  let opening: Promise<void> | null = null;
  let shellSeq = 0;
  const shellWaits = new Map<number, { resolve(v: string | null): void; reject(e: Error): void }>();

  const shell: TransferShell = {
    pickFolder: () =>
      new Promise<string | null>((resolve, reject) => {
        const id = ++shellSeq;
        shellWaits.set(id, { resolve, reject });
        port.post({ t: 'shell', id, op: 'pickFolder' });
      }),
  };

  const handle = async <O extends keyof ServiceRequests>(a: App, op: O, args: ServiceRequests[O]['args']): Promise<ServiceRequests[O]['value']> => {
    switch (op) {
      case 'call': {
        const { name, input, ctx } = args as ServiceRequests['call']['args'];
        return a.dispatcher.call(name, input, ctx);
      }
      case 'callJson': {
        const { name, json, ctx } = args as ServiceRequests['callJson']['args'];
        let input: unknown;
        try {
          input = JSON.parse(json);
        } catch {
          return null;
        }
        return a.dispatcher.call(name, input, ctx);
      }
      case 'media': {
        const { blobId, variant } = args as ServiceRequests['media']['args'];
        const file = await a.dispatcher.mediaFile(blobId, variant);
        return file ? { path: file.path, mime: file.mime } : null;
      }
      case 'grant':
        return grantDroppedPath(a.services.grants, (args as ServiceRequests['grant']['args']).path);
      case 'dragFile': {
        const { blobId } = args as ServiceRequests['dragFile']['args'];
        const info = a.services.store.get(blobId);
        if (!info) return null;
        try {
          return { path: a.services.store.checkedPathOf(blobId), mime: info.mime };
        } catch {
          return null;
        }
      }
      default:
        throw new Error(`unknown service request ${String(op)}`);
    }
  };

  const open = async (init: ServiceHostInit): Promise<void> => {
    try {
      app = await createApp({ dataDir: init.dataDir, env: init.env, ...(init.shell ? { shell } : {}) });
    } catch (err) {
      port.post({ t: 'failed', message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
      return;
    }
    app.dispatcher.subscribe((event) => port.post({ t: 'event', event }));
    port.post({ t: 'ready' });
  };

  port.onMessage((msg) => {
    switch (msg.t) {
      case 'init':
        opening ??= open(msg.init);
        return;
      case 'req': {
        const a = app;
        if (!a) {
          port.post({ t: 'res', id: msg.id, ok: false, message: 'the library is not open' });
          return;
        }
        handle(a, msg.op, msg.args).then(
          (value) => port.post({ t: 'res', id: msg.id, ok: true, value }),
          (err: unknown) => port.post({ t: 'res', id: msg.id, ok: false, message: err instanceof Error ? err.message : String(err) }),
        );
        return;
      }
      case 'shell-res': {
        const wait = shellWaits.get(msg.id);
        shellWaits.delete(msg.id);
        if (msg.error !== undefined) wait?.reject(new Error(msg.error));
        else wait?.resolve(msg.value);
        return;
      }
      case 'close': {
        void (async () => {
          await opening;
          const a = app;
          app = null;
          try {
            await a?.close();
          } finally {
            port.post({ t: 'closed' });
            onClosed();
          }
        })();
        return;
      }
    }
  });
}
