import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const restrictedUi = [
  '@aws-sdk/*',
  'pg',
  'pg-cursor',
  'mysql2',
  '@electric-sql/pglite',
  'node:fs',
  'node:fs/promises',
];

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'coverage/**',
      'bin/**',
      'scripts/**',
      '.dbq-tmp/**',
      '**/*.js',
      '**/*.mjs',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        { allowNumber: true, allowBoolean: true },
      ],
    },
  },
  {
    files: ['shared/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['../../src/*', '../../lambda/*', 'node:*', ...restrictedUi],
              message: 'shared/ is pure: no I/O, no client or Lambda code.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['lambda/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [{ group: ['**/src/*', '**/src/**'], message: 'The Lambda never imports client code.' }],
        },
      ],
    },
  },
  {
    files: ['src/**/*.ts', 'src/**/*.tsx'],
    ignores: ['src/local/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/lambda/*', '**/lambda/**'],
              message: 'The client reaches engine code only through src/local.',
            },
            {
              group: ['pg', 'pg-cursor', 'mysql2', '@electric-sql/pglite'],
              message: 'Database drivers belong to the Lambda.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/ui/**/*.ts', 'src/ui/**/*.tsx'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: restrictedUi, message: 'UI components talk to injected services only.' }] },
      ],
    },
  },
);
