import type { Db } from '../../db/client';
import { allJurisdictions } from '../../db/jurisdictions';
// eslint-disable-next-line no-restricted-imports -- the console's Chinese words, plain data: paper names a code as the screen does
import { zhCN } from '../../web/src/i18n/zh-CN';

// Files for people outside the system (spreadsheets, printed forms) speak Chinese: the words come
// from the console's own catalogue, so a phase or a measure is named the same on screen and paper.

/** The Chinese label of a code the API sends (`phase`, `tier`, `measure` …), or the code itself. */
export function zhLabel(prefix: string, code: string | null | undefined): string {
  if (!code) return '';
  const key = `${prefix}.${code}`;
  return key in zhCN ? zhCN[key as keyof typeof zhCN] : code;
}

/** Jurisdiction codes to their names from the top down: 苏州市 姑苏区 沧浪街道. */
export async function jurisdictionNames(db: Db): Promise<(code: string | null) => string> {
  const names = new Map((await allJurisdictions(db)).map((j) => [j.code, j.name]));
  return (code) => {
    if (!code) return '';
    const parts = code.split('.');
    return parts
      .map((_, i) => names.get(parts.slice(0, i + 1).join('.')))
      .filter((name): name is string => Boolean(name))
      .join(' ');
  };
}

// China has one time zone and no daylight saving: UTC+8 all year.
const CHINA = 8 * 3_600_000;
const inChina = (date: Date) => new Date(date.getTime() + CHINA).toISOString();

/** `2026-12-20 09:00` in China time, or '' for none. */
export const chinaTime = (date: Date | null | undefined) =>
  date ? inChina(date).slice(0, 16).replace('T', ' ') : '';

/** `2026年12月20日` in China time, or '' for none. */
export function chinaDate(date: Date | null | undefined): string {
  if (!date) return '';
  const [y, m, d] = inChina(date).slice(0, 10).split('-');
  return `${y}年${Number(m)}月${Number(d)}日`;
}
