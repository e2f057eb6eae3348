// PRC resident identity number (GB 11643-1999): 17 digits and a check character (0-9 or X).
const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK = '10X98765432';

/** The check character for the first 17 digits. */
export function checkCharacter(first17: string): string {
  const sum = WEIGHTS.reduce((acc, weight, i) => acc + weight * Number(first17[i]), 0);
  return CHECK[sum % 11]!;
}

export function idNumberProblem(value: string): string | null {
  if (!/^\d{17}[\dX]$/.test(value)) return 'must be 18 characters: 17 digits and a check digit (0-9 or X)';
  if (checkCharacter(value) !== value[17]) return 'check digit does not match';
  if (birthDateOf(value) === null) return 'the birth date it contains is not a real date';
  return null;
}

/** The birth date embedded in a valid ID number, as YYYY-MM-DD, or null when it is not a date. */
export function birthDateOf(value: string): string | null {
  const [y, m, d] = [value.slice(6, 10), value.slice(10, 12), value.slice(12, 14)];
  const date = new Date(`${y}-${m}-${d}T00:00:00Z`);
  if (Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== `${y}-${m}-${d}`) return null;
  if (Number(y) < 1900) return null;
  return `${y}-${m}-${d}`;
}

/** Masked for roles that may not see it in full: the region prefix and the last four stay. */
export function maskIdNumber(value: string): string {
  return `${value.slice(0, 4)}${'*'.repeat(value.length - 8)}${value.slice(-4)}`;
}
