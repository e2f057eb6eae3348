import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { PHASES } from '../../schemas/codes';
import { en } from '../../web/src/i18n/en';
import { setLang } from '../../web/src/i18n';
import { problemMessage } from '../../web/src/i18n/problems';
import { zhCN } from '../../web/src/i18n/zh-CN';

// The console shows the API's problem details in the user's language (issue: "errors shown in the
// user's language"). The details are read from the source, so a new refusal without its Chinese
// words fails here rather than reaching a caseworker in English.

const root = join(__dirname, '..', '..');
const read = (path: string) => readFileSync(join(root, path), 'utf8');
const apiFiles = (dir: string): string[] =>
  readdirSync(join(root, dir), { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? apiFiles(join(dir, entry.name))
      : entry.name.endsWith('.ts')
        ? [join(dir, entry.name)]
        : [],
  );

/** Refusals a user can meet in a form: the workflow's, and the API's 401, 409 and 422 answers. */
function userFacingDetails(): { status: number; detail: string }[] {
  const state = read('workflows/case-state.ts');
  const refusals = [...state.matchAll(/(?:return|\?)\s*'([^']+)'\s*(?::\s*null)?;/g)].map((m) => m[1]!);
  const phaseWords = [...state.matchAll(/^\s+\w+: '([^']+)',$/gm)]
    .map((m) => m[1]!)
    .filter((words) => words.startsWith('the '));
  const fromPhases = phaseWords.flatMap((words) => [
    `home_visit cannot be recorded now: ${words}`,
    `a transfer cannot start now: ${words}`,
  ]);
  const api = apiFiles('api')
    .flatMap((file) => [...read(file).matchAll(/HttpProblem\((401|409|422),\s*'([^']+)'/g)])
    .map((m) => ({ status: Number(m[1]), detail: m[2]! }))
    // The console makes a new key for a changed form, so it never sends a key with another body.
    .filter(({ detail }) => !detail.includes('different request body'));
  return [
    ...[...refusals, ...fromPhases, 'the case has no task t9', 'task t3 is done'].map((detail) => ({
      status: 409,
      detail,
    })),
    ...api,
  ];
}

describe('the console’s words for the API’s problems', () => {
  beforeAll(() => setLang('zh-CN'));

  it('both catalogues have every message, and Chinese is not left in English', () => {
    expect(Object.keys(en).sort()).toEqual(Object.keys(zhCN).sort());
    const untranslated = Object.entries(zhCN)
      .filter(([key]) => key !== 'app.language')
      .filter(([, text]) => /^[\x20-\x7e]+$/.test(text) && !/^\{/.test(text));
    expect(untranslated).toEqual([]);
  });

  it('every refusal a user can meet reads in Chinese, without the English original', () => {
    const details = userFacingDetails();
    expect(details.length).toBeGreaterThan(20);
    const untranslated = details
      .map((problem) => ({ ...problem, shown: problemMessage(problem) }))
      .filter(({ shown }) => shown.original !== undefined || !/[\u4e00-\u9fff]/.test(shown.message));
    expect(untranslated).toEqual([]);
  });

  it('a phase named in a refusal is translated too', () => {
    expect(PHASES.length).toBe(7);
    expect(
      problemMessage({
        status: 409,
        detail: 'home_visit cannot be recorded now: the case is being transferred',
      }).message,
    ).toBe('现在不能记录“家访”：案件正在移交');
  });

  it('an unknown problem shows its status in Chinese with the original beside it', () => {
    expect(problemMessage({ status: 422, detail: 'something new' })).toEqual({
      message: '请检查填写的内容。',
      original: '原文：something new',
    });
    expect(problemMessage({ status: 0 }).message).toMatch(/无法连接服务器/);
  });
});
