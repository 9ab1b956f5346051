/**
 * The "do not retry this" convention between adapters and retry policies. An adapter marks a
 * failure of a non-idempotent request (POST without `Idempotency-Key`, a tRPC mutation) so that
 * retry policies stop, while breakers and balancers still count the failure. Retry policies call
 * {@link isNonRetryable} before their own `retryOn`.
 *
 * An explicit brand (was a module-private WeakSet): a non-enumerable, registered-symbol property,
 * so the mark is visible where it is (`error[NON_RETRYABLE] === true`), survives another installed
 * copy of the core, and leaves the error's shape for JSON, `Object.keys` and loggers unchanged.
 */
export const NON_RETRYABLE: unique symbol = Symbol.for('breakwater.nonRetryable') as never;

/**
 * Marks `error` as not to be retried and returns it. Primitives, and objects that cannot take a
 * property (frozen, non-extensible, hostile proxies), are returned as they are, unmarked.
 */
export function markNonRetryable<E>(error: E): E {
  if (typeof error === 'object' && error !== null) {
    try {
      Object.defineProperty(error, NON_RETRYABLE, { value: true, configurable: true });
    } catch {
      // Cannot be branded: it stays retryable, as a primitive does.
    }
  }
  return error;
}

/** True when `error` was marked with {@link markNonRetryable}. Never throws. */
export function isNonRetryable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  try {
    return (error as { [NON_RETRYABLE]?: unknown })[NON_RETRYABLE] === true;
  } catch {
    return false;
  }
}
