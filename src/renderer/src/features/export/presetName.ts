import type { TFunction } from 'i18next';

/**
 * The built-in export presets as migration 0004 stored them (their names in English, in the library itself): shown
 * translated, by id, as long as the user has not renamed them.
 */
const BUILT_IN: Readonly<Record<string, string>> = {
  'preset-originals': 'Original files',
  'preset-jpeg-recipe': 'JPEG with recipe',
};

/** The name to show for a preset: a built-in one still under its stored English name in the UI's language. */
export function presetDisplayName(t: TFunction, id: string | null | undefined, name: string): string {
  return id && BUILT_IN[id] === name ? t(`transfer.builtinPresets.${id}`, { defaultValue: name }) : name;
}

/**
 * What to store for a name typed into the preset's name field: the stored English name when the field still shows
 * the built-in's translated name (so an untouched name does not count as an edit), else what was typed.
 */
export function presetStoredName(t: TFunction, id: string | null | undefined, typed: string): string {
  const stored = id ? BUILT_IN[id] : undefined;
  return stored !== undefined && typed === presetDisplayName(t, id, stored) ? stored : typed;
}
