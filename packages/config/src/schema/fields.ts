import { z } from 'zod';
import { DURATION_EXPECTED, DURATION_PATTERN, parseDuration } from '../duration.js';
import { PERCENTAGE_EXPECTED, PERCENTAGE_PATTERN, parsePercentage } from '../percentage.js';
import { collectingWarnings, WARNING } from '../warnings.js';

/*
 * Leaf field schemas shared by the config sections. Messages that zod cannot derive (unions,
 * cross-field rules) start with "expected ..." so the issue formatter can append what was found.
 */

/** Longest duration accepted: Node timers overflow past 2^31-1 ms (~24.8 days) and fire at once. */
export const MAX_DURATION_MS = 2_147_483_647;

/** A duration (`"30s"`, `"500ms"`, `"2m"`, or a number of ms) → milliseconds. */
export function duration(description: string, minMs = 0) {
  return (
    z
      // Checks live in the transform: a check inside a union branch would replace this message.
      .union([z.number(), z.string()], { error: `expected ${DURATION_EXPECTED}` })
      .transform((v, ctx) => {
        const ms = parseDuration(v);
        if (ms === undefined || ms < minMs || ms > MAX_DURATION_MS) {
          const range =
            ms === undefined
              ? DURATION_EXPECTED
              : ms < minMs
                ? `a duration of at least ${minMs}ms`
                : 'a duration of at most 24d (2147483647ms)';
          ctx.addIssue({ code: 'custom', message: `expected ${range}` });
          return z.NEVER;
        }
        if (collectingWarnings() && ms > 0 && ms < 1_000 && /^\s*\d+(?:\.\d+)?\s*$/.test(String(v))) {
          // The documented rule: a bare number is milliseconds. `timeout: 30` is 30 ms, which is
          // rarely what was meant; say so rather than guess.
          ctx.addIssue({
            code: 'custom',
            message:
              `a bare number is milliseconds: ${String(v).trim()} means ${ms}ms; ` +
              `write "${String(v).trim()}s" for seconds or "${String(v).trim()}ms" to silence this warning`,
            params: { [WARNING]: true },
          });
        }
        return ms;
      })
      .meta({
        description,
        anyOf: [
          { type: 'number', minimum: minMs, maximum: MAX_DURATION_MS },
          { type: 'string', pattern: DURATION_PATTERN },
        ],
      })
  );
}

/** A percentage (`50` or `"50%"`) → number 0..100. */
export function percentage(description: string) {
  return z
    .union([z.number(), z.string()], { error: `expected ${PERCENTAGE_EXPECTED}` })
    .transform((v, ctx) => {
      const p = parsePercentage(v);
      if (p === undefined) {
        ctx.addIssue({ code: 'custom', message: `expected ${PERCENTAGE_EXPECTED}` });
        return z.NEVER;
      }
      if (typeof v === 'number' && p > 0 && p < 1) {
        // 0.5 is far more often a fraction (50 %) than half a percent: make the writer say which.
        ctx.addIssue({
          code: 'custom',
          message:
            `expected ${PERCENTAGE_EXPECTED}; ${v} looks like a fraction — ` +
            `write ${v * 100} for ${v * 100} %, or "${v}%" if you mean ${v} %`,
        });
        return z.NEVER;
      }
      return p;
    })
    .meta({
      description,
      anyOf: [
        { type: 'number', minimum: 0, maximum: 100 },
        { type: 'string', pattern: PERCENTAGE_PATTERN },
      ],
    });
}

/** An integer ≥ `min`. */
export function integer(min: number, description: string, max = Number.MAX_SAFE_INTEGER) {
  return z.int({ error: 'expected an integer' }).min(min).max(max).meta({ description });
}

/** A finite number within [min, max]. */
export function bounded(min: number, max: number, description: string) {
  return z.number({ error: 'expected a number' }).min(min).max(max).meta({ description });
}

/** A non-empty string without surrounding whitespace. */
export function name(description: string) {
  return z
    .string()
    .min(1)
    .regex(/^\S(?:.*\S)?$/, { error: 'expected a non-empty name without leading or trailing spaces' })
    .meta({ description });
}

/** An HTTP path starting with "/". */
export function httpPath(description: string) {
  return z
    .string()
    .regex(/^\/\S*$/, { error: 'expected a path starting with "/" (like "/health")' })
    .meta({ description });
}

/** A URL with one of the given schemes (`http:`, `redis:`, ...). */
export function url(schemes: readonly string[], description: string) {
  const expected = `expected a URL starting with ${schemes.map((s) => `"${s}//"`).join(' or ')}`;
  return z
    .string()
    .refine(
      (v) => {
        try {
          return schemes.includes(new URL(v).protocol);
        } catch {
          return false;
        }
      },
      { error: expected },
    )
    .meta({ description });
}
