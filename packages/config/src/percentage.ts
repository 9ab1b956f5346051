/** Percentages in config files: a number 0..100 (`50`) or a string with a percent sign (`"50%"`). */

/** Matches `"50%"`, `"12.5 %"`. */
export const PERCENTAGE_PATTERN = '^\\s*\\d+(?:\\.\\d+)?\\s*%\\s*$';

const WHOLE = new RegExp(PERCENTAGE_PATTERN);

/** What a percentage looks like, for error messages. */
export const PERCENTAGE_EXPECTED = 'a percentage from 0 to 100 (like 50 or "50%")';

/** Parses a percentage into a number 0..100, or `undefined` when it is not one. */
export function parsePercentage(value: unknown): number | undefined {
  let n: number;
  if (typeof value === 'number') n = value;
  else if (typeof value === 'string' && WHOLE.test(value)) n = Number(value.trim().replace(/\s*%$/, ''));
  else return undefined;
  return Number.isFinite(n) && n >= 0 && n <= 100 ? n : undefined;
}
