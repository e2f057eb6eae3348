import { execFile } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { promisify } from 'node:util';

// The rooms of ARCHITECTURE.md hold because lint and the import graph check fail on a file that
// breaks them. Each case here writes such a file into the room (and a clean one beside it), runs
// ESLint's Node API on the project's own config and expects the rule's error on every bad line
// and nothing on the clean file. ESLint loads eslint.config.mjs with import(), which Jest's module
// loader refuses without --experimental-vm-modules: the API runs in a child Node.

const run = promisify(execFile);
const root = join(__dirname, '..', '..');

/** A line of a probe file and the words of the error it must raise (null: none). */
type Line = [code: string, error: string | null];
interface Probe {
  file: string;
  lines: Line[];
}

const NODE = 'Node built-ins are not deterministic in workflows.';
const IO = 'Workflows do I/O through activities.';
const ROOM = 'Workflows reach this room through activities only';
const ZOD_SCHEMA = 'A file of zod schemas: import its types only';
const CONTRACT = 'The API reaches workflows only through their contracts';
const SERVER = 'Server code never imports scripts/ or web/';

const rules: Record<string, { bad: Probe[]; clean: Probe }> = {
  'workflows/ at any depth: no Node built-ins, zod, pg, drizzle-orm, nor values of db/, api/, activities/': {
    bad: [
      {
        file: 'workflows/case/__lint_probe_bad__.ts',
        lines: [
          ["import { readFileSync } from 'node:fs';", NODE],
          ["import { createHash } from 'crypto';", NODE],
          ["import { z } from 'zod';", 'Validate at the API; workflows receive parsed input.'],
          ["import { Pool } from 'pg';", IO],
          ["import { sql } from 'drizzle-orm';", IO],
          ["import { ensurePartitions } from '../../db/partitions';", ROOM],
          ["import { buildApp } from '../../api/app';", ROOM],
          ["import { createActivities } from '../../activities';", ROOM],
          ["import { createRoundActivities } from '../../activities/daily-rounds';", ROOM],
          ["import { loadConfig } from '../../config/config';", ROOM],
          ["import { CreateCaseBody } from '../../schemas/case';", ZOD_SCHEMA],
          [
            'export const probe = [readFileSync, createHash, z, Pool, sql, ensurePartitions, buildApp, createActivities, createRoundActivities, loadConfig, CreateCaseBody];',
            null,
          ],
        ],
      },
      {
        file: 'workflows/__lint_probe_bad__.ts',
        lines: [
          ["import { readFileSync } from 'fs';", NODE],
          ["import { ensurePartitions } from '../db/partitions';", ROOM],
          ["import { seed } from '../scripts/seed';", SERVER],
          ['export const probe = [readFileSync, ensurePartitions, seed];', null],
        ],
      },
    ],
    clean: {
      file: 'workflows/case/__lint_probe_clean__.ts',
      lines: [
        ["import { defineUpdate } from '@temporalio/workflow';", null],
        ["import type { z } from 'zod';", null],
        ["import type { Db } from '../../db/client';", null],
        ["import type { Policy } from '../../config/policy';", null],
        ["import type { CaseActivities } from '../../activities';", null],
        ["import type { CreateCaseBody } from '../../schemas/case';", null],
        ["import { UPDATES } from '../../schemas/catalogue';", null],
        ["import { instantOf } from '../../schemas/time-bounds';", null],
        ["import { iso } from './core';", null],
        ['export const probe = [defineUpdate, UPDATES, instantOf, iso];', null],
        ['export type Probe = z.ZodType | Db | Policy | CaseActivities | CreateCaseBody;', null],
      ],
    },
  },
  'api/ reaches workflows only through the contracts': {
    bad: [
      {
        file: 'api/routes/cases/__lint_probe_bad__.ts',
        lines: [
          ["import { caseFollowUp } from '../../../workflows';", CONTRACT],
          ["import { caseFollowUp as run } from '../../../workflows/case/workflow';", CONTRACT],
          ["import type { CaseData } from '../../../workflows/case/state';", CONTRACT],
          ["import { iso } from '../../../workflows/case/core';", CONTRACT],
          ['export const probe = [caseFollowUp, run, iso];', null],
          ['export type Probe = CaseData;', null],
        ],
      },
      {
        file: 'api/__lint_probe_bad__.ts',
        lines: [
          ["import { dailyRounds } from '../workflows/daily-rounds';", CONTRACT],
          ['export const probe = [dailyRounds];', null],
        ],
      },
    ],
    clean: {
      file: 'api/routes/cases/__lint_probe_clean__.ts',
      lines: [
        ["import { caseUpdates } from '../../../workflows/case/messages';", null],
        ["import type { RoundResult } from '../../../workflows/daily-rounds.messages';", null],
        ["import { SEARCH_ATTRIBUTES } from '../../../workflows/search-attributes';", null],
        ["import type { WorkflowSpan } from '../../../workflows/trace-propagation';", null],
        ['export const probe = [caseUpdates, SEARCH_ATTRIBUTES];', null],
        ['export type Probe = RoundResult | WorkflowSpan;', null],
      ],
    },
  },
  'server code never imports scripts/ or web/, require() and import() included': {
    bad: [
      {
        file: 'api/files/__lint_probe_bad__.ts',
        lines: [
          ["import { CJK_FONT } from '../../scripts/ensure.js';", SERVER],
          ["import '../../web/src/styles.css';", SERVER],
          ["const ensure = require('../../scripts/ensure.js') as unknown;", SERVER],
          ["export const words = () => import('../../web/src/i18n/en');", SERVER],
          ['export const probe = [CJK_FONT, ensure];', null],
        ],
      },
      {
        file: 'db/__lint_probe_bad__.ts',
        lines: [
          ["import { seed } from '../scripts/seed';", SERVER],
          ["import { useResource } from '../web/src/ui';", SERVER],
          ['export const probe = [seed, useResource];', null],
        ],
      },
    ],
    clean: {
      file: 'api/files/__lint_probe_clean__.ts',
      lines: [
        ["import { DEFAULT_OFFLINE_KEEP_HOURS } from '../../config/config';", null],
        ["import { PHASES } from '../../schemas/codes';", null],
        ['export const probe = [DEFAULT_OFFLINE_KEEP_HOURS, PHASES];', null],
      ],
    },
  },
  'web/ takes types from the zod schemas, values only from the plain ones, and nothing of the server': {
    bad: [
      {
        file: 'web/src/pages/__lint_probe_bad__.ts',
        lines: [
          ["import { CreateCaseBody } from '../../../schemas/case';", ZOD_SCHEMA],
          ["import { z } from 'zod';", 'The API validates; the console shows its problems.'],
          ["import { readFileSync } from 'node:fs';", 'The console runs in a browser.'],
          [
            "import { loadConfig } from '../../../config/config';",
            'Server configuration stays on the server',
          ],
          ["import { toCaseView } from '../../../api/views';", 'The console reaches the server over HTTP'],
          [
            "import type { CaseView } from '../../../workflows/case/messages';",
            'The console reaches the server over HTTP',
          ],
          ['export const probe = [CreateCaseBody, z, readFileSync, loadConfig, toCaseView];', null],
          ['export type Probe = CaseView;', null],
        ],
      },
    ],
    clean: {
      file: 'web/src/pages/__lint_probe_clean__.ts',
      lines: [
        ["import type { CreateCaseBody } from '../../../schemas/case';", null],
        ["import { PHASES } from '../../../schemas/codes';", null],
        ["import { REFUSAL_CODES } from '../../../schemas/refusal-codes';", null],
        ["import { parseDuration } from '../../../config/duration';", null],
        ["import { ApiError } from '../api';", null],
        ['export const probe = [PHASES, REFUSAL_CODES, parseDuration, ApiError];', null],
        ['export type Probe = CreateCaseBody;', null],
      ],
    },
  },
};

