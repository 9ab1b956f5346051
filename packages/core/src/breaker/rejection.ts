import { BrokenCircuitError, IsolatedCircuitError } from '../errors.js';
import { isRejection } from '../kernel/outcome.js';
import { isLocalResourceError } from '../local-resource-error.js';
import type { BreakerState } from './types.js';

/** The fields an error of these classes carries, written directly (see brokenCircuitError). */
interface RejectionFields {
  name: string;
  message: string;
  stack: string;
  code: string;
  breaker: string;
  retryAfterMs: number | undefined;
}

/**
 * Builds a rejection without running the Error constructor. A rejected call is the breaker's fast
 * path when a dependency is down; constructing an Error captures a stack trace (microseconds — even
 * with `Error.stackTraceLimit = 0` the capture machinery costs ~0.8 µs), and that stack would only
 * ever say "inside the breaker". The object is a real `BrokenCircuitError` / `IsolatedCircuitError`
 * (`instanceof`, `code`, `breaker`, `retryAfterMs`, `message`), with a one-line `stack`.
 */
export function brokenCircuitError(
  name: string,
  isolated: boolean,
  retryAfterMs: number | undefined,
  halfOpen: boolean,
): BrokenCircuitError {
  const e = Object.create(isolated ? IsolatedCircuitError.prototype : BrokenCircuitError.prototype) as RejectionFields;
  e.name = isolated ? 'IsolatedCircuitError' : 'BrokenCircuitError';
  e.code = isolated ? 'BW_CIRCUIT_ISOLATED' : 'BW_CIRCUIT_OPEN';
  e.message = isolated
    ? `circuit "${name}" is isolated`
    : halfOpen
      ? `circuit "${name}" is half-open and every probe slot is taken`
      : `circuit "${name}" is open`;
  e.stack = `${e.name}: ${e.message}`;
  e.breaker = name;
  e.retryAfterMs = isolated || halfOpen ? undefined : retryAfterMs;
  return e as unknown as BrokenCircuitError;
}

/** The rejection a breaker in `ctl`'s state gives a call refused at `now`. */
export function rejectionOf(
  name: string,
  ctl: { readonly state: BreakerState; readonly openUntil: number },
  now: number,
): BrokenCircuitError {
  const state = ctl.state;
  const retryAfterMs = state === 'open' ? Math.max(0, ctl.openUntil - now) : undefined;
  return brokenCircuitError(name, state === 'isolated', retryAfterMs, state === 'half-open');
}

/**
 * The default `isFailure`: every thrown error except Breakwater rejections ({@link isRejection})
 * and local resource errors (`isLocalResourceError`: EMFILE, EADDRNOTAVAIL, ... raised by this
 * process). Both kinds are then neutral for the breaker — see `circuitBreaker`.
 */
export function defaultBreakerIsFailure(error: unknown): boolean {
  return !isRejection(error) && !isLocalResourceError(error);
}
