import type { AtelierBridge } from '@shared/bridge';
import { electronMediaUrl } from '@shared/bridge';
import type { AnyEvent } from '@shared/contract';
import { toAppError } from '@shared/errors';
import type { Transport } from './types';
import { parseEvent, readAsBase64, unwrap } from './validate';

/** Electron: calls go through the preload bridge; dropped files are passed by path grant token (no bytes over IPC). */
export function createElectronTransport(bridge: AtelierBridge): Transport {
  return {
    kind: 'electron',
    async call(name, input) {
      let result: unknown;
      try {
        result = await bridge.call(name, input);
      } catch (err) {
        throw toAppError(err);
      }
      return unwrap(name, result);
    },
    subscribe(listener: (event: AnyEvent) => void) {
      return bridge.onEvent((raw) => {
        const event = parseEvent(raw);
        if (event) listener(event);
      });
    },
    onReconnect() {
      return () => {};
    },
    mediaUrl: electronMediaUrl,
    async fileSource(file) {
      const token = await bridge.grantFile(file);
      // A File with no path (e.g. made in the page) still works: send its bytes instead.
      if (token) return { path: token };
      return { name: file.name || 'file', dataBase64: await readAsBase64(file) };
    },
  };
}