interface Message {
  line: number;
  ruleId: string | null;
  message: string;
}

const LINT = `
const { ESLint } = require('eslint');
const [cwd, ...files] = process.argv.slice(1);
new ESLint({ cwd })
  .lintFiles(files)
  .then((results) => {
    const out = {};
    for (const r of results) out[r.filePath] = r.messages.map(({ line, ruleId, message }) => ({ line, ruleId, message }));
    process.stdout.write(JSON.stringify(out));
  })
  .catch((error) => {
    console.error(error);
    process.exit(1);
  });
`;

const probes = Object.values(rules).flatMap(({ bad, clean }) => [...bad, clean]);
let found: Record<string, Message[]>;

beforeAll(async () => {
  try {
    for (const { file, lines } of probes) {
      mkdirSync(dirname(join(root, file)), { recursive: true });
      writeFileSync(join(root, file), lines.map(([code]) => code).join('\n') + '\n');
    }
    const { stdout } = await run(process.execPath, ['-e', LINT, root, ...probes.map(({ file }) => file)], {
      cwd: root,
      maxBuffer: 16 * 1024 * 1024,
    });
    const byPath = JSON.parse(stdout) as Record<string, Message[]>;
    found = Object.fromEntries(
      Object.entries(byPath).map(([path, messages]) => [relative(root, path), messages]),
    );
  } finally {
    for (const { file } of probes) rmSync(join(root, file), { force: true });
  }
}, 180_000);

