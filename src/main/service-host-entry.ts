/**
 * Entry of the service host (built as out/main/service-host.js): started as a `worker_threads` Worker by the web
 * host (src/main/web/service-thread.ts) or as an Electron `utilityProcess` by the desktop shell; it adapts whichever
 * parent port it has to src/main/service-protocol.ts and runs src/main/service-host.ts. No electron import: in a
 * utility process Electron puts the port on `process.parentPort`.
 */
// First: sizes libuv's threadpool before anything uses it (see threadpool-size.ts).
import './threadpool-size';
import { parentPort } from 'node:worker_threads';
import { runServiceHost } from './service-host';
import type { FromHost, HostPort, ToHost } from './service-protocol';

/** Electron's `process.parentPort` in a utility process (typed here: this module does not import electron). */
interface UtilityParentPort {
  on(event: 'message', listener: (e: { data: unknown }) => void): void;
  postMessage(message: unknown): void;
}

function hostPort(): HostPort<ToHost, FromHost> {
  if (parentPort) {
    const p = parentPort;
    return { post: (m) => p.postMessage(m), onMessage: (l) => p.on('message', (m: ToHost) => l(m)) };
  }
  const utility = (process as unknown as { parentPort?: UtilityParentPort }).parentPort;
  if (utility) {
    return { post: (m) => utility.postMessage(m), onMessage: (l) => utility.on('message', (e) => l(e.data as ToHost)) };
  }
  throw new Error('the service host must run in a worker thread or an Electron utility process');
}

const port = hostPort();
// After `closed` the parent ends this thread (Worker.terminate) or process (UtilityProcess.kill); closing the port
// here could drop the `closed` message still in flight.
runServiceHost(port);
