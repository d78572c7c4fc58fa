/**
 * Keyboard helpers shared by every text input that acts on a key.
 *
 * While an input method (IME) composes text — Korean syllables, Japanese kana to kanji — Enter commits the
 * composition: it must not also submit, add a tag or run a search with the half-typed text. Browsers mark such a
 * keydown with `isComposing` (https://developer.mozilla.org/docs/Web/API/KeyboardEvent/isComposing); Safari sends
 * the committing Enter just after `compositionend` with `isComposing` false but keyCode 229 ("Process"), so both
 * are checked (https://w3c.github.io/uievents/#determine-keydown-keyup-keyCode).
 */

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
