/**
 * Undo and redo from the keyboard and the desktop menu (issue 11).
 *
 * Keys: Ctrl/⌘+Z undoes, Shift+Ctrl/⌘+Z redoes, and Ctrl+Y redoes on Windows and Linux. In a text field they stay the
 * field's own undo and redo (the browser's): only outside one do they reach the library's history
 * (store/undo.ts).
 *
 * Menu: the desktop shell's Edit ▸ Undo / Redo send the `app.command` event (src/shared/contracts/undo.ts); the
 * window runs it as the keys would — in a focused text field the field's own undo (`document.execCommand`), else the
 * library's. On macOS the menu also owns ⌘Z / ⇧⌘Z (a menu's key equivalents come first there, and text fields need
 * them), so in the desktop app on macOS the keys arrive as that event and are not handled twice here; on Windows and
 * Linux the shell shows the shortcuts in the menu without registering them, and the keys come here.
 */
import { useEffect } from 'react';
import type { AppCommand } from '@shared/contracts/undo';
import { matchesShortcut, type KeyLike } from '../lib/keys';
import { isMac } from '../lib/platform';
import { undoStore } from '../store/undo';
import { getTransport } from '../transport';

const NON_TEXT_INPUTS = new Set(['checkbox', 'radio', 'button', 'submit', 'reset', 'range', 'color', 'file', 'image', 'hidden']);

/** True for an element whose own undo Ctrl/⌘+Z is: a text input, a text area, an editable element. */
export function isTextField(el: Element | null): boolean {
  if (!el) return false;
  if (el instanceof HTMLTextAreaElement) return !el.readOnly && !el.disabled;
  if (el instanceof HTMLInputElement) return !NON_TEXT_INPUTS.has(el.type) && !el.readOnly && !el.disabled;
  return el instanceof HTMLElement && el.isContentEditable;
}

/**
 * Which history command a key press asks for, or null: the shortcut table's `undo` and `redo` (lib/keys.ts
 * SHORTCUTS: Ctrl/⌘+Z undo, Shift+Ctrl/⌘+Z redo, Ctrl+Y redo but not ⌘Y, which is History in macOS browsers).
 * @param mac macOS's keys (default: this platform's)
 */
export function undoCommandOf(e: KeyLike, mac = isMac): AppCommand | null {
  if (matchesShortcut(e, 'undo', mac)) return 'undo';
  if (matchesShortcut(e, 'redo', mac)) return 'redo';
  return null;
}

/** Runs a history command from the menu: the focused text field's own, else the library's. */
export function runAppCommand(command: AppCommand): void {
  if (isTextField(document.activeElement)) {
    // The field's own undo stack; execCommand is the one way a page can drive it.
    document.execCommand(command);
    return;
  }
  void undoStore[command]();
}

/** Installs the keys and the menu's `app.command` for the window's lifetime. */
export function useUndoKeys(): void {
  useEffect(() => {
    const transport = getTransport();
    const menuOwnsKeys = transport.kind === 'electron' && isMac;
    const onKey = (e: KeyboardEvent): void => {
      const command = undoCommandOf(e);
      if (!command || menuOwnsKeys) return;
      if (isTextField(e.target instanceof Element ? e.target : null)) return;
      e.preventDefault();
      if (e.repeat && undoStore.label(command) === null) return;
      void undoStore[command]();
    };
    window.addEventListener('keydown', onKey);
    const unsubscribe = transport.subscribe((event) => {
      if (event.name === 'app.command') runAppCommand(event.payload.command);
    });
    return () => {
      window.removeEventListener('keydown', onKey);
      unsubscribe();
    };
  }, []);
}
