import { Keyboard } from 'lucide-react';
import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { create } from 'zustand';
import { ariaShortcut, matchesShortcut, shortcutLabels, SHORTCUT_GROUPS, SHORTCUTS, type ShortcutId } from '../lib/keys';
import { isTypingOrModal } from '../features/inspector/store';
import { IconButton } from '../ui/IconButton';
import { Modal } from '../ui/Modal';
import '../styles/habits.css';

/** Whether the shortcut sheet is open (the `?` key and the top bar's button open it). */
export const useShortcutSheet = create<{ open: boolean; setOpen(open: boolean): void }>()((set) => ({
  open: false,
  setOpen: (open) => set({ open }),
}));

const IDS = Object.keys(SHORTCUTS) as ShortcutId[];

/**
 * Every keyboard shortcut, by where it works, listed from the one table the handlers read (lib/keys.ts SHORTCUTS),
 * with this platform's modifiers (⌘ on macOS, Ctrl elsewhere). Opened by `?` outside text fields and dialogs.
 */
export function ShortcutSheet() {
  const { t } = useTranslation();
  const open = useShortcutSheet((s) => s.open);
  const setOpen = useShortcutSheet((s) => s.setOpen);

  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      if (e.defaultPrevented || !matchesShortcut(e, 'showShortcuts') || isTypingOrModal(e)) return;
      e.preventDefault();
      useShortcutSheet.getState().setOpen(true);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  return (
    <Modal open={open} onOpenChange={setOpen} title={t('shortcuts.title')} className="shortcut-sheet">
      <div className="shortcut-groups">
        {SHORTCUT_GROUPS.map((group) => (
          <table key={group} className="shortcut-table">
            <caption>{t(`shortcuts.group.${group}`)}</caption>
            <tbody>
              {IDS.filter((id) => SHORTCUTS[id].group === group).map((id) => (
                <tr key={id}>
                  <th scope="row">{t(`shortcuts.${id}`)}</th>
                  <td>
                    {shortcutLabels(id).map((label, i) => (
                      <span key={label}>
                        {i > 0 ? <span className="shortcut-or"> </span> : null}
                        <kbd>{label}</kbd>
                      </span>
                    ))}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ))}
      </div>
    </Modal>
  );
}

/** The top bar's button for the sheet. */
export function ShortcutSheetButton() {
  const { t } = useTranslation();
  return (
    <IconButton
      label={t('shortcuts.title')}
      icon={<Keyboard size={16} />}
      aria-keyshortcuts={ariaShortcut('showShortcuts')}
      onClick={() => useShortcutSheet.getState().setOpen(true)}
    />
  );
}
