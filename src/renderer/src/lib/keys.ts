/**
 * Keyboard helpers shared by every text input that acts on a key.
 *
 * While an input method (IME) composes text — Korean syllables, Japanese kana to kanji — Enter commits the
 * composition: it must not also submit, add a tag or run a search with the half-typed text. Browsers mark such a
 * keydown with `isComposing` (https://developer.mozilla.org/docs/Web/API/KeyboardEvent/isComposing); Safari sends
 * the committing Enter just after `compositionend` with `isComposing` false but keyCode 229 ("Process"), so both
 * are checked (https://w3c.github.io/uievents/#determine-keydown-keyup-keyCode).
 */
import { isMac } from './platform';

/** A DOM keyboard event or a React synthetic one (its `nativeEvent` is read). */
type AnyKeyEvent = KeyboardEvent | { nativeEvent: KeyboardEvent; key: string };

const native = (e: AnyKeyEvent): KeyboardEvent => ('nativeEvent' in e ? e.nativeEvent : e);

/** True while the key belongs to an IME composition (including the Enter that commits it). */
export function isComposing(e: AnyKeyEvent): boolean {
  const n = native(e);
  return n.isComposing || n.keyCode === 229;
}

/** Enter pressed to act (submit, add, run), not to commit an IME composition. */
export function isSubmitEnter(e: AnyKeyEvent): boolean {
  return native(e).key === 'Enter' && !isComposing(e);
}

/* ---------- The shortcut table (issue 11): one list read by the handlers, aria-keyshortcuts and the `?` sheet ---------- */

/**
 * One key combination, as written in {@link SHORTCUTS}: modifiers then a key, joined by `+`. `Mod` is ⌘ on macOS and
 * Ctrl elsewhere; `Shift`, `Alt` as named. The key is a `KeyboardEvent.key` value (`ArrowRight`, `Delete`, `F10`,
 * `ContextMenu`, a letter, a digit, `?`, `,`, `[`), or `Space`, or `Backslash` (matched by its physical key too,
 * so Ctrl+Shift+\ still matches where Shift turns the key into `|`). A punctuation key such as `?` ignores Shift,
 * which some layouts need to type it.
 */
export type Combo = string;

/** Where a shortcut works; the sheet lists the groups in this order. */
export const SHORTCUT_GROUPS = ['general', 'grid', 'organise', 'viewer', 'compare', 'mask'] as const;
export type ShortcutGroup = (typeof SHORTCUT_GROUPS)[number];

/** A shortcut: what it does (`shortcuts.<id>` in the i18n files), where, and its key combinations. */
export interface Shortcut {
  group: ShortcutGroup;
  keys: readonly Combo[];
  /** Shown as `first–last` (0–5, 1–4) rather than every key. */
  range?: true;
  /**
   * The key is the platform's own (Enter or Space on a focused button, Escape in a dialog): no handler of ours
   * reads the table for it, the sheet still lists it.
   */
  native?: true;
  /** The combinations on macOS where they differ from {@link keys} (redo: no ⌘Y, which is History in browsers). */
  macKeys?: readonly Combo[];
}

const ARROWS = ['ArrowLeft', 'ArrowRight', 'ArrowUp', 'ArrowDown'] as const;

/**
 * Every keyboard shortcut of the window. Handlers test a key with {@link matchesShortcut}, controls name theirs with
 * {@link ariaShortcut}, and the shortcut sheet lists this table, so the three cannot disagree
 * (tests/unit/shortcuts.test.ts checks that every entry that is not `native` is read by a handler).
 */
export const SHORTCUTS = {
  showShortcuts: { group: 'general', keys: ['?'] },
  focusSearch: { group: 'general', keys: ['Mod+F'] },
  generate: { group: 'general', keys: ['Mod+Enter'] },
  exportImages: { group: 'general', keys: ['Mod+E'] },
  openSettings: { group: 'general', keys: ['Mod+,'] },
  toggleSidebar: { group: 'general', keys: ['Mod+Backslash'] },
  toggleComposer: { group: 'general', keys: ['Mod+Shift+Backslash'] },
  toggleInspector: { group: 'general', keys: ['I'] },
  undo: { group: 'general', keys: ['Mod+Z'] },
  // Ctrl+Y also redoes on Windows and Linux; ⌘Y is History in macOS browsers.
  redo: { group: 'general', keys: ['Mod+Shift+Z', 'Mod+Y'], macKeys: ['Mod+Shift+Z'] },
  gridMove: { group: 'grid', keys: [...ARROWS, 'Home', 'End', 'PageUp', 'PageDown'] },
  gridExtend: { group: 'grid', keys: [...ARROWS.map((k) => `Shift+${k}`), 'Shift+Home', 'Shift+End'] },
  gridOpen: { group: 'grid', keys: ['Enter'], native: true },
  gridEdit: { group: 'grid', keys: ['E'] },
  gridOpenStack: { group: 'grid', keys: ['S'] },
  gridToggle: { group: 'grid', keys: ['Space'] },
  gridRangeTo: { group: 'grid', keys: ['Shift+Space'] },
  gridSelectAll: { group: 'grid', keys: ['Mod+A'] },
  gridClear: { group: 'grid', keys: ['Escape'] },
  gridTrash: { group: 'grid', keys: ['Delete', 'Backspace'] },
  gridMenu: { group: 'grid', keys: ['Shift+F10', 'ContextMenu'] },
  dropCopy: { group: 'grid', keys: ['Alt'], native: true },
  rate: { group: 'organise', keys: ['0', '1', '2', '3', '4', '5'], range: true },
  pick: { group: 'organise', keys: ['P'] },
  reject: { group: 'organise', keys: ['X'] },
  unflag: { group: 'organise', keys: ['U'] },
  viewerPrevious: { group: 'viewer', keys: ['ArrowLeft'] },
  viewerNext: { group: 'viewer', keys: ['ArrowRight'] },
  closeDialog: { group: 'viewer', keys: ['Escape'], native: true },
  compareNext: { group: 'compare', keys: ['ArrowRight', 'ArrowDown'] },
  comparePrevious: { group: 'compare', keys: ['ArrowLeft', 'ArrowUp'] },
  comparePick: { group: 'compare', keys: ['1', '2', '3', '4'], range: true },
  compareBlind: { group: 'compare', keys: ['B'] },
  compareActualSize: { group: 'compare', keys: ['Z'] },
  compareFit: { group: 'compare', keys: ['F'] },
  maskBrush: { group: 'mask', keys: ['B'] },
  maskEraser: { group: 'mask', keys: ['E'] },
  maskSmaller: { group: 'mask', keys: ['['] },
  maskLarger: { group: 'mask', keys: [']'] },
  maskInvert: { group: 'mask', keys: ['I'] },
} as const satisfies Record<string, Shortcut>;

