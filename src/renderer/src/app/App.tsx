import * as Tooltip from '@radix-ui/react-tooltip';
import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { Composer } from '../features/composer/Composer';
import { FolderPanel } from '../features/folders/FolderPanel';
import { Gallery } from '../features/gallery/Gallery';
import { Inspector } from '../features/inspector/Inspector';
import { QueueDrawer } from '../features/jobs/QueueDrawer';
import { SettingsDialog } from '../features/settings/SettingsDialog';
import { Welcome } from '../features/welcome/Welcome';
import { Viewer } from '../features/viewer/Viewer';
import { CompareRoot } from '../features/compare/Compare';
import { BatchRoot } from '../features/batches/BatchRoot';
import { ChainView } from '../features/chains/ChainView';
import { MaskEditor } from '../features/mask/MaskEditor';
import { useFolders } from '../store/folders';
import { useGallery } from '../store/gallery';
import { useSearch } from '../store/search';
import { useJobs } from '../store/jobs';
import { useSettings } from '../store/settings';
import { startSync } from '../store/sync';
import { useToasts } from '../store/toasts';
import { Toasts } from './Toasts';
import { TaskPanel } from '../features/import/TaskPanel';
import { TopBar } from './TopBar';
import { useUndoKeys } from './undo-keys';
import { startNotifications } from '../store/notify';
import { useLayout, useLayoutKeys } from './layout';
import { ShortcutSheet } from './ShortcutSheet';

const DRAWER_ID = 'queue-drawer';

export function App() {
  const { t, i18n } = useTranslation();
  const selectedId = useFolders((s) => s.selectedId);
  const drawerOpen = useJobs((s) => s.drawerOpen);
  const sidebarOpen = useLayout((s) => s.sidebarOpen);
  const composerOpen = useLayout((s) => s.composerOpen);
  useLayoutKeys();

  useUndoKeys();
  useEffect(() => startNotifications(), []);

  useEffect(() => {
    useSettings
      .getState()
      .loadInfo()
      .catch((err: unknown) => useToasts.getState().error(err));
    return startSync();
  }, []);

  useEffect(() => {
    useSearch.getState().setSource({ kind: 'folder' });
    void useGallery.getState().show(selectedId);
  }, [selectedId]);

  useEffect(() => {
    document.title = t('app.title');
  }, [t, i18n.language]);

  // A file dropped outside the drop zone must not make the window navigate to it.
  useEffect(() => {
    const stop = (e: DragEvent): void => {
      if (e.dataTransfer && Array.from(e.dataTransfer.types).includes('Files')) e.preventDefault();
    };
    window.addEventListener('dragover', stop);
    window.addEventListener('drop', stop);
    return () => {
      window.removeEventListener('dragover', stop);
      window.removeEventListener('drop', stop);
    };
  }, []);

  return (
    <Tooltip.Provider delayDuration={500}>
      <div className={`app${sidebarOpen ? '' : ' no-sidebar'}${drawerOpen ? ' has-drawer' : ''}`}>
        <TopBar drawerId={DRAWER_ID} />
        {sidebarOpen ? (
          <nav className="sidebar" aria-label={t('folders.heading')}>
            <FolderPanel />
          </nav>
        ) : null}
        <main className="main">
          <div className="main-row">
            <Gallery />
            <Inspector />
            {/* In the row's corner, above the composer: a toast never covers Generate (in the window's corner, an
                Undo toast of 8 s took its clicks). */}
            <Toasts />
          </div>
          {/* Import, export, check and backup progress and reports: in the column between the grid and the
              composer, so a report never covers Generate or the composer's controls. */}
          <TaskPanel />
          {composerOpen ? <Composer /> : null}
        </main>
        {drawerOpen ? <QueueDrawer id={DRAWER_ID} /> : null}
      </div>
      <Viewer />
      <CompareRoot />
      <BatchRoot />
      <ChainView />
      <MaskEditor />
      <SettingsDialog />
      <Welcome />
      <ShortcutSheet />
    </Tooltip.Provider>
  );
}
