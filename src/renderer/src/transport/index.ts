import type { CallInput, CallName, CallOutput } from '@shared/contract';
import { createElectronTransport } from './electron';
import type { Transport } from './types';
import { storedSession } from './session';
import { createWebTransport } from './web';

export type { Transport } from './types';

let current: Transport | null = null;

/**
 * The transport for this page: Electron's preload bridge when present, the local web host otherwise (with the
 * session main.tsx established and set; this fallback reads the stored one).
 */
export function getTransport(): Transport {
  if (!current) current = window.atelier ? createElectronTransport(window.atelier) : createWebTransport(storedSession());
  return current;
}

/** Replaces the transport (tests, stories). */
export function setTransport(t: Transport): void {
  current = t;
}

/** Shorthand for `getTransport().call`. */
export function call<N extends CallName>(name: N, input: CallInput<N>): Promise<CallOutput<N>> {
  return getTransport().call(name, input);
}

export const mediaUrl = (blobId: string, variant: 'original' | 'thumb'): string =>
  getTransport().mediaUrl(blobId, variant);
