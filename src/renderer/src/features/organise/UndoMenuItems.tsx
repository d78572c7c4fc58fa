import { Redo2, Undo2 } from 'lucide-react';
import { useTranslation } from 'react-i18next';
import { undoStore, useUndo } from '../../store/undo';
import { MenuItem } from '../../ui/Menu';

/**
 * Undo and Redo in a right-click menu, naming the step they would run ("Undo: Rate 2 images ★3"), disabled when
 * there is none; they run the same history as Ctrl/⌘+Z and Shift+Ctrl/⌘+Z (store/undo.ts).
 */
export function UndoMenuItems() {
  const { t } = useTranslation();
  const undo = useUndo((s) => s.past[s.past.length - 1]?.label ?? null);
  const redo = useUndo((s) => s.future[s.future.length - 1]?.label ?? null);
  return (
    <>
      <MenuItem
        label={undo ? t('menu.undoWhat', { what: t(undo.key, undo.values ?? {}) }) : t('menu.undo')}
        icon={<Undo2 size={14} />}
        shortcut="undo"
        disabled={!undo}
        onSelect={() => void undoStore.undo()}
      />
      <MenuItem
        label={redo ? t('menu.redoWhat', { what: t(redo.key, redo.values ?? {}) }) : t('menu.redo')}
        icon={<Redo2 size={14} />}
        shortcut="redo"
        disabled={!redo}
        onSelect={() => void undoStore.redo()}
      />
    </>
  );
}
