import type { AnyEvent } from '../../../shared/contract';
import { getTransport } from '../transport';
import { useFolders } from './folders';
import { useGallery } from './gallery';
import { useJobs } from './jobs';
import { useSettings } from './settings';

function onEvent(event: AnyEvent): void {
  switch (event.name) {
    case 'job.updated':
      useJobs.getState().applyEvent(event.payload);
      return;
    case 'queue.changed':
      useJobs.getState().setQueue(event.payload);
      return;
    case 'asset.created': {
      const { assetId, folderId } = event.payload;
      void useGallery.getState().assetCreated(assetId, folderId);
      useFolders.getState().bumpCount(folderId, 1);
      return;
    }
    case 'folders.changed':
      void useFolders.getState().load();
      return;
    case 'settings.changed':
      void useSettings.getState().loadProviders();
      return;
    case 'compare.changed':
      // The compare view follows its own set (features/compare subscribes while it is open).
      return;
    default: {
      const never: never = event;
      void never;
    }
  }
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
