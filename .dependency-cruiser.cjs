// The import graph's rules (ARCHITECTURE.md "The rooms"), checked by `npm run check:imports` in
// `npm test`: no import circle, and no arrow that runs up from a room to one built on it. ESLint
// (eslint.config.mjs) holds the same rooms file by file; this sees the whole graph, types
// included, since a circle of types is still a circle for the reader.

/** A path in one of the top-level folders. */
const inRooms = (...rooms) => `^(${rooms.join('|')})/`;
// The schema files without zod: plain data and pure helpers that workflows and the console may
// import as values (the same list as PLAIN_SCHEMAS in eslint.config.mjs).
const PLAIN_SCHEMAS = `^schemas/(${['access', 'catalogue', 'codes', 'due', 'id-number', 'refusal-codes', 'report-figures', 'services', 'time-bounds'].join('|')})\\.ts$`;
const SERVER = ['activities', 'api', 'codec', 'config', 'db', 'schemas', 'telemetry', 'worker', 'workflows'];

/** `name` imports nothing from `rooms`. */
const notInto = (name, rooms, comment) => ({
  name: `${name}-not-up`,
  severity: 'error',
  comment,
  from: { path: inRooms(name) },
  to: { path: inRooms(...rooms) },
});

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Modules that import each other can only be read, tested and changed together.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'server-not-scripts',
      severity: 'error',
      comment: 'Server code never imports the tools (scripts/): what both need lives in config/ or schemas/.',
      from: { path: inRooms(...SERVER) },
      to: { path: inRooms('scripts') },
    },
    {
      name: 'server-not-web',
      severity: 'error',
      comment:
        "Server code never imports the console (web/). One known exception: the printed forms and spreadsheets name codes with the console's Chinese catalogue (plain data, no imports), so paper and screen say the same.",
      from: { path: inRooms(...SERVER), pathNot: '^api/files/labels\\.ts$' },
      to: { path: inRooms('web') },
    },
    {
      name: 'server-not-web-but-the-words',
      severity: 'error',
      comment: "The one server file that reads the console's words reads nothing else of web/.",
      from: { path: '^api/files/labels\\.ts$' },
      to: { path: inRooms('web'), pathNot: '^web/src/i18n/zh-CN\\.ts$' },
    },
    {
      name: 'only-tests-import-tests',
      severity: 'error',
      comment: 'test/ and bench/ sit on top: nothing the product runs imports them.',
      from: { pathNot: inRooms('test', 'bench') },
      to: { path: inRooms('test', 'bench') },
    },
    notInto(
      'schemas',
      ['activities', 'api', 'codec', 'config', 'db', 'telemetry', 'worker', 'workflows'],
      'The schemas are the floor: everything may read them, they read nothing of the rest.',
    ),
    notInto(
      'codec',
      ['activities', 'api', 'config', 'db', 'schemas', 'telemetry', 'worker', 'workflows'],
      'The payload codec stands alone; the worker and the clients plug it in.',
    ),
    notInto(
      'config',
      ['activities', 'api', 'db', 'telemetry', 'worker', 'workflows'],
      'Configuration is parsed before anything runs; it depends on nothing that runs.',
    ),
    notInto(
      'telemetry',
      ['activities', 'api', 'db', 'worker'],
      'Telemetry is plugged in by the two wiring points; it knows neither.',
    ),
    notInto(
      'db',
      ['activities', 'api', 'telemetry', 'worker'],
      'Repositories serve the API and the activities; they know neither.',
    ),
    notInto(
      'activities',
      ['api', 'worker'],
      'Activities are built by the worker from their dependencies; they know neither the API nor the worker.',
    ),
    notInto(
      'workflows',
      ['api', 'worker'],
      'Workflows are replayed code: they know neither the API nor the worker.',
    ),
    notInto(
      'api',
      ['activities', 'worker'],
      'The API reaches the worker only through Temporal (api/engine.ts).',
    ),
    notInto('worker', ['api'], 'The worker and the API are two processes; what both need lives below them.'),
    {
      name: 'workflows-deterministic',
      severity: 'error',
      comment:
        'Workflow code is replayed: no Node built-ins, no I/O and no zod values, at any depth of workflows/; of the rooms that do I/O, types only.',
      from: { path: inRooms('workflows') },
      to: {
        dependencyTypesNot: ['type-only'],
        path: ['(^|/)node_modules/(zod|pg|drizzle-orm)/', inRooms('activities', 'config', 'db', 'telemetry')],
      },
    },
    {
      name: 'workflows-deterministic-node',
      severity: 'error',
      comment: 'No Node built-in in workflows/, at any depth.',
      from: { path: inRooms('workflows') },
      to: { dependencyTypes: ['core'], dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'api-through-workflow-contracts',
      severity: 'error',
      comment:
        'The API starts, commands and reads workflows through their contracts only, never the implementation.',
      from: { path: inRooms('api') },
      to: {
        path: inRooms('workflows'),
        pathNot: [
          '^workflows/case/messages\\.ts$',
          '^workflows/(daily-rounds\\.messages|search-attributes|trace-propagation)\\.ts$',
        ],
      },
    },
    {
      name: 'data-takes-workflow-types',
      severity: 'error',
      comment:
        "db/ and activities/ take only the contracts' types from workflows/: workflow code runs in the workflow sandbox.",
      from: { path: inRooms('db', 'activities') },
      to: { path: inRooms('workflows'), dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'web-over-http',
      severity: 'error',
      comment:
        'The console runs in a browser and reaches the server over HTTP only: of the rest, schemas/ and the duration parser.',
      from: { path: inRooms('web') },
      to: {
        path: inRooms(...SERVER, 'scripts', 'bench', 'test'),
        pathNot: ['^schemas/', '^config/duration\\.ts$'],
      },
    },
    {
      name: 'web-no-node',
      severity: 'error',
      comment: 'The console runs in a browser: no Node built-in.',
      from: { path: inRooms('web') },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'web-values-from-plain-schemas',
      severity: 'error',
      comment:
        "zod would double the console's bundle: from a file of zod schemas the console takes types only.",
      from: { path: inRooms('web') },
      to: { path: '^schemas/', pathNot: PLAIN_SCHEMAS, dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'workflows-values-from-plain-schemas',
      severity: 'error',
      comment: 'Workflows receive parsed input: from a file of zod schemas they take types only.',
      from: { path: inRooms('workflows') },
      to: { path: '^schemas/', pathNot: PLAIN_SCHEMAS, dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'plain-schemas-stay-plain',
      severity: 'error',
      comment:
        'The schema files workflows and the console take values from hold no zod, not even through another file.',
      from: { path: PLAIN_SCHEMAS },
      to: {
        path: ['(^|/)node_modules/zod/', '^schemas/'],
        pathNot: PLAIN_SCHEMAS,
        dependencyTypesNot: ['type-only'],
      },
    },
  ],
  options: {
    exclude: { path: ['^test/fixtures/', '(^|/)(dist|data|coverage)/'] },
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      extensions: ['.ts', '.tsx', '.js', '.cjs', '.mjs', '.json'],
    },
  },
};
