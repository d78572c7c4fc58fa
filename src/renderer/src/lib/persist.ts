/** Small UI preferences kept in localStorage (never secrets, never library data). */
const PREFIX = 'atelier.ui.';

export function loadPref<T>(key: string, fallback: T, check?: (v: unknown) => v is T): T {
  try {
    const raw = localStorage.getItem(PREFIX + key);
    if (raw === null) return fallback;
    const v: unknown = JSON.parse(raw);
    if (check && !check(v)) return fallback;
    return v as T;
  } catch {
    return fallback;
  }
}

export function savePref(key: string, value: unknown): void {
  try {
    localStorage.setItem(PREFIX + key, JSON.stringify(value));
  } catch {
    // storage full or disabled: preferences are a convenience
  }
}
