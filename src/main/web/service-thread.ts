/**
 * The web host's service host: src/main/service-host-entry.ts (built as out/main/service-host.js, next to
 * web-host.js) in a `worker_threads` Worker, so the HTTP server's event loop only parses, forwards and streams.
 * A worker dies with its process: a SIGKILL of the web host ends the services too.
 */
import { Worker } from 'node:worker_threads';
import { connectServiceHost, type ServiceClient } from '../service-client';
import type { FromHost, ServiceHostInit, ToHost } from '../service-protocol';

/**
 * Starts the service host in a worker and resolves once its library is open.
 * @param entry the built entry (default `./service-host.js` beside this bundle)
 * @param onExit called when the worker ends without having been closed (a crash): the caller stops serving
 * @throws Error with the host's reason when the library cannot be opened (the worker is ended)
 */
export async function startServiceThread(
  init: ServiceHostInit,
  onExit: (reason: string) => void,
  entry: URL = new URL('./service-host.js', import.meta.url),
): Promise<ServiceClient> {
  const worker = new Worker(entry, { env: { ...init.env } as NodeJS.ProcessEnv, stderr: false, stdout: false });
  let closing = false;
  const client = connectServiceHost(
    { post: (m: ToHost) => worker.postMessage(m), onMessage: (l) => worker.on('message', (m: FromHost) => l(m)) },
    { init },
  );
  worker.on('error', (err) => {
    client.hostGone(err.stack ?? err.message);
    if (!closing) onExit(err.message);
  });
  worker.on('exit', (code) => {
    client.hostGone(`exit code ${code}`);
    if (!closing) onExit(`the service host exited with code ${code}`);
  });
  try {
    await client.ready;
  } catch (err) {
    closing = true;
    await worker.terminate();
    throw err;
  }
  const close = client.close;
  return Object.assign(client, {
    async close() {
      closing = true;
      await close();
      await worker.terminate();
    },
  });
}
