import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { DEMO_PASSWORD } from '../../scripts/demo-data';
import { handover } from '../helpers/fixtures';
import { eventually, lifecycle } from '../helpers/lifecycle';
import { startTestSystem, type POLICIES, type TestSystem } from '../helpers/system';

// The web console in a real browser: Debian's Chromium (installed by `node scripts/ensure.js
// --browser`, which `npm test` runs) driven by playwright-core, against the real API, worker,
// Temporal server and PostgreSQL of startTestSystem, listening on a port of its own.

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { CHROMIUM } = require('../../scripts/ensure.js') as { CHROMIUM: string };

/**
 * For a journey whose screens are each checked in two languages, at 320 px and with large text
 * (issue 18, `expectUsableByEveryone`): more than Jest's default minute on a shared machine.
 */
export const JOURNEY_TIMEOUT = 180_000;

export const SIZES = {
  narrow: { width: 320, height: 640 },
  phone: { width: 390, height: 844 },
  desktop: { width: 1280, height: 860 },
} as const;
export type Size = keyof typeof SIZES;

export interface ConsoleRun {
  system: TestSystem;
  url: string;
  browser: Browser;
  close(): Promise<void>;
}

export async function startConsole(policy: keyof typeof POLICIES = 'standard'): Promise<ConsoleRun> {
  const system = await startTestSystem({ policy });
  const url = await system.app.listen({ port: 0, host: '127.0.0.1' });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--lang=zh-CN',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--disable-background-networking',
    ],
  });
  return {
    system,
    url,
    browser,
    async close() {
      await browser.close();
      await system.close();
    },
  };
}

/**
 * A fresh browser profile at the given size, in Chinese as the users' phones are (or the browser
 * `locale` given), logged in as `username`. The console starts in Chinese whatever the browser's.
 */
export async function logIn(run: ConsoleRun, size: Size, username: string, locale = 'zh-CN'): Promise<Page> {
  const context = await run.browser.newContext({
    viewport: SIZES[size],
    locale,
    timezoneId: 'Asia/Shanghai',
  });
  context.setDefaultTimeout(15_000);
  const page = await context.newPage();
  page.on('dialog', (dialog) => void dialog.accept());
  await page.goto(run.url);
  await page.getByLabel('用户名').fill(username);
  await page.getByLabel('密码').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: '登录' }).click();
  await page.getByRole('button', { name: '退出登录' }).waitFor();
  return page;
}

/**
 * Sets a date field of the console (year, month, day, hour and minute, each a select; issue 18)
 * to the wall-clock text "2026-12-02T09:30" (or "2026-12" for a month), as a user picks it.
 */
export async function pickWhen(where: Page | Locator, name: string | RegExp, value: string): Promise<void> {
  const group = where.getByRole('group', { name });
  const parts = value.split(/[-T:]/).map((part) => String(Number(part)));
  for (const [i, part] of parts.entries()) await group.getByRole('combobox').nth(i).selectOption(part);
}

/** The page fits the screen: nothing to scroll sideways (issue: a 390-px phone). */
export async function horizontalOverflow(page: Page): Promise<number> {
  return page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');
}

/**
 * Each role's main screen, kept in data/screenshots/ on every run; `UPDATE_SCREENSHOTS=1` also
 * writes the ones the README shows, in docs/screenshots/.
 */
export async function screenshot(page: Page, name: string): Promise<void> {
  const root = join(__dirname, '..', '..');
  const dirs = [join(root, 'data', 'screenshots')];
  if (process.env.UPDATE_SCREENSHOTS === '1') dirs.push(join(root, 'docs', 'screenshots'));
  for (const dir of dirs) {
    mkdirSync(dir, { recursive: true });
    await page.screenshot({ path: join(dir, `${name}.png`), fullPage: true });
  }
}

/** A handover for a person of this name (each call a new ID number), to open through the API. */
export const named = (name: string) => ({ person: { ...handover().person, name } });

