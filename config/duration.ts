// ISO-8601 durations limited to exact units (weeks, days, hours, minutes, seconds), so a
// policy clock never depends on the length of a month and scales exactly (the accelerated
// policy divides every duration by 86,400).
const PATTERN = /^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

export function parseDuration(value: string): number | null {
  const match = PATTERN.exec(value);
  if (!match || value === 'P' || value.endsWith('T')) return null;
  const [, w, d, h, m, s] = match;
  const seconds =
    Number(w ?? 0) * 604_800 +
    Number(d ?? 0) * 86_400 +
    Number(h ?? 0) * 3_600 +
    Number(m ?? 0) * 60 +
    Number(s ?? 0);
  return Math.round(seconds * 1000);
}

/** The shortest exact ISO-8601 form of a number of milliseconds. */
export function formatDuration(ms: number): string {
  if (ms === 0) return 'PT0S';
  let rest = ms / 1000;
  const days = Math.floor(rest / 86_400);
  rest -= days * 86_400;
  const hours = Math.floor(rest / 3_600);
  rest -= hours * 3_600;
  const minutes = Math.floor(rest / 60);
  const seconds = Math.round((rest - minutes * 60) * 1000) / 1000;
  const time = `${hours ? `${hours}H` : ''}${minutes ? `${minutes}M` : ''}${seconds ? `${seconds}S` : ''}`;
  return `P${days ? `${days}D` : ''}${time ? `T${time}` : ''}`;
}
