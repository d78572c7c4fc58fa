/* global document, window */
// Runs before the first paint (a classic script in <head>, so the parser waits for it): puts the theme chosen in
// Settings on <html data-theme>, light or dark. The choice comes from the page itself where the web host wrote it
// (<html data-theme-choice>, from the library's setting), else from the copy lib/theme.ts keeps in localStorage;
// "system" (or nothing known) follows prefers-color-scheme, which the desktop shell has already set from the
// library's setting (nativeTheme.themeSource). The app then reads the library's setting and corrects any difference.
(function () {
  var root = document.documentElement;
  var choice = root.getAttribute('data-theme-choice');
  if (choice !== 'light' && choice !== 'dark' && choice !== 'system') {
    choice = 'system';
    try {
      var raw = localStorage.getItem('atelier.ui.theme');
      if (raw === '"light"' || raw === '"dark"') choice = JSON.parse(raw);
    } catch {
      // storage disabled: follow the system
    }
  }
  if (choice === 'system') {
    choice = window.matchMedia && window.matchMedia('(prefers-color-scheme: light)').matches ? 'light' : 'dark';
  }
  root.setAttribute('data-theme', choice);
})();
