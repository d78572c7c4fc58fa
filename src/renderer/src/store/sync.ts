import type { AnyEvent, EventName, EventPayload } from '@shared/contract';
import { getTransport } from '../transport';
import { useCollections } from './collections';
import { useFolders } from './folders';
import { useGallery } from './gallery';
import { useJobs } from './jobs';
import { usePrices } from './prices';
import { isSearching, useSearch } from './search';
import { useSettings } from './settings';
import { useTransfer } from './transfer';
import { useBudgetUi } from '../features/budgets/store';
import { useKits } from '../features/kits/actions';

/**
 * What each event does here. Events this window has no view for yet are ignored (the contract grows faster
 * than the views; an unhandled event must not break the ones that are).
 */
const handlers: { [E in EventName]?: (payload: EventPayload<E>) => void } = {
  'job.updated': (job) => useJobs.getState().applyEvent(job),
  'job.partial': (partial) => useJobs.getState().applyPartial(partial),
  'queue.changed': (queue) => useJobs.getState().setQueue(queue),
  'asset.created': ({ assetId, folderId }) => {
    void useGallery.getState().assetCreated(assetId, folderId);
    useFolders.getState().bumpCount(folderId, 1);
    useCollections.getState().scheduleLoad();
  },
  'library.changed': (change) => libraryChanged(change),
  'collections.changed': () => useCollections.getState().scheduleLoad(),
  'folders.changed': () => void useFolders.getState().load(),
  'settings.changed': () => void useSettings.getState().loadProviders(),
  'app.theme': ({ theme }) => useSettings.getState().themeChanged(theme),
  'app.locale': ({ locale }) => void useSettings.getState().localeChanged(locale),
  'prices.changed': () => void usePrices.getState().load(),
  'task.updated': (task) => useTransfer.getState().apply(task),
  // Budgets and kits changed here or in another window: the views showing them read them again.
  'budget.changed': () => useBudgetUi.getState().changed(),
  'kits.changed': () => void useKits.getState().load(),
};

/**
 * Images were organised (here or in another window): smart-collection and trash counts follow; the gallery is
 * re-read when the change can alter what it lists (membership, or any change under a search or sort).
 */
function libraryChanged({ reason }: EventPayload<'library.changed'>): void {
  useCollections.getState().scheduleLoad();
  const s = useSearch.getState();
  const plain = s.source.kind === 'folder' && !isSearching(s) && s.sort === 'date';
  if ((reason === 'meta' || reason === 'tags') && plain) return;
  useGallery.getState().scheduleReload();
}

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
    void useCollections.getState().load();
    void usePrices.getState().load();
  });
  void useFolders.getState().load();
  void useJobs.getState().load();
  void useJobs.getState().loadQueue();
  void useSettings.getState().loadProviders();
  void useCollections.getState().load();
  void usePrices.getState().load();
  return () => {
    unsubscribe();
    unReconnect();
  };
}