describe.each(Object.entries(rules))('%s', (_rule, { bad, clean }) => {
  it.each(bad.map((probe) => [probe.file, probe] as const))(
    '%s breaks the room: lint fails on every line that breaks it',
    (file, { lines }) => {
      const errors = found[file]!;
      lines.forEach(([code, error], index) => {
        const onLine = errors.filter((m) => m.line === index + 1).map((m) => m.message);
        if (error === null) expect({ code, errors: onLine }).toEqual({ code, errors: [] });
        else
          expect({ code, errors: onLine }).toEqual({
            code,
            errors: expect.arrayContaining([expect.stringContaining(error)]),
          });
      });
    },
  );

  it(`a file in ${dirname(clean.file)}/ that keeps to the room passes lint`, () => {
    expect(found[clean.file]).toEqual([]);
  });
});

describe('the import graph check (npm run check:imports)', () => {
  const graphProbes: Probe[] = [
    {
      file: 'db/__graph_probe_a__.ts',
      lines: [
        ["import { b } from './__graph_probe_b__';", null],
        ['export const a = () => b;', null],
      ],
    },
    {
      file: 'db/__graph_probe_b__.ts',
      lines: [
        ["import { a } from './__graph_probe_a__';", null],
        ["import { buildApp } from '../api/app';", null],
        ['export const b = () => [a, buildApp];', null],
      ],
    },
    {
      file: 'db/__graph_probe_clean__.ts',
      lines: [
        ["import { PHASES } from '../schemas/codes';", null],
        ['export const c = PHASES;', null],
      ],
    },
  ];

  it('fails on an import circle and on an arrow up (db/ importing api/), and passes a module that keeps to its room', async () => {
    let stdout: string;
    try {
      for (const { file, lines } of graphProbes)
        writeFileSync(join(root, file), lines.map(([code]) => code).join('\n') + '\n');
      stdout = await run(
        join(root, 'node_modules', '.bin', 'depcruise'),
        [
          '--config',
          '.dependency-cruiser.cjs',
          '--output-type',
          'json',
          ...graphProbes.map(({ file }) => file),
        ],
        { cwd: root, maxBuffer: 64 * 1024 * 1024 },
      ).then(
        ({ stdout }) => stdout,
        (error: { stdout: string }) => error.stdout,
      );
    } finally {
      for (const { file } of graphProbes) rmSync(join(root, file), { force: true });
    }
    const { summary } = JSON.parse(stdout) as {
      summary: { violations: { from: string; to: string; rule: { name: string } }[] };
    };
    const ours = summary.violations.filter((v) => v.from.includes('__graph_probe_'));
    expect(ours.filter((v) => v.rule.name === 'db-not-up').map(({ from, to }) => `${from} → ${to}`)).toEqual([
      'db/__graph_probe_b__.ts → api/app.ts',
    ]);
    expect(
      ours.filter((v) => v.rule.name === 'no-circular').map(({ from, to }) => [from, to].sort()),
    ).toContainEqual(['db/__graph_probe_a__.ts', 'db/__graph_probe_b__.ts']);
    expect(ours.filter((v) => v.from.includes('clean'))).toEqual([]);
  }, 120_000);
});
