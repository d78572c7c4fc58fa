import type { AnyEvent, CallInput, CallName, CallOutput, FileSource, MediaVariant } from '@shared/contract';

/**
 * How the renderer reaches the main process: Electron IPC (the preload bridge) or the local web host (HTTP + SSE).
 * Both return validated outputs and throw `AppError` (built from the envelope) for app errors.
 */
export interface Transport {
  readonly kind: 'electron' | 'web';
  call<N extends CallName>(name: N, input: CallInput<N>): Promise<CallOutput<N>>;
  /** Receives every (validated) event; returns the unsubscribe function. */
  subscribe(listener: (event: AnyEvent) => void): () => void;
  /**
   * Called after the event stream came back from an interruption (events may have been missed, so the app
   * re-reads what it shows). Electron IPC never drops, so there it never fires.
   */
  onReconnect(listener: () => void): () => void;
  /** URL of a stored image for `<img src>`. */
  mediaUrl(blobId: string, variant: MediaVariant): string;
  /** What `references.stage` needs to read a file the user dropped or picked. */
  fileSource(file: File): Promise<FileSource>;
}
