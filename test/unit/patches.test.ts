import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as patches from '../../workflows/patches';
import { PATCHES } from '../../workflows/patches';

// workflows/patches.ts is the one list of the patch ids running cases carry in their histories
// (workflows/README.md, "Changing the workflow safely"): every patched() names one of its
// constants, and each constant is listed once with its date and rule.

const root = join(__dirname, '..', '..');
const sources = (dir: string): string[] =>
  readdirSync(join(root, dir), { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? sources(join(dir, entry.name))
      : entry.name.endsWith('.ts')
        ? [join(dir, entry.name)]
        : [],
  );

const constants = Object.entries(patches).flatMap(([name, value]) =>
  typeof value === 'string' ? [[name, value] as const] : [],
);

describe('workflows/patches.ts', () => {
  it('lists every patch constant once, with the day it was added and its rule', () => {
    expect(constants.length).toBeGreaterThanOrEqual(12);
    expect(PATCHES.map((patch) => patch.id).sort()).toEqual(constants.map(([, id]) => id).sort());
    for (const patch of PATCHES) {
      expect(patch.id).toMatch(/^[a-z]+(-[a-z]+)+$/);
      expect(patch.added).toMatch(/^20\d\d-\d\d-\d\d$/);
      expect(patch.rule).toMatch(/^(R\d+|engine|api\.md .+)$/);
    }
    expect([...PATCHES].sort((a, b) => a.added.localeCompare(b.added))).toEqual(PATCHES);
  });

  it('is where every patched() in workflows/ takes its id from: no literal id, no unlisted constant', () => {
    const names = new Set(constants.map(([name]) => name));
    const calls = sources('workflows')
      .filter((file) => !file.endsWith('patches.ts'))
      .flatMap((file) => [...readFileSync(join(root, file), 'utf8').matchAll(/\bpatched\(([^)]*)\)/g)])
      .map((m) => m[1]!.trim())
      .filter((arg) => arg !== '' && !/^id\b/.test(arg)); // CaseCore.patched(id) passes one on
    expect(calls.length).toBeGreaterThanOrEqual(12);
    expect(calls.filter((arg) => !names.has(arg))).toEqual([]);
    expect([...names].filter((name) => !calls.includes(name))).toEqual([]);
  });
});
