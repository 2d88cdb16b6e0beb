// @ts-check
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/** Libraries are imported through their alias, never by path (everywhere). */
const ALIAS_IMPORTS = { group: ['**/libs/*/src', '**/libs/*/src/*', '**/apps/*/src/*'], message: 'Import libs through their @lockbox/* alias.' };

/**
 * SQL as the apps would write it (keywords in capitals, as every query here is written): a string or a
 * template part that reads like a statement. Only libs/db's repositories hold statements.
 */
const SQL_STATEMENT = String.raw`/(SELECT\s[\s\S]*\bFROM\b|INSERT\s+INTO\b|UPDATE\s+\w+\s+SET\b|UPDATE\s*$|DELETE\s+FROM\b|FOR\s+(NO\s+KEY\s+)?UPDATE\b)/`;
const SQL_IN_APPS = 'SQL belongs in a repository of libs/db (docs/architecture.md, "Layers"); call its method instead.';
const CLIENT_IN_APPS = 'apps/ call the repositories and ports of libs/ (docs/architecture.md, "Layers"); this client belongs behind one of them.';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '.lockbox*/**', '.tools/**', 'coverage/**', 'bench/results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: { ...globals.node },
      // Type-aware rules: each file is linted with the program of its tsconfig.json (the one at the root).
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // A promise returned from a try block without await escapes its catch and finally.
      '@typescript-eslint/return-await': ['error', 'in-try-catch'],
      // A switch over a union handles every member, or says what it does with the rest (default).
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      // Off: its fixes are wrong here. `(await db.query(...)) as Row[]` is what infers query<T>; without it T is any.
      '@typescript-eslint/no-unnecessary-type-assertion': 'off',
      'no-restricted-imports': ['error', { patterns: [ALIAS_IMPORTS] }],
    },
  },
  {
    // The layers: controllers → services → repositories (libs/db) → PostgreSQL, and the other systems
    // behind their libs. Services and handlers in apps/ write no SQL and hold no database, Docker, AWS
    // or Redis client. scripts/architecture-lint.spec.ts proves it catches planted violations.
    files: ['apps/**/*.ts'],
    ignores: ['**/*.spec.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'pg', message: CLIENT_IN_APPS },
            { name: 'typeorm', message: CLIENT_IN_APPS },
            { name: '@nestjs/typeorm', message: CLIENT_IN_APPS },
            { name: 'dockerode', message: CLIENT_IN_APPS },
            { name: 'ioredis', message: CLIENT_IN_APPS },
          ],
          patterns: [ALIAS_IMPORTS, { group: ['@aws-sdk/*'], message: CLIENT_IN_APPS }],
        },
      ],
      'no-restricted-syntax': [
        'error',
        { selector: `Literal[value=${SQL_STATEMENT}]`, message: SQL_IN_APPS },
        { selector: `TemplateElement[value.raw=${SQL_STATEMENT}]`, message: SQL_IN_APPS },
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
    files: ['test/**/*.ts', '**/*.spec.ts', 'libs/exports/test-fixtures/**'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      // Fakes of async ports and streams of fixed items are async functions with nothing to await.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    // Test support runs in jest's parent process, where path aliases do not resolve.
    files: ['test/support/**/*.ts', 'test/database/support/global-*.ts', 'scripts/**', '*.js', '*.mjs'],
    rules: { 'no-restricted-imports': 'off', '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // Plain JavaScript is in no TypeScript program: the type-aware rules cannot run on it.
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    extends: [tseslint.configs.disableTypeChecked],
  },
  // Last: formatting is prettier's alone, so no lint rule may disagree with it.
  prettier,
);
