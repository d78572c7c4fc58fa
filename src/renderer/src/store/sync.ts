import type { AnyEvent, EventName, EventPayload } from '../../../shared/contract';
import { getTransport } from '../transport';
import { useFolders } from './folders';
import { useGallery } from './gallery';
import { useJobs } from './jobs';
import { useSettings } from './settings';

/**
 * What each event does here. Events this window has no view for yet are ignored (the contract grows faster
 * than the views; an unhandled event must not break the ones that are).
 */
const handlers: { [E in EventName]?: (payload: EventPayload<E>) => void } = {
  'job.updated': (job) => useJobs.getState().applyEvent(job),
  'queue.changed': (queue) => useJobs.getState().setQueue(queue),
  'asset.created': ({ assetId, folderId }) => {
    void useGallery.getState().assetCreated(assetId, folderId);
    useFolders.getState().bumpCount(folderId, 1);
  },
  'folders.changed': () => void useFolders.getState().load(),
  'settings.changed': () => void useSettings.getState().loadProviders(),
};

function onEvent(event: AnyEvent): void {
  const handle = handlers[event.name] as ((payload: unknown) => void) | undefined;
  handle?.(event.payload);
}

/** Loads everything the window shows and keeps it current from the event stream. Returns the stop function. */
export function startSync(): () => void {
  const transport = getTransport();
  const unsubscribe = transport.subscribe(onEvent);
  const unReconnect = transport.onReconnect(() => {
    // Events may have been missed while the stream was down: re-read what is on screen.
    void useFolders.getState().load();
    void useJobs.getState().load();
    void useJobs.getState().loadQueue();
    void useGallery.getState().reload();
    void useSettings.getState().loadProviders();
  });
  void useFolders.getState().load();
  void useJobs.getState().load();
  void useJobs.getState().loadQueue();
  void useSettings.getState().loadProviders();
  return () => {
    unsubscribe();
    unReconnect();
  };
}
