/// <reference types="vite/client" />
import type { AtelierBridge } from '@shared/bridge';

declare global {
  interface Window {
    /** Present in Electron (the preload's contextBridge); absent in the browser served by the local web host. */
    atelier?: AtelierBridge;
  }
}

export {};
