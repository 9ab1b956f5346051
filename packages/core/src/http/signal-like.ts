/**
 * True for anything with the AbortSignal interface: a native signal, one from another realm
 * (`vm`, an iframe), or a polyfill's (abortcontroller-polyfill). `instanceof AbortSignal` is false
 * for the last two, and a caller's signal must not be ignored because of where it was made.
 */
export function isAbortSignalLike(x: unknown): x is AbortSignal {
  if (typeof x !== 'object' || x === null) return false;
  const s = x as Record<string, unknown>;
  return (
    typeof s.aborted === 'boolean' &&
    typeof s.addEventListener === 'function' &&
    typeof s.removeEventListener === 'function'
  );
}
