/**
 * The pieces every right-click menu shares (Radix Context Menu: focus kept in the menu, arrow keys, Escape, typeahead,
 * submenus by ArrowRight): an item with its shortcut shown (hidden from its accessible name, given as
 * aria-keyshortcuts), a submenu, a separator. Styles in styles/habits.css.
 */
import * as ContextMenu from '@radix-ui/react-context-menu';
import { ChevronRight } from 'lucide-react';
import type { ReactNode } from 'react';
import { ariaShortcut, shortcutLabels, type ShortcutId } from '../lib/keys';
import '../styles/habits.css';

interface MenuItemProps {
  label: string;
  icon?: ReactNode;
  /** The shortcut that does the same (shown at the item's end). */
  shortcut?: ShortcutId;
  /** A single key of a shortcut (a rating's digit) shown instead of the whole shortcut. */
  keyLabel?: string;
  disabled?: boolean;
  danger?: boolean;
  onSelect(): void;
}

/** One menu item. */
export function MenuItem({ label, icon, shortcut, keyLabel, disabled, danger, onSelect }: MenuItemProps) {
  const keys = keyLabel ?? (shortcut ? shortcutLabels(shortcut)[0] : undefined);
  return (
    <ContextMenu.Item
      className={`ctx-menu-item${danger ? ' is-danger' : ''}`}
      disabled={disabled}
      aria-keyshortcuts={keyLabel ?? (shortcut ? ariaShortcut(shortcut) : undefined)}
      onSelect={onSelect}
    >
      {icon ? (
        <span aria-hidden="true" className="btn-glyph">
          {icon}
        </span>
      ) : null}
      <span>{label}</span>
      {keys ? (
        <span className="ctx-menu-keys" aria-hidden="true">
          {keys}
        </span>
      ) : null}
    </ContextMenu.Item>
  );
}

/** A submenu: opened by hovering, clicking, Enter or ArrowRight on its item. */
export function SubMenu({ label, icon, children }: { label: string; icon?: ReactNode; children: ReactNode }) {
  return (
    <ContextMenu.Sub>
      <ContextMenu.SubTrigger className="ctx-menu-item">
        {icon ? (
          <span aria-hidden="true" className="btn-glyph">
            {icon}
          </span>
        ) : null}
        <span>{label}</span>
        <ChevronRight size={14} aria-hidden="true" className="ctx-menu-keys" />
      </ContextMenu.SubTrigger>
      <ContextMenu.Portal>
        <ContextMenu.SubContent className="ctx-menu" sideOffset={2} alignOffset={-4}>
          {children}
        </ContextMenu.SubContent>
      </ContextMenu.Portal>
    </ContextMenu.Sub>
  );
}

export function MenuSeparator() {
  return <ContextMenu.Separator className="ctx-menu-sep" />;
}

/** A line naming what the menu acts on (not focusable). */
export function MenuLabel({ children }: { children: ReactNode }) {
  return <ContextMenu.Label className="ctx-menu-label">{children}</ContextMenu.Label>;
}

/**
 * Opens the context menu of `el` from the keyboard (Shift+F10, the Menu key): a `contextmenu` event at the
 * element's centre, as a right-click there would send. The menu then focuses its first item.
 */
export function openMenuFromKey(el: HTMLElement): void {
  const r = el.getBoundingClientRect();
  openedByKey = true;
  setTimeout(() => (openedByKey = false), 1_000);
  el.dispatchEvent(
    new MouseEvent('contextmenu', { bubbles: true, cancelable: true, clientX: r.left + r.width / 2, clientY: r.top + r.height / 2, button: 2 }),
  );
}

let openedByKey = false;

/** For a menu's `onOpenChange`: a menu opened from the keyboard starts on its first item. */
export function focusFirstItemIfByKey(open: boolean): void {
  if (!open || !openedByKey) return;
  openedByKey = false;
  // After the menu has mounted and focused itself.
  requestAnimationFrame(() =>
    requestAnimationFrame(() => {
      document.querySelector<HTMLElement>('.ctx-menu [role="menuitem"]:not([data-disabled])')?.focus();
    }),
  );
}

// A dialog chosen in a menu opens once the menu has closed and given focus back (a dialog opened while the menu is
// still open would have its focus taken back by the closing menu). One menu is open at a time.
let afterClose: (() => void) | null = null;

/** Wraps a menu item's action so it runs after the menu has closed. */
export const later = (fn: () => void) => (): void => {
  afterClose = fn;
};

/** The menu's `onCloseAutoFocus`: runs what {@link later} kept. */
export function runAfterClose(): void {
  const fn = afterClose;
  afterClose = null;
  if (fn) setTimeout(fn, 0);
}
