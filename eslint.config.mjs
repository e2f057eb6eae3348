// @ts-check
import tseslint from 'typescript-eslint';

const NODE_BUILTINS = [
  'assert',
  'buffer',
  'child_process',
  'cluster',
  'crypto',
  'dgram',
  'dns',
  'events',
  'fs',
  'fs/promises',
  'http',
  'http2',
  'https',
  'net',
  'os',
  'path',
  'perf_hooks',
  'process',
  'readline',
  'stream',
  'timers',
  'tls',
  'url',
  'util',
  'v8',
  'vm',
  'worker_threads',
  'zlib',
];

export default tseslint.config(
  { ignores: ['node_modules/**', '.tools/**', 'data/**', 'db/migrations/**', 'coverage/**', 'dist/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.tsx'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Workflow code is replayed: no Node built-ins, no I/O libraries, no zod (types only).
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            ...NODE_BUILTINS.map((name) => ({
              name,
              message: 'Node built-ins are not deterministic in workflows.',
            })),
            {
              name: 'zod',
              message: 'Validate at the API; workflows receive parsed input.',
              allowTypeImports: true,
            },
            { name: 'pg', message: 'Workflows do I/O through activities.', allowTypeImports: true },
            { name: 'drizzle-orm', message: 'Workflows do I/O through activities.', allowTypeImports: true },
          ],
          patterns: [
            { group: ['node:*'], message: 'Node built-ins are not deterministic in workflows.' },
            {
              group: ['../db/*', '../activities/*', '../api/*'],
              message: 'Workflows reach these through activities only.',
              allowTypeImports: true,
            },
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        {
          name: 'setTimeout',
          message: 'Use sleep() or condition() with a timeout from @temporalio/workflow.',
        },
        { name: 'setInterval', message: 'Use sleep() from @temporalio/workflow.' },
        { name: 'process', message: 'No process state in workflows.' },
      ],
    },
  },
  {
    // The web console runs in browsers: no Node built-ins, and no zod (it would double the bundle).
    files: ['web/**/*.ts', 'web/**/*.tsx'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'zod', message: 'The API validates; the console shows its problems.' }],
          patterns: [{ group: ['node:*'], message: 'The console runs in a browser.' }],
        },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    files: ['scripts/ensure.js', 'scripts/build.js', 'scripts/tool.js', 'jest.config.js'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { require: 'readonly', module: 'writable', process: 'readonly', __dirname: 'readonly' },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
