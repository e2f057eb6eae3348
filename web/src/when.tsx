import { lang, t } from './i18n';

// A date (and time) picked in the console's language. `<input type="datetime-local">` and
// `type="month"` draw their words and order from the browser's locale (an English phone shows
// "mm/dd/yyyy, --:-- --" to a caseworker working in Chinese), so the console offers a select per
// part instead: the options speak the console's language ("12月"/"December"), work the same on
// every phone, and cannot hold an impossible date. The value is the wall-clock text
// `<input type="datetime-local">` used ("2026-12-02T09:30", or "2026-12" for a month), so
// `toLocalInput`/`fromLocalInput` still convert it; '' when an optional one is left empty.

type Part = 'year' | 'month' | 'day' | 'hour' | 'minute';
const PARTS: Part[] = ['year', 'month', 'day', 'hour', 'minute'];
const pad = (n: number) => String(n).padStart(2, '0');
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const daysIn = (year: number, month: number) => new Date(Date.UTC(year, month, 0)).getUTCDate();

/** The parts of a value, or of now (to the minute) when it is empty. */
function partsOf(value: string): Record<Part, number> {
  const m = /^(\d{4})-(\d\d)(?:-(\d\d)(?:T(\d\d):(\d\d))?)?/.exec(value);
  if (m) return { year: +m[1]!, month: +m[2]!, day: +(m[3] ?? 1), hour: +(m[4] ?? 0), minute: +(m[5] ?? 0) };
  const now = new Date();
  return {
    year: now.getFullYear(),
    month: now.getMonth() + 1,
    day: now.getDate(),
    hour: now.getHours(),
    minute: now.getMinutes(),
  };
}

function optionText(part: Part, n: number): string {
  if (part === 'month') {
    const month = new Intl.DateTimeFormat(lang(), { month: 'long', timeZone: 'UTC' });
    return t('when.monthOption', { n, name: month.format(Date.UTC(2000, n - 1, 1)) });
  }
  if (part === 'year') return t('when.yearOption', { n });
  if (part === 'day') return t('when.dayOption', { n });
  return t(part === 'hour' ? 'when.hourOption' : 'when.minuteOption', { n: pad(n) });
}

/**
 * The selects of a date and time (`precision="month"`: year and month only), as one group named
 * by the `Field` around it (`group`). `years` bounds the year list (the value's own year is always
 * offered); `latest` ("2026-12") keeps later months out, for a report of a month not yet over.
 */
export function WhenInput(props: {
  id: string;
  value: string;
  onChange: (value: string) => void;
  precision?: 'minute' | 'month';
  optional?: boolean;
  years?: [number, number];
  latest?: string;
}) {
  const parts = partsOf(props.value);
  const shown = props.precision === 'month' ? PARTS.slice(0, 2) : PARTS;
  const thisYear = new Date().getFullYear();
  const [from, to] = props.years ?? [thisYear - 3, thisYear + 3];
  const latest = props.latest ? partsOf(props.latest) : undefined;
  const choices: Record<Part, number[]> = {
    year: range(Math.min(from, parts.year), Math.max(to, parts.year)).filter(
      (y) => !latest || y <= latest.year,
    ),
    month: range(1, 12).filter((m) => !latest || parts.year < latest.year || m <= latest.month),
    day: range(1, daysIn(parts.year, parts.month)),
    hour: range(0, 23),
    minute: range(0, 59),
  };
  const text = (p: Record<Part, number>) => {
    const month = `${p.year}-${pad(p.month)}`;
    if (props.precision === 'month') return month;
    return `${month}-${pad(Math.min(p.day, daysIn(p.year, p.month)))}T${pad(p.hour)}:${pad(p.minute)}`;
  };
  const change = (part: Part, raw: string) => {
    if (raw === '') return props.onChange('');
    const next = { ...parts, [part]: Number(raw) };
    if (latest && next.year === latest.year) next.month = Math.min(next.month, latest.month);
    props.onChange(text(next));
  };
  return (
    <div class="when">
      {shown.map((part) => (
        <select
          key={part}
          id={part === 'year' ? props.id : `${props.id}-${part}`}
          class={`when-${part}`}
          aria-label={t(`when.${part}`)}
          value={props.value === '' ? '' : String(parts[part])}
          onChange={(e) => change(part, e.currentTarget.value)}
        >
          {(props.optional || props.value === '') && <option value="">{t('when.empty')}</option>}
          {choices[part].map((n) => (
            <option key={n} value={String(n)}>
              {optionText(part, n)}
            </option>
          ))}
        </select>
      ))}
    </div>
  );
}
