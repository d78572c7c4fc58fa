import { PanelBottomClose, PanelBottomOpen, PanelLeftClose, PanelLeftOpen, Settings } from 'lucide-react';
import { useTranslation } from 'react-i18next';
import { QueueToggle } from '../features/jobs/QueueToggle';
import { SpendButton } from '../features/spend/SpendDialog';
import { TransferBar } from '../features/export/TransferBar';
import { useSettings } from '../store/settings';
import { IconButton } from '../ui/IconButton';
import { ariaShortcut } from '../lib/keys';
import { useLayout } from './layout';
import { ShortcutSheetButton } from './ShortcutSheet';

interface TopBarProps {
  drawerId: string;
}

export function TopBar({ drawerId }: TopBarProps) {
  const { t } = useTranslation();
  const sidebarOpen = useLayout((s) => s.sidebarOpen);
  const composerOpen = useLayout((s) => s.composerOpen);
  const setSettingsOpen = useSettings((s) => s.setOpen);
  return (
    <header className="topbar">
      <IconButton
        label={sidebarOpen ? t('app.hideSidebar') : t('app.showSidebar')}
        icon={sidebarOpen ? <PanelLeftClose size={16} /> : <PanelLeftOpen size={16} />}
        aria-expanded={sidebarOpen}
        aria-keyshortcuts={ariaShortcut('toggleSidebar')}
        onClick={() => useLayout.getState().toggleSidebar()}
      />
      <IconButton
        label={composerOpen ? t('layout.hideComposer') : t('layout.showComposer')}
        icon={composerOpen ? <PanelBottomClose size={16} /> : <PanelBottomOpen size={16} />}
        aria-expanded={composerOpen}
        aria-keyshortcuts={ariaShortcut('toggleComposer')}
        onClick={() => useLayout.getState().toggleComposer()}
      />
      <h1 className="brand">{t('app.title')}</h1>
      <div className="spacer" />
      <TransferBar />
      <QueueToggle drawerId={drawerId} />
      <SpendButton />
      <ShortcutSheetButton />
      <button
        type="button"
        className="btn btn-ghost"
        aria-keyshortcuts={ariaShortcut('openSettings')}
        onClick={() => setSettingsOpen(true)}
      >
        <Settings size={16} aria-hidden="true" />
        <span>{t('app.settings')}</span>
      </button>
    </header>
  );
}
