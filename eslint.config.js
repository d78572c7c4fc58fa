// Lint: typescript-eslint's recommended rules, React hooks rules, and the process boundaries as import
// restrictions: src/shared is pure, only the Electron shell in src/main imports electron, the renderer never imports
// Node or electron.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';

const nodeBuiltins = ['fs', 'path', 'os', 'child_process', 'crypto', 'http', 'https', 'net'];

// The Electron shell: the only files under src/main that may import electron (the app's entry, its window, IPC,
// hardening, the media protocol and drag-out). Add a file here only if the web host never imports it.
const electronShell = [
  'src/main/index.ts',
  'src/main/window.ts',
  'src/main/ipc.ts',
  'src/main/security.ts',
  'src/main/media-protocol.ts',
  'src/main/drag-out.ts',
  'src/main/app-menu.ts',
];

export default tseslint.config(
  { ignores: ['out/**', 'node_modules/**', '.tmp/**', 'docs/**', 'resources/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'off',
    },
  },
  {
    files: ['src/shared/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [...nodeBuiltins, 'electron', 'react'], patterns: ['node:*', '**/main/**', '**/renderer/**'] }],
    },
  },
  {
    // Everything under src/main is code the web host may run, except the Electron shell files listed in
    // `electronShell`: a new file is restricted by default (tests/unit/web-host-imports.test.ts checks the web
    // host's import graph against this rule).
    files: ['src/main/**/*.{ts,tsx,mts,cts}'],
    ignores: electronShell,
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: [{ name: 'electron', message: 'Only the Electron shell files (electronShell in eslint.config.js) may import electron: the web host runs the rest of src/main.' }] },
      ],
    },
  },
  {
    files: ['src/renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      'no-restricted-imports': ['error', { paths: [...nodeBuiltins, 'electron'], patterns: ['node:*', '**/main/**', '**/preload/**'] }],
    },
  },
);
