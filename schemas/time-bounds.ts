// api.md "Time bounds": which timestamps a client may send. Plain code without zod, so the API's
// schemas and the workflow's validators apply the same bounds (nothing invalid enters history).

/** The earliest and the latest instant any client timestamp may name (years 1970–2100). */
export const EARLIEST_INSTANT = Date.UTC(1970, 0, 1);
export const LATEST_INSTANT = Date.UTC(2100, 0, 1);
/** What has happened may be dated this far after now (clocks differ a little). */
export const FUTURE_TOLERANCE_MS = 5 * 60_000;

const ISO = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:Z|([+-])(\d{2}):(\d{2}))$/;

const daysIn = (year: number, month: number) => new Date(Date.UTC(year, month, 0)).getUTCDate();

/**
 * The instant an ISO-8601 timestamp with an offset names, or null when it names none we accept:
 * not that form, a day the month does not have, a leap second (23:59:60), an offset beyond
 * ±14:00, or a year outside 1970–2100.
 */
export function instantOf(text: unknown): number | null {
  if (typeof text !== 'string' || text.length > 40) return null;
  const m = ISO.exec(text);
  if (!m) return null;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) return null;
  if (hour > 23 || minute > 59 || second > 59) return null;
  let offsetMinutes = 0;
  if (m[8]) {
    const [h, min] = [Number(m[9]), Number(m[10])];
    if (min > 59 || h * 60 + min > 14 * 60) return null;
    offsetMinutes = (m[8] === '-' ? -1 : 1) * (h * 60 + min);
  }
  const fraction = m[7] ? Math.floor(Number(`0.${m[7]}`) * 1000) : 0;
  const at = Date.UTC(year, month - 1, day, hour, minute, second, fraction) - offsetMinutes * 60_000;
  return at >= EARLIEST_INSTANT && at < LATEST_INSTANT ? at : null;
}
