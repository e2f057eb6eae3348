import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

// A newcomer reads the README, docs/ and the folders' READMEs from their own clone: every relative link must lead to a
// file of the project (and, for a heading, to a heading there), and the project carries its own
// domain and API documents instead of pointing outside the repository.

const root = join(__dirname, '..', '..');
const docs = join(root, 'docs');

/** README.md, docs/*.md and every folder's README: the markdown a reader of the clone follows. */
function markdown(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name.startsWith('.') || ['node_modules', 'data', 'dist', 'coverage'].includes(name)) return [];
    if (statSync(path).isDirectory()) return markdown(path);
    return name.endsWith('.md') ? [path] : [];
  });
}
const files = markdown(root);

/** The text outside fenced code blocks and inline code, where a link is a link. */
const prose = (text: string) =>
  text.replace(/^```[\s\S]*?^```/gm, '').replace(/`[^`\n]*`/g, (code) => code.replace(/[[\]()]/g, ' '));

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function anchors(file: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const [, heading] of prose(readFileSync(file, 'utf8')).matchAll(/^#{1,6} +(.+?) *#*$/gm)) {
    const text = heading!.replace(/\[([^\]]*)\]\([^)]*\)/g, '$1');
    const base = text
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\p{M} _-]/gu, '')
      .replace(/ /g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

interface Link {
  from: string;
  target: string;
}
const links: Link[] = files.flatMap((file) =>
  [...prose(readFileSync(file, 'utf8')).matchAll(/\]\(([^)\s]+)(?: "[^"]*")?\)/g)]
    .map((m) => ({ from: relative(root, file), target: m[1]! }))
    .filter(({ target }) => !/^[a-z][a-z0-9+.-]*:/i.test(target)),
);

describe("links in README.md, docs/ and the folders' READMEs", () => {
  it('are found (the test reads what it checks)', () => {
    expect(files).toEqual(expect.arrayContaining([join(root, 'README.md'), join(docs, 'api.md')]));
    expect(links.length).toBeGreaterThan(20);
    expect(links.map((link) => link.target)).toEqual(
      expect.arrayContaining(['docs/domain.md', 'docs/api.md']),
    );
  });

  it('point to files of the project, none outside it (no ../shared/…)', () => {
    const dead = links.filter(({ from, target }) => {
      const path = target.split('#')[0]!;
      if (path === '') return false;
      const resolved = join(dirname(join(root, from)), decodeURIComponent(path));
      return !resolved.startsWith(root + '/') || !existsSync(resolved);
    });
    expect(dead).toEqual([]);
  });

  it('to a heading of a markdown file, name a heading it has', () => {
    const broken = links.filter(({ from, target }) => {
      const [path, anchor] = target.split('#');
      if (!anchor) return false;
      const file = path ? join(dirname(join(root, from)), decodeURIComponent(path)) : join(root, from);
      if (!file.endsWith('.md') || !existsSync(file) || statSync(file).isDirectory()) return false;
      return !anchors(file).has(decodeURIComponent(anchor));
    });
    expect(broken).toEqual([]);
  });
});

describe('the project carries its own domain and API documents', () => {
  const domain = readFileSync(join(docs, 'domain.md'), 'utf8');
  const api = readFileSync(join(docs, 'api.md'), 'utf8');

  it('docs/domain.md states every rule R1–R32, each once as a heading of its paragraph', () => {
    for (let n = 1; n <= 32; n += 1) {
      expect(domain.match(new RegExp(`^\\*\\*R${n} — `, 'gm'))?.length ?? 0).toBe(1);
    }
  });

  it('docs/api.md lists every route group of the API, and what of v1.2 is not built yet', () => {
    for (const path of [
      '/v1/auth/login',
      '/v1/auth/logout',
      '/v1/auth/password',
      '/v1/cases',
      '/v1/cases/:id/events',
      '/v1/cases/:id/timeline',
      '/v1/tasks',
      '/v1/notifications',
      '/v1/supervisor/stalled',
      '/v1/reports/monthly',
      '/v1/imports',
      '/v1/audit',
      '/codec/decode',
      '/openapi.json',
    ]) {
      expect(api).toContain(path);
    }
    expect(api).toMatch(/^## Not yet built$/m);
  });
});

describe('the Node.js version', () => {
  it("README's quick start asks for the lowest version package.json's engines allows", () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { engines: { node: string } };
    const lowest = /(\d+\.\d+)\.\d+/.exec(pkg.engines.node)?.[1];
    expect(lowest).toBe('20.19');
    const quickStart = /^## Quick start\n([\s\S]*?)^## /m.exec(
      readFileSync(join(root, 'README.md'), 'utf8'),
    )?.[1];
    expect(quickStart).toContain(`Node.js ${lowest}+`);
  });
});
