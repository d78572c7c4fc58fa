/**
 * Issue 11, shortcuts: one table (src/renderer/src/lib/keys.ts SHORTCUTS) is read by the handlers, names the
 * controls' aria-keyshortcuts and fills the `?` sheet, so the sheet cannot drift from what the keys do. Checked
 * here: every shortcut that is not the platform's own is read by a handler (`matchesShortcut(…, 'id')` in the
 * renderer's source), every shortcut and group has its label in English, Korean and Japanese, and the table
 * matches keys with the platform's modifier — Ctrl on Windows and Linux, ⌘ on macOS — in handlers, labels and
 * aria-keyshortcuts alike.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { REPO_ROOT } from '../helpers/paths';
import * as keys from '../../src/renderer/src/lib/keys';

const RENDERER = join(REPO_ROOT, 'src/renderer/src');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return sources(p);
    return /\.tsx?$/.test(name) ? [readFileSync(p, 'utf8')] : [];
  });
}

const ev = (key: string, mods: Partial<Record<'ctrlKey' | 'metaKey' | 'shiftKey' | 'altKey', boolean>> = {}, code?: string): keys.KeyLike => ({
  key,
  ...(code ? { code } : {}),
  ctrlKey: false,
  metaKey: false,
  shiftKey: false,
  altKey: false,
  ...mods,
});

describe('the shortcut table', () => {
  const ids = Object.keys(keys.SHORTCUTS) as keys.ShortcutId[];

  it('every shortcut that is not the platform’s own is read by a handler', () => {
    const code = sources(RENDERER).join('\n');
    const read = new Set([...code.matchAll(/matchesShortcut\([^()]*?,\s*'([A-Za-z]+)'[,)]/g)].map((m) => m[1]));
    const unread = ids.filter((id) => {
      const s: keys.Shortcut = keys.SHORTCUTS[id];
      return !s.native && !read.has(id);
    });
    expect(unread).toEqual([]);
    expect(read.size).toBeGreaterThan(25);
  });

  it('every shortcut and group is labelled in en, ko and ja', () => {
    for (const lang of ['en', 'ko', 'ja']) {
      const json = JSON.parse(readFileSync(join(RENDERER, 'i18n', `${lang}.json`), 'utf8')) as { shortcuts: Record<string, unknown> & { group: Record<string, string> } };
      const missing = [
        ...ids.filter((id) => typeof json.shortcuts[id] !== 'string').map((id) => `shortcuts.${id}`),
        ...keys.SHORTCUT_GROUPS.filter((g) => typeof json.shortcuts.group[g] !== 'string').map((g) => `shortcuts.group.${g}`),
      ];
      expect(missing, lang).toEqual([]);
    }
  });

  it('Windows and Linux: Ctrl, in handlers, labels and aria-keyshortcuts', () => {
    expect(keys.matchesShortcut(ev('\\', { ctrlKey: true }, 'Backslash'), 'toggleSidebar')).toBe(true);
    expect(keys.matchesShortcut(ev('\\', { metaKey: true }, 'Backslash'), 'toggleSidebar')).toBe(false);
    // Shift turns the key into '|' on a US layout: the physical key still matches, and only the composer's.
    expect(keys.matchesShortcut(ev('|', { ctrlKey: true, shiftKey: true }, 'Backslash'), 'toggleComposer')).toBe(true);
    expect(keys.matchesShortcut(ev('|', { ctrlKey: true, shiftKey: true }, 'Backslash'), 'toggleSidebar')).toBe(false);
    expect(keys.matchesShortcut(ev('A', { ctrlKey: true }), 'gridSelectAll')).toBe(true);
    expect(keys.matchesShortcut(ev('a', { ctrlKey: true, altKey: true }), 'gridSelectAll')).toBe(false);
    // '?' needs Shift on most layouts; Shift+arrows extend, bare arrows move.
    expect(keys.matchesShortcut(ev('?', { shiftKey: true }), 'showShortcuts')).toBe(true);
    expect(keys.matchesShortcut(ev('ArrowRight', { shiftKey: true }), 'gridExtend')).toBe(true);
    expect(keys.matchesShortcut(ev('ArrowRight', { shiftKey: true }), 'gridMove')).toBe(false);
    expect(keys.matchesShortcut(ev('ArrowRight'), 'gridMove')).toBe(true);
    expect(keys.matchesShortcut(ev('F10', { shiftKey: true }), 'gridMenu')).toBe(true);
    expect(keys.matchesShortcut(ev('ContextMenu'), 'gridMenu')).toBe(true);
    expect(keys.matchesShortcut(ev('F10'), 'gridMenu')).toBe(false);
    expect(keys.matchesShortcut(ev('3'), 'rate')).toBe(true);
    expect(keys.matchesShortcut(ev('6'), 'rate')).toBe(false);
    expect(keys.matchesShortcut(ev('y', { ctrlKey: true }), 'redo')).toBe(true);
    expect(keys.ariaShortcut('toggleSidebar')).toBe('Control+\\');
    expect(keys.ariaShortcut('toggleComposer')).toBe('Control+Shift+\\');
    expect(keys.ariaShortcut('focusSearch')).toBe('Control+F');
    expect(keys.shortcutLabels('toggleComposer')).toEqual(['Ctrl+Shift+\\']);
    expect(keys.shortcutLabels('gridExtend').slice(0, 2)).toEqual(['Shift+←', 'Shift+→']);
    expect(keys.shortcutLabels('rate')).toEqual(['0–5']);
  });

  describe('macOS', () => {
    afterEach(() => {
      vi.unstubAllGlobals();
      vi.resetModules();
    });

    it('⌘, in handlers, labels and aria-keyshortcuts', async () => {
      vi.stubGlobal('navigator', { platform: 'MacIntel', userAgent: 'Macintosh' });
      vi.resetModules();
      const mac = await import('../../src/renderer/src/lib/keys');
      expect(mac.matchesShortcut(ev('\\', { metaKey: true }, 'Backslash'), 'toggleSidebar')).toBe(true);
      expect(mac.matchesShortcut(ev('\\', { ctrlKey: true }, 'Backslash'), 'toggleSidebar')).toBe(false);
      expect(mac.matchesShortcut(ev('a', { metaKey: true }), 'gridSelectAll')).toBe(true);
      expect(mac.matchesShortcut(ev('y', { metaKey: true }), 'redo')).toBe(false);
      expect(mac.ariaShortcut('toggleSidebar')).toBe('Meta+\\');
      expect(mac.ariaShortcut('openSettings')).toBe('Meta+,');
      expect(mac.shortcutLabels('toggleComposer')).toEqual(['⇧⌘\\']);
      expect(mac.shortcutLabels('focusSearch')).toEqual(['⌘F']);
    });
  });
});
