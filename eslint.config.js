// Lint (`npm run lint`, one check of `npm test`): ESLint's and typescript-eslint's recommended
// rules, import cycles (type-only ones included) and unused variables and parameters. Unused
// exports and files are knip's (knip.jsonc).
import js from '@eslint/js';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import { importX } from 'eslint-plugin-import-x';
import { defineConfig, globalIgnores } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import valueImportsParser from './tooling/lint/value-imports-parser.js';

const sources = ['server/**/*.{ts,tsx}', 'web/src/**/*.{ts,tsx}', 'scripts/**/*.{ts,mjs}', 'tooling/**/*.{ts,js}', 'e2e/**/*.ts', '*.{ts,js}'];

export default defineConfig(
  globalIgnores(['node_modules/', 'dist/', 'data/', 'server/db/generated/', 'test-results/', 'playwright-report/', '.bench/', '.scratch/', '.tmp-exp/']),
  { files: sources, extends: [js.configs.recommended, tseslint.configs.recommended] },
  {
    files: sources,
    // After the recommended configs, which set typescript-eslint's own parser.
    languageOptions: { parser: valueImportsParser, ecmaVersion: 'latest', sourceType: 'module' },
    plugins: { 'import-x': importX },
    settings: {
      'import-x/extensions': ['.ts', '.tsx', '.js', '.mjs'],
      'import-x/external-module-folders': ['node_modules', 'node_modules/@types'],
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: ['tsconfig.json', 'web/tsconfig.json'], noWarnOnMultipleProjects: true })],
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      'import-x/no-cycle': 'error',
      // `_` marks a parameter an interface or callback signature forces on us.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { args: 'all', argsIgnorePattern: '^_', caughtErrors: 'all', ignoreRestSiblings: true, varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
    },
  },
  {
    // Plain JavaScript runs on Node and is not type-checked, so ESLint's no-undef needs Node's globals.
    files: ['scripts/**/*.mjs', 'tooling/**/*.js', '*.js'],
    languageOptions: { globals: globals.node },
  },
  {
    // Product code (what `npm start` runs) never depends on the test and bench tooling.
    files: ['server/**/*.ts', 'web/src/**/*.{ts,tsx}'],
    ignores: ['**/*.test.{ts,tsx}', 'server/testing/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/tooling/**'], message: 'tooling/ serves tests, benches and demos; product code must not import it.' }] },
      ],
    },
  },
  {
    // The SPA runs in the browser. Its config sees Node's types through the server types it
    // imports, so lint is what keeps Node's globals and modules out of it.
    files: ['web/src/**/*.{ts,tsx}'],
    rules: {
      'import-x/no-nodejs-modules': 'error',
      'no-restricted-globals': ['error', 'process', 'Buffer', 'global', '__dirname', '__filename', 'require', 'module', 'setImmediate', 'clearImmediate'],
    },
  },
);
