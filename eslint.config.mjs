// @ts-check
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '.lockbox*/**', 'coverage/**', 'bench/results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/libs/*/src', '**/libs/*/src/*', '**/apps/*/src/*'], message: 'Import libs through their @lockbox/* alias.' },
          ],
        },
      ],
    },
  },
  {
    // Configuration is read once, at boot, into one typed object (libs/config); nothing else reads the environment.
    files: ['libs/**/*.ts', 'analysis-sdk/src/**/*.ts'],
    ignores: ['libs/config/**'],
    rules: {
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'Take settings from LockboxConfig instead.' }],
    },
  },
  {
    // The console runs in the browser.
    files: ['apps/web/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    // Tests read JSON responses whose shape is what they assert.
    files: ['test/**/*.ts', '**/*.spec.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // Test support runs in jest's parent process, where path aliases do not resolve.
    files: ['test/support/**/*.ts', 'scripts/**', '*.js', '*.mjs'],
    rules: { 'no-restricted-imports': 'off', '@typescript-eslint/no-require-imports': 'off' },
  },
);