export type ShortcutId = keyof typeof SHORTCUTS;

interface Parsed {
  mod: boolean;
  shift: boolean;
  alt: boolean;
  key: string;
}

function parse(combo: Combo): Parsed {
  // The key may itself be '+': only the parts before the last '+' are modifiers.
  const parts = combo.length > 1 && combo.endsWith('+') ? [...combo.slice(0, -2).split('+'), '+'] : combo.split('+');
  const key = parts.pop() ?? '';
  return { mod: parts.includes('Mod'), shift: parts.includes('Shift'), alt: parts.includes('Alt'), key };
}

const isPunctuation = (key: string): boolean => key.length === 1 && !/[\p{L}\p{N} ]/u.test(key);

/** The keys a combination's key matches, as an event's `key` (and `code` for Backslash). */
function keyMatches(e: KeyboardEvent | { key: string; code?: string }, key: string): boolean {
  if (key === 'Backslash') return e.code === 'Backslash' || e.key === '\\';
  if (key === 'Space') return e.key === ' ';
  if (key.length === 1) return e.key.toLowerCase() === key.toLowerCase();
  return e.key === key;
}

/** The parts of a keyboard event {@link matchesShortcut} reads (a DOM or a React event). */
export interface KeyLike {
  key: string;
  code?: string;
  ctrlKey: boolean;
  metaKey: boolean;
  shiftKey: boolean;
  altKey: boolean;
}

/** The combinations of shortcut `id` on macOS (`mac`) or elsewhere. */
function combosOf(id: ShortcutId, mac = isMac): readonly Combo[] {
  const s: Shortcut = SHORTCUTS[id];
  return (mac && s.macKeys) || s.keys;
}

/**
 * True when the event is one of the combinations of shortcut `id`, with exactly its modifiers.
 * @param mac macOS's combinations and ⌘ as `Mod` (default: this platform's)
 */
export function matchesShortcut(e: KeyLike, id: ShortcutId, mac = isMac): boolean {
  const mod = mac ? e.metaKey : e.ctrlKey;
  const other = mac ? e.ctrlKey : e.metaKey;
  return combosOf(id, mac).some((combo) => {
    const p = parse(combo);
    if (mod !== p.mod || other || e.altKey !== p.alt) return false;
    if (!isPunctuation(p.key) && e.shiftKey !== p.shift) return false;
    return keyMatches(e, p.key);
  });
}

const ARIA_KEY: Record<string, string> = { Backslash: '\\', Space: 'Space' };

/** The `aria-keyshortcuts` value of shortcut `id` on this platform (Mod as `Meta` on macOS, else `Control`). */
export function ariaShortcut(id: ShortcutId): string {
  return combosOf(id)
    .map((combo) => {
      const p = parse(combo);
      const mods = [p.mod ? (isMac ? 'Meta' : 'Control') : '', p.alt ? 'Alt' : '', p.shift ? 'Shift' : ''].filter(Boolean);
      return [...mods, ARIA_KEY[p.key] ?? p.key].join('+');
    })
    .join(' ');
}

const KEY_LABEL: Record<string, string> = {
  ArrowLeft: '←',
  ArrowRight: '→',
  ArrowUp: '↑',
  ArrowDown: '↓',
  Backslash: '\\',
  Escape: 'Esc',
  PageUp: 'Page Up',
  PageDown: 'Page Down',
  ContextMenu: 'Menu',
  Space: 'Space',
};
const MAC_KEY_LABEL: Record<string, string> = { Enter: '↩', Backspace: '⌫', Delete: '⌦', Escape: 'esc', Alt: '⌥' };

/** One combination as people read it on this platform: `⌘⇧\` on macOS, `Ctrl+Shift+\` elsewhere. */
export function comboLabel(combo: Combo): string {
  const p = parse(combo);
  const key = (isMac ? MAC_KEY_LABEL[p.key] : undefined) ?? KEY_LABEL[p.key] ?? (p.key.length === 1 ? p.key.toUpperCase() : p.key);
  if (isMac) return `${p.alt ? '⌥' : ''}${p.shift ? '⇧' : ''}${p.mod ? '⌘' : ''}${key}`;
  return [p.mod ? 'Ctrl' : '', p.alt ? 'Alt' : '', p.shift ? 'Shift' : '', key].filter(Boolean).join('+');
}

/** The combinations of shortcut `id` as labels (a range as one `first–last` label). */
export function shortcutLabels(id: ShortcutId): string[] {
  const keys = combosOf(id);
  const s: Shortcut = SHORTCUTS[id];
  if (s.range) return [`${comboLabel(keys[0]!)}–${comboLabel(keys[keys.length - 1]!)}`];
  return keys.map(comboLabel);
}
