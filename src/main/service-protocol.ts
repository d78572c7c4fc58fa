/**
 * The messages between a window's transport (the web host's HTTP server, the Electron main process) and the
 * service host (src/main/service-host.ts, in a `worker_threads` Worker or an Electron `utilityProcess`), which runs
 * the dispatcher and every service off the thread that answers the window. Every message is plain data that
 * survives the structured clone: a call crosses as its name and raw input (the host validates it against the
 * contract), its outcome as the contract's envelope, an event as the contract's event; nothing else crosses.
 * No electron and no service import: both sides load it.
 */
import type { AnyEvent, CallContext, CallResult, MediaVariant } from '@shared/contract';

/** What the host needs to open the library. */
export interface ServiceHostInit {
  /** The library folder. */
  dataDir: string;
  /** Environment (base URL overrides, sandbox timing, keychain service, log level). */
  env: Record<string, string | undefined>;
  /** True when the transport offers a native folder picker (Electron): the host asks for it with a `shell` message. */
  shell: boolean;
}

/** The requests a transport makes, by `op`, with their arguments and answers. */
export interface ServiceRequests {
  /** A contract call: answered with the envelope, never rejected. */
  call: { args: { name: string; input: unknown; ctx: CallContext }; value: CallResult<unknown> };
  /** A contract call whose input is still its JSON text (the web host's body, parsed in the host); null for text that is not JSON. */
  callJson: { args: { name: string; json: string; ctx: CallContext }; value: CallResult<unknown> | null };
  /** The library file behind a media URL (path inside the library and MIME type), or null. */
  media: { args: { blobId: string; variant: MediaVariant }; value: { path: string; mime: string } | null };
  /** Grants a path the user dropped or picked (src/main/path-grants.ts); answers its token. */
  grant: { args: { path: unknown }; value: string };
  /** A blob's file after the containment check, with its MIME type, for the OS drag-out; null when unknown or refused. */
  dragFile: { args: { blobId: string }; value: { path: string; mime: string } | null };
}
export type ServiceOp = keyof ServiceRequests;

/** Transport → host. */
export type ToHost =
  | { t: 'init'; init: ServiceHostInit }
  | { [O in ServiceOp]: { t: 'req'; id: number; op: O; args: ServiceRequests[O]['args'] } }[ServiceOp]
  | { t: 'shell-res'; id: number; value: string | null; error?: string }
  | { t: 'close' };

/** Host → transport. */
export type FromHost =
  | { t: 'ready' }
  | { t: 'failed'; message: string }
  | { t: 'res'; id: number; ok: true; value: unknown }
  | { t: 'res'; id: number; ok: false; message: string }
  | { t: 'event'; event: AnyEvent }
  | { t: 'shell'; id: number; op: 'pickFolder' }
  | { t: 'closed' };

/**
 * One end of the channel: a `worker_threads` port, a Worker, an Electron `parentPort` or `UtilityProcess`, each
 * adapted to these two functions.
 */
export interface HostPort<In, Out> {
  post(message: Out): void;
  /** Registers the one message listener. */
  onMessage(listener: (message: In) => void): void;
}
