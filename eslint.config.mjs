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

// The rooms (ARCHITECTURE.md): what each top-level folder may import. An import that leaves its
// room climbs out with one `../` per folder level, so each level of a room gets its own patterns
// (`../db/x` from workflows/x.ts, `../../db/x` from workflows/case/x.ts): a pattern that accepted
// any number of `../` would also match the room's own files (web/src/api.ts is not api/).
const SERVER_ROOMS = [
  'activities',
  'api',
  'codec',
  'config',
  'db',
  'schemas',
  'telemetry',
  'worker',
  'workflows',
];
const SOURCES = ['ts', 'tsx', 'js', 'cjs', 'mjs'];
const DEPTHS = [1, 2, 3, 4, 5, 6, 7, 8];

/** A room's files `depth` levels below the root: 1 is `api/x.ts`, 2 `api/routes/x.ts` … */
const filesAt = (room, depth) => SOURCES.map((ext) => `${room}/${'*/'.repeat(depth - 1)}*.${ext}`);
const escape = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** An import, from `depth` levels down, of a module in `rooms` other than the ones `allowed`. */
function into(depth, rooms, allowed = []) {
  const except = allowed.length ? `(?!(${allowed.map(escape).join('|')})(\\.js)?$)` : '';
  return `^(\\.\\./){${depth}}${except}(${rooms.join('|')})(/|$)`;
}
/** One config block per level of `room`, with the rules that level's `depth` gives. */
const room = (name, rules) => DEPTHS.map((depth) => ({ files: filesAt(name, depth), rules: rules(depth) }));

// The schema files without zod: plain data and pure helpers that workflows and the console may
// import as values. Every other file of schemas/ holds zod schemas: types only from there.
const PLAIN_SCHEMAS = [
  'access',
  'catalogue',
  'codes',
  'due',
  'id-number',
  'refusal-codes',
  'report-figures',
  'services',
  'time-bounds',
].map((name) => `schemas/${name}`);
const zodSchemas = (depth) => ({
  regex: into(depth, ['schemas'], PLAIN_SCHEMAS),
  message:
    'A file of zod schemas: import its types only (`import type`); values come from the files without zod.',
  allowTypeImports: true,
});

// Server code never reaches up into the tools or sideways into the browser's code, `require`
// and `import()` included (no-restricted-imports sees only import and export declarations).
const SERVER_OUT = 'Server code never imports scripts/ or web/: what both need lives in config/ or schemas/.';
const notScriptsOrWeb = (depth) => ({ regex: into(depth, ['scripts', 'web']), message: SERVER_OUT });
const requiresOfScriptsOrWeb = (depth) => {
  const source = `/^(\\.\\.\\x2F){${depth}}(scripts|web)(\\x2F|$)/`;
  return [
    'error',
    { selector: `CallExpression[callee.name='require'][arguments.0.value=${source}]`, message: SERVER_OUT },
    { selector: `ImportExpression[source.value=${source}]`, message: SERVER_OUT },
  ];
};

// The API reaches workflows only through their contracts, never the implementation.
const WORKFLOW_CONTRACTS = [
  'workflows/case/messages',
  // The contract's name before issue 26 moved the case workflow into workflows/case/.
  'workflows/daily-rounds.messages',
  'workflows/search-attributes',
  'workflows/trace-propagation',
];

// Workflow code is replayed: no Node built-ins, no I/O libraries, no zod values, and of the rooms
// that do I/O nothing but their types.
const WORKFLOW_PATHS = [
  ...NODE_BUILTINS.map((name) => ({ name, message: 'Node built-ins are not deterministic in workflows.' })),
  { name: 'zod', message: 'Validate at the API; workflows receive parsed input.', allowTypeImports: true },
  { name: 'pg', message: 'Workflows do I/O through activities.', allowTypeImports: true },
  { name: 'drizzle-orm', message: 'Workflows do I/O through activities.', allowTypeImports: true },
];
const workflowPatterns = (depth) => [
  { group: ['node:*'], message: 'Node built-ins are not deterministic in workflows.' },
  {
    group: ['drizzle-orm/*', 'pg/*'],
    message: 'Workflows do I/O through activities.',
    allowTypeImports: true,
  },
  {
    regex: into(depth, ['activities', 'api', 'config', 'db', 'telemetry', 'worker']),
    message: 'Workflows reach this room through activities only (its types may be imported).',
    allowTypeImports: true,
  },
  zodSchemas(depth),
  notScriptsOrWeb(depth),
];

// The console runs in a browser and talks to the server over HTTP only: no Node built-ins, no
// zod (it would double the bundle), no server room; from schemas/ it takes types, and values
// only from the files without zod; from config/ only the duration parser.
const WEB_PATHS = [
  { name: 'zod', message: 'The API validates; the console shows its problems.' },
  ...NODE_BUILTINS.map((name) => ({ name, message: 'The console runs in a browser.' })),
];
const webPatterns = (depth) => [
  { group: ['node:*'], message: 'The console runs in a browser.' },
  {
    regex: into(depth, ['activities', 'api', 'codec', 'db', 'scripts', 'telemetry', 'worker', 'workflows']),
    message: 'The console reaches the server over HTTP (/v1) only; its types come from schemas/.',
  },
  {
    regex: into(depth, ['config'], ['config/duration']),
    message: 'Server configuration stays on the server; the console shares only config/duration.',
  },
  zodSchemas(depth),
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
  // The rooms. For a file, a later block's options of a rule replace an earlier one's, so each
  // room's block repeats what all server rooms share.
  ...SERVER_ROOMS.filter((name) => name !== 'api' && name !== 'workflows').flatMap((name) =>
    room(name, (depth) => ({
      'no-restricted-imports': ['error', { patterns: [notScriptsOrWeb(depth)] }],
      'no-restricted-syntax': requiresOfScriptsOrWeb(depth),
    })),
  ),
  ...room('workflows', (depth) => ({
    'no-restricted-imports': ['error', { paths: WORKFLOW_PATHS, patterns: workflowPatterns(depth) }],
    'no-restricted-syntax': requiresOfScriptsOrWeb(depth),
  })),
  {
    files: ['workflows/**/*.ts'],
    rules: {
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
  ...room('api', (depth) => ({
    'no-restricted-imports': [
      'error',
      {
        patterns: [
          {
            regex: into(depth, ['workflows'], WORKFLOW_CONTRACTS),
            message:
              'The API reaches workflows only through their contracts (workflows/case/messages, daily-rounds.messages, search-attributes, trace-propagation).',
          },
          notScriptsOrWeb(depth),
        ],
      },
    ],
    'no-restricted-syntax': requiresOfScriptsOrWeb(depth),
  })),
  ...room('web', (depth) => ({
    'no-restricted-imports': ['error', { paths: WEB_PATHS, patterns: webPatterns(depth) }],
  })),
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    files: [
      'scripts/ensure.js',
      'scripts/build.js',
      'scripts/tool.js',
      'jest.config.js',
      'config/fonts.js',
      '.dependency-cruiser.cjs',
    ],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { require: 'readonly', module: 'writable', process: 'readonly', __dirname: 'readonly' },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
