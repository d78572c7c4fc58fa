/**
 * The theme on screen: `<html data-theme="light|dark">`, which selects the palette in styles/theme.css. The choice
 * (`system`, `light`, `dark`) lives in the library's settings (`app.info` / `app.setTheme`); a copy is kept in
 * localStorage so public/theme-boot.js can put it on the page before the first paint. `system` follows
 * `prefers-color-scheme` and changes with it.
 */
import type { Theme } from '@shared/domain';
import { savePref } from './persist';

const LIGHT = '(prefers-color-scheme: light)';
let stopFollowing: (() => void) | null = null;

/** The palette a choice shows now: `light` or `dark` (`system` asks `prefers-color-scheme`). */
export function resolveTheme(theme: Theme): 'light' | 'dark' {
  if (theme !== 'system') return theme;
  return typeof window.matchMedia === 'function' && window.matchMedia(LIGHT).matches ? 'light' : 'dark';
}

/**
 * Shows `theme` and keeps its copy for the next start; with `system`, follows the OS's changes until another
 * theme is applied.
 */
export function applyTheme(theme: Theme): void {
  stopFollowing?.();
  stopFollowing = null;
  document.documentElement.dataset.theme = resolveTheme(theme);
  savePref('theme', theme);
  if (theme === 'system' && typeof window.matchMedia === 'function') {
    const query = window.matchMedia(LIGHT);
    const onChange = (): void => {
      document.documentElement.dataset.theme = resolveTheme('system');
    };
    query.addEventListener('change', onChange);
    stopFollowing = () => query.removeEventListener('change', onChange);
  }
}
