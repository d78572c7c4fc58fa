/**
 * The one tag entry of the app (the Tag dialog, the inspector's tag field, the search panel's tag filter): a text
 * field that is a combobox over the library's tags (a `<datalist>` filled from `tags.suggest`, most used first, asked
 * for and listed only while the field has focus), Enter adds the typed tag unless an input method is composing it,
 * and the tags so far as chips, each with a remove button.
 */
import { X } from 'lucide-react';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { TagCount } from '@shared/organise';
import { isComposing, isSubmitEnter } from '../lib/keys';
import { call } from '../transport';

/** One chip: a tag, and for a tag on only some of the edited images a short note ("2/3") and a tooltip. */
export interface TagChip {
  tag: string;
  /** Shown muted after the tag; marks the chip as partial (`tag-chip-partial`). */
  note?: string;
  /** The chip's tooltip. */
  title?: string;
}

/** Props of {@link TagInput}. */
export interface TagInputProps {
  /** The field's DOM id; the suggestion list and the hint get `${id}-suggest` and `${id}-hint`. */
  id: string;
  /** The chips, in order (an empty list shows none). */
  chips: readonly TagChip[];
  /** The accessible name of the chip list (e.g. "Tags to add"). */
  chipsLabel: string;
  /** The accessible name of a chip's remove button (e.g. "Remove tag X"). */
  removeLabel(tag: string): string;
  /** Called with the trimmed, non-empty tag when Enter (not an IME's) is pressed in the field; the field is then cleared. */
  onAdd(tag: string): void;
  /** Called when a chip's remove button is pressed (or Backspace in the empty field, with `backspaceRemovesLast`). */
  onRemove(tag: string): void;
  /** Backspace in the empty field removes the last chip (default false). */
  backspaceRemovesLast?: boolean;
  /** A visible or `sr-only` label rendered just before the field; leave it out when the caller labels `id` itself. */
  label?: string;
  /** Class of that label (default `field-label`). */
  labelClassName?: string;
  /** The hint the field is described by (`aria-describedby`). */
  hint: string;
  /** Class of the hint (default `muted field-hint`). */
  hintClassName?: string;
  /** Class of the field (default `input`). */
  inputClassName?: string;
  placeholder?: string;
  /** The chips above the field instead of below it. */
  chipsFirst?: boolean;
  /** The typed text, when the caller needs it (e.g. to submit a form with it); otherwise the field keeps its own. */
  value?: string;
  onValueChange?(value: string): void;
}

/** How long typing pauses before suggestions are asked for (ms). */
const SUGGEST_DELAY_MS = 120;

/** The tag combobox with its chips; see the module comment. */
export function TagInput(props: TagInputProps) {
  const { id, chips, onAdd, onRemove } = props;
  const { t } = useTranslation();
  const [own, setOwn] = useState('');
  const draft = props.value ?? own;
  const setDraft = (v: string): void => {
    if (props.value === undefined) setOwn(v);
    props.onValueChange?.(v);
  };
  const [suggestions, setSuggestions] = useState<TagCount[]>([]);
  // Suggestions are asked for, and listed, only while the field has focus (the list stays, empty, for the combobox role).
  const [focused, setFocused] = useState(false);

  useEffect(() => {
    if (!focused) return;
    let live = true;
    const timer = setTimeout(() => {
      call('tags.suggest', { prefix: draft.trim(), limit: 8 })
        .then((s) => live && setSuggestions(s))
        .catch(() => live && setSuggestions([]));
    }, SUGGEST_DELAY_MS);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [draft, focused]);

  const list =
    chips.length > 0 ? (
      <ul className="tag-chips" aria-label={props.chipsLabel}>
        {chips.map((c) => (
          <li key={c.tag} className={c.note === undefined ? 'tag-chip' : 'tag-chip tag-chip-partial'} title={c.title}>
            <span>{c.tag}</span>
            {c.note === undefined ? null : <span className="muted small">{c.note}</span>}
            <button type="button" className="btn btn-ghost btn-icon btn-xs" aria-label={props.removeLabel(c.tag)} onClick={() => onRemove(c.tag)}>
              <X size={12} aria-hidden="true" />
            </button>
          </li>
        ))}
      </ul>
    ) : null;

  return (
    <>
      {props.chipsFirst ? list : null}
      {props.label === undefined ? null : (
        <label htmlFor={id} className={props.labelClassName ?? 'field-label'}>
          {props.label}
        </label>
      )}
      <input
        id={id}
        className={props.inputClassName ?? 'input'}
        list={`${id}-suggest`}
        value={draft}
        autoComplete="off"
        maxLength={64}
        placeholder={props.placeholder}
        aria-describedby={`${id}-hint`}
        onFocus={() => setFocused(true)}
        onBlur={() => setFocused(false)}
        onChange={(e) => setDraft(e.target.value)}
        onKeyDown={(e) => {
          if (isSubmitEnter(e) && draft.trim()) {
            e.preventDefault();
            onAdd(draft.trim());
            setDraft('');
          } else if (props.backspaceRemovesLast && e.key === 'Backspace' && draft === '' && !isComposing(e) && chips.length > 0) {
            e.preventDefault();
            onRemove(chips[chips.length - 1]!.tag);
          }
        }}
      />
      <datalist id={`${id}-suggest`}>
        {(focused ? suggestions : []).map((s) => (
          <option key={s.name} value={s.name}>
            {t('organise.tagUses', { count: s.count })}
          </option>
        ))}
      </datalist>
      <p id={`${id}-hint`} className={props.hintClassName ?? 'muted field-hint'}>
        {props.hint}
      </p>
      {props.chipsFirst ? null : list}
    </>
  );
}
