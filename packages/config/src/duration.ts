/**
 * Duration parsing for config files: `"500ms"`, `"30s"`, `"2m"`, `"1h"`, `"1d"`, compounds such as
 * `"1m30s"`, or a plain number of milliseconds (a number where a duration is expected means ms).
 */

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Matches one or more `<number><unit>` parts, or a bare (millisecond) number. */
export const DURATION_PATTERN = '^\\s*(?:(?:\\d+(?:\\.\\d+)?\\s*(?:ms|s|m|h|d)\\s*)+|\\d+(?:\\.\\d+)?)\\s*$';

const WHOLE = new RegExp(DURATION_PATTERN);
const PART = /(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)/g;

/** What a duration looks like, for error messages. */
export const DURATION_EXPECTED = 'a duration like "500ms", "30s", "2m" or a number of milliseconds';

/**
 * Parses a duration into milliseconds. Returns `undefined` for anything that is not a finite,
 * non-negative duration (the caller reports it with a path).
 */
export function parseDuration(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : undefined;
  if (typeof value !== 'string' || !WHOLE.test(value)) return undefined;
  const trimmed = value.trim();
  if (/^\d+(?:\.\d+)?$/.test(trimmed)) return Number(trimmed);
  let total = 0;
  for (const m of trimmed.matchAll(PART)) total += Number(m[1]) * (UNIT_MS[m[2] as string] as number);
  return Number.isFinite(total) ? total : undefined;
}
