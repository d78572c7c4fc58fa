import { PanelLeftClose, PanelLeftOpen, Settings } from 'lucide-react';
import { useTranslation } from 'react-i18next';
import { QueueToggle } from '../features/jobs/QueueToggle';
import { SpendButton } from '../features/spend/SpendDialog';
import { TransferBar } from '../features/export/TransferBar';
import { useSettings } from '../store/settings';
import { IconButton } from '../ui/IconButton';

interface TopBarProps {
  drawerId: string;
  sidebarOpen: boolean;
  onToggleSidebar(): void;
}

export function TopBar({ drawerId, sidebarOpen, onToggleSidebar }: TopBarProps) {
  const { t } = useTranslation();
  const setSettingsOpen = useSettings((s) => s.setOpen);
  return (
    <header className="topbar">
      <IconButton
        label={sidebarOpen ? t('app.hideSidebar') : t('app.showSidebar')}
        icon={sidebarOpen ? <PanelLeftClose size={16} /> : <PanelLeftOpen size={16} />}
        aria-expanded={sidebarOpen}
        onClick={onToggleSidebar}
      />
      <h1 className="brand">{t('app.title')}</h1>
      <div className="spacer" />
      <TransferBar />
      <QueueToggle drawerId={drawerId} />
      <SpendButton />
      <button
        type="button"
        className="btn btn-ghost"
        aria-keyshortcuts="Control+Comma Meta+Comma"
        onClick={() => setSettingsOpen(true)}
      >
        <Settings size={16} aria-hidden="true" />
        <span>{t('app.settings')}</span>
      </button>
    </header>
  );
}
