// @ts-check
// ESLint as `nest new` sets it up (typescript-eslint's type-checked rules, Prettier owns layout),
// with zero warnings allowed: `npm run lint` fails on any finding, and .ci/run runs it.
import eslint from '@eslint/js';
import eslintConfigPrettier from 'eslint-config-prettier/flat';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'dist/',
      'coverage/',
      'openapi/',
      'bench/results/',
      'test/artifacts/',
      '.data/',
      'examples/nextjs-app/.next/',
      'examples/nextjs-app/next-env.d.ts',
      '**/*.cjs',
      '**/*.mjs',
      'jest.config.js',
    ],
  },
  eslint.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  eslintConfigPrettier,
  {
    languageOptions: {
      globals: { ...globals.node },
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
    },
  },
  {
    // React calls event handlers and ignores what they return: an async onClick is the idiom.
    files: ['examples/nextjs-app/**/*.tsx'],
    languageOptions: { globals: { ...globals.browser } },
    rules: { '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { attributes: false } }] },
  },
);