/** Opened and released by the liaison through the API, at `occurredAt` (default: now). */
export async function releasedCase(run: ConsoleRun, name: string, occurredAt?: string): Promise<string> {
  const steps = lifecycle(run.system);
  const id = await steps.open(named(name));
  await steps.expectRecorded(id, 'liaison', { type: 'released', ...(occurredAt ? { occurredAt } : {}) });
  return id;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const AXE_SOURCE = (require('axe-core') as { source: string }).source;

interface AxeViolation {
  id: string;
  impact?: string | null;
  help: string;
  nodes: { target: unknown[] }[];
}

/**
 * axe-core's serious and critical findings on the page as it is now, one readable line each
 * (rule, element, what to do). Injected through DevTools, so the console's CSP stays as it is.
 */
export async function axeFindings(page: Page): Promise<string[]> {
  if (!(await page.evaluate<boolean>('typeof window.axe === "object"'))) await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate<AxeViolation[]>(
    'axe.run(document, { resultTypes: ["violations"] }).then((r) => r.violations)',
  );
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .flatMap((v) => v.nodes.map((n) => `${v.impact} ${v.id} at ${JSON.stringify(n.target)}: ${v.help}`));
}

/**
 * Waits until `expression` is true in the page. Not `page.waitForFunction`: once its first check
 * fails it polls by compiling the expression in the page, which the console's CSP (no
 * 'unsafe-eval') refuses, so it failed only when the page was slow.
 */
export async function until(page: Page, expression: string, timeoutMs = 15_000): Promise<void> {
  await eventually(async () => {
    if (!(await page.evaluate<boolean>(expression))) throw new Error(`still false: ${expression}`);
  }, timeoutMs);
}

/** The console's language button: Chinese ⇄ English, in place (the screen and its form stay). */
export async function switchLanguage(page: Page): Promise<void> {
  const before = await page.evaluate<string>('document.documentElement.lang');
  await page.getByRole('button', { name: before === 'en' ? 'Switch to Chinese' : '切换到英文' }).click();
  await until(page, `document.documentElement.lang !== ${JSON.stringify(before)}`);
}

/**
 * Where the screen breaks for someone on a small phone or with large text: sideways scroll, and
 * controls pushed off the side or covered (each send button must take a tap at its centre).
 */
async function layoutFindings(page: Page, where: string): Promise<string[]> {
  const found = await page.evaluate<string[]>(`(() => {
    const out = [];
    const root = document.documentElement;
    const overflow = root.scrollWidth - root.clientWidth;
    const name = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (el.classList.length ? '.' + [...el.classList].join('.') : '') + ' "' + (el.textContent || el.getAttribute('aria-label') || '').trim().slice(0, 30) + '"';
    if (overflow > 0) {
      // The innermost elements that stick out say where the page is too wide.
      const wide = [...document.body.querySelectorAll('*')].filter((el) => !el.closest('.table-wrap, .sr-only, .skip') && el.getBoundingClientRect().right > root.clientWidth + 1);
      const inner = wide.filter((el) => !wide.some((other) => other !== el && el.contains(other)));
      out.push('scrolls sideways by ' + overflow + ' px (' + inner.slice(0, 3).map(name).join(', ') + ')');
    }
    for (const el of document.querySelectorAll('a, button, input, select, textarea, summary')) {
      if (el.closest('.table-wrap, .sr-only') || el.classList.contains('skip')) continue;
      const r = el.getBoundingClientRect();
      if (r.width === 0 && r.height === 0) continue;
      if (r.left < -1 || r.right > root.clientWidth + 1) out.push(name(el) + ' is cut off at the side');
    }
    for (const el of document.querySelectorAll('button.primary')) {
      if (el.getBoundingClientRect().width === 0) continue;
      el.scrollIntoView({ block: 'center' });
      const r = el.getBoundingClientRect();
      const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
      if (!hit || !el.contains(hit)) out.push(name(el) + ' cannot be tapped (covered or off screen)');
    }
    window.scrollTo(0, 0);
    return out;
  })()`);
  return found.map((line) => `${where}: ${line}`);
}

/**
 * Issue 18 item 4 on the screen as it is now: axe-core finds nothing serious or critical in
 * Chinese nor in English (the language button switches in place), and the screen still works at
 * 320 px and with the text at 200 % (the styles size text in rem, so a root font size is the
 * browser's text setting). The page is left as it was found: language, size and text.
 */
export async function expectUsableByEveryone(page: Page, screen: string): Promise<void> {
  const problems: string[] = [];
  const language = await page.evaluate<string>('document.documentElement.lang');
  problems.push(...(await axeFindings(page)).map((line) => `${language}: ${line}`));
  await switchLanguage(page);
  const other = await page.evaluate<string>('document.documentElement.lang');
  problems.push(...(await axeFindings(page)).map((line) => `${other}: ${line}`));
  await switchLanguage(page);

  const viewport = page.viewportSize();
  await page.setViewportSize(SIZES.narrow);
  problems.push(...(await layoutFindings(page, '320 px')));
  const large = await page.addStyleTag({ content: ':root { font-size: 200% !important; }' });
  problems.push(...(await layoutFindings(page, '320 px, text 200 %')));
  if (viewport) await page.setViewportSize(viewport);
  problems.push(...(await layoutFindings(page, `${viewport?.width} px, text 200 %`)));
  await large.evaluate((el) => (el as unknown as { remove(): void }).remove());
  if (problems.length) throw new Error(`${screen} is not usable by everyone:\n  ${problems.join('\n  ')}`);
}
