import { TASKS, type TaskKind, type Told } from '../../../schemas/catalogue';
import { en } from './en';
import { zhCN, type MessageKey } from './zh-CN';

export type { MessageKey };
export type Lang = 'zh-CN' | 'en';

const CATALOGUES: Record<Lang, Record<MessageKey, string>> = { 'zh-CN': zhCN, en };
const STORED = 'console.lang';
// The browser's storage when there is one; the catalogues themselves are also checked under Node.
const storage = (
  globalThis as {
    localStorage?: { getItem(key: string): string | null; setItem(key: string, value: string): void };
  }
).localStorage;

let current: Lang = storage?.getItem(STORED) === 'en' ? 'en' : 'zh-CN';

export const lang = (): Lang => current;

/** The user's choice, kept for their next visit; the page updates its `lang` and title itself. */
export function setLang(next: Lang): void {
  current = next;
  storage?.setItem(STORED, next);
}

/** The message in the user's language, with `{name}` filled in from `params`. */
export function t(key: MessageKey, params: Record<string, string | number> = {}): string {
  return CATALOGUES[current][key].replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in params ? String(params[name]) : whole,
  );
}

/** For codes the API sends (phases, tiers, task kinds...): the label, or the code itself if unknown. */
export function label(prefix: string, code: string): string {
  const key = `${prefix}.${code}` as MessageKey;
  return key in zhCN ? t(key) : code;
}

/**
 * A task kind's label, by its key in the catalogue (schemas/catalogue.ts): the type checker
 * refuses a task kind whose key is missing from the messages. An unknown kind shows as it is.
 */
export function taskLabel(kind: string): string {
  return kind in TASKS ? t(TASKS[kind as TaskKind].console) : kind;
}

/** Who has been told of a stall (the catalogue's TOLD), in words. */
export function toldLabel(told: Told): string {
  return t(`told.${told}`);
}

export function formatTime(iso: string | null | undefined): string {
  if (!iso) return t('app.none');
  return new Intl.DateTimeFormat(current, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso));
}

export function formatDate(iso: string): string {
  return new Intl.DateTimeFormat(current, { dateStyle: 'medium' }).format(new Date(iso));
}

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['day', 86_400_000],
  ['hour', 3_600_000],
  ['minute', 60_000],
  ['second', 1_000],
];

/** "in 3 days", "2 hours ago" in the user's language. */
export function relative(iso: string, now = Date.now()): string {
  const diff = Date.parse(iso) - now;
  const [unit, size] = UNITS.find(([, ms]) => Math.abs(diff) >= ms) ?? UNITS[UNITS.length - 1]!;
  return new Intl.RelativeTimeFormat(current, { numeric: 'auto' }).format(Math.round(diff / size), unit);
}

export function percent(value: number): string {
  return new Intl.NumberFormat(current, { style: 'percent', maximumFractionDigits: 1 }).format(value);
}
