import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { REFUSAL_CODE_LIST, REFUSAL_CODES } from '../../schemas/refusal-codes';
import { en } from '../../web/src/i18n/en';
import { setLang } from '../../web/src/i18n';
import { fieldMessage, problemMessage } from '../../web/src/i18n/problems';
import { zhCN } from '../../web/src/i18n/zh-CN';

// The console shows the API's refusals in the user's language by their stable `code` (api.md
// "Refusals carry a code"), never by matching English sentences. The codes the source sends are
// read from it, so a refusal with a code missing from the list, the catalogues or the README fails
// here rather than reaching a caseworker in English.

const root = join(__dirname, '..', '..');
const read = (path: string) => readFileSync(join(root, path), 'utf8');
const sources = (dir: string): string[] =>
  readdirSync(join(root, dir), { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? sources(join(dir, entry.name))
      : entry.name.endsWith('.ts')
        ? [join(dir, entry.name)]
        : [],
  );

/** Every code the API and the workflow name in their source. */
function codesInSource(): string[] {
  const found = new Set<string>();
  for (const file of [...sources('api'), ...sources('workflows')]) {
    const text = read(file);
    for (const m of text.matchAll(/HttpProblem\(\s*\d{3},\s*'([a-z_]+)'/g)) found.add(m[1]!);
    for (const m of text.matchAll(/\bproblem\(\s*\d{3},\s*'([a-z_]+)'/g)) found.add(m[1]!);
    for (const m of text.matchAll(/\bno\(\s*'([a-z_]+)'/g)) found.add(m[1]!);
    for (const m of text.matchAll(/\bcode: '([a-z_]+)'/g)) found.add(m[1]!);
    for (const m of text.matchAll(/:\s*'([a-z_]+)',?$/gm)) if (m[1]! in REFUSAL_CODES) found.add(m[1]!);
  }
  return [...found].sort();
}

describe('the console’s words for the API’s refusal codes', () => {
  beforeAll(() => setLang('zh-CN'));
  afterAll(() => setLang('zh-CN'));

  it('both catalogues have every message, and Chinese is not left in English', () => {
    expect(Object.keys(en).sort()).toEqual(Object.keys(zhCN).sort());
    const untranslated = Object.entries(zhCN)
      .filter(([key]) => key !== 'app.language')
      .filter(([, text]) => /^[\x20-\x7e]+$/.test(text) && !/^\{/.test(text));
    expect(untranslated).toEqual([]);
  });

  it('every code the API and the workflow send is in the one list', () => {
    const sent = codesInSource();
    expect(sent.length).toBeGreaterThan(30);
    expect(sent.filter((code) => !(code in REFUSAL_CODES))).toEqual([]);
    expect(REFUSAL_CODE_LIST.every((code) => /^[a-z]+(_[a-z]+)*$/.test(code))).toBe(true);
  });

  it('every code in the list reads in Chinese and in English, without the English original', () => {
    const missing: string[] = [];
    for (const code of REFUSAL_CODE_LIST) {
      setLang('zh-CN');
      const zh = problemMessage({ status: 409, code, detail: 'english words' });
      setLang('en');
      const english = problemMessage({ status: 409, code, detail: 'english words' });
      if (!/[\u4e00-\u9fff]/.test(zh.message) || zh.original !== undefined) missing.push(`zh-CN ${code}`);
      if (!/^[A-Z]/.test(english.message) || english.original !== undefined) missing.push(`en ${code}`);
    }
    setLang('zh-CN');
    expect(missing).toEqual([]);
  });

  it('the console reads the code, not the English detail', () => {
    expect(problemMessage({ status: 409, code: 'case_closed', detail: 'anything at all' }).message).toBe(
      '案件已结案。',
    );
    expect(
      fieldMessage({ status: 422, code: 'occurred_at_out_of_range' }, 'occurredAt is not a real instant'),
    ).toMatch(/时间超出允许范围/);
  });

  it('an unknown code shows its status in Chinese with the original beside it', () => {
    expect(problemMessage({ status: 422, code: 'something_new', detail: 'something new' })).toEqual({
      message: '请检查填写的内容。',
      original: '原文：something new',
    });
    expect(problemMessage({ status: 0 }).message).toMatch(/无法连接服务器/);
  });

  it('the README documents every code', () => {
    const readme = read('README.md');
    const documented = [...readme.matchAll(/^\| `([a-z_]+)` +\|/gm)].map((m) => m[1]!);
    expect(documented.sort()).toEqual([...REFUSAL_CODE_LIST].sort());
  });
});
