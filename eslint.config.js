// Lint: typescript-eslint's recommended rules, React hooks rules, and the process boundaries as import
// restrictions: src/shared is pure, services never import electron, the renderer never imports Node or electron.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';

const nodeBuiltins = ['fs', 'path', 'os', 'child_process', 'crypto', 'http', 'https', 'net'];

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
    files: ['src/main/services/**/*.ts', 'src/main/web/**/*.ts', 'src/main/app.ts', 'src/main/handlers.ts', 'src/main/dispatcher.ts', 'src/main/security-policy.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: ['electron'] }] },
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
