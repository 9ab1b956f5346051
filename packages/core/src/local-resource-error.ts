/**
 * Error codes a system call of *this* process raises when the process or its host ran out of a
 * local resource: file descriptors (EMFILE, ENFILE), socket buffers (ENOBUFS), memory (ENOMEM),
 * local addresses or ephemeral ports (EADDRNOTAVAIL, EADDRINUSE), disk (ENOSPC). None of them says
 * anything about the remote dependency.
 */
export const LOCAL_RESOURCE_ERROR_CODES: ReadonlySet<string> = new Set([
  'EMFILE',
  'ENFILE',
  'ENOBUFS',
  'ENOMEM',
  'EADDRNOTAVAIL',
  'EADDRINUSE',
  'ENOSPC',
]);

/** How deep `cause` chains are followed (fetch wraps its socket error as `TypeError('fetch failed', { cause })`). */
const MAX_DEPTH = 4;

function check(e: unknown, depth: number): boolean {
  if (typeof e !== 'object' || e === null) return false;
  const code = (e as { code?: unknown }).code;
  if (typeof code === 'string' && LOCAL_RESOURCE_ERROR_CODES.has(code)) return true;
  if (depth >= MAX_DEPTH) return false;
  // Happy-eyeballs connects fail with an AggregateError of one error per address: local only when
  // every attempt failed locally (one ECONNREFUSED means the upstream answered).
  const errors = (e as { errors?: unknown }).errors;
  if (Array.isArray(errors) && errors.length > 0) {
    for (const sub of errors) if (!check(sub, depth + 1)) return false;
    return true;
  }
  return check((e as { cause?: unknown }).cause, depth + 1);
}

/**
 * True when `error` (or its `cause` chain, or every error of an AggregateError) carries the code
 * of a local resource error — see {@link LOCAL_RESOURCE_ERROR_CODES}. Such an error was raised by
 * this process before or while reaching the dependency (a full file-descriptor table, exhausted
 * ephemeral ports), so breakers, outlier detection and health checks treat it as neutral: it must
 * not open a breaker on every replica through a shared store because one pod leaks sockets.
 *
 * Never throws, also for hostile values (throwing getters, revoked proxies): those read as false.
 *
 * @example
 * isLocalResourceError(Object.assign(new Error('connect EMFILE'), { code: 'EMFILE' })) // true
 * isLocalResourceError(new TypeError('fetch failed', { cause: { code: 'EADDRNOTAVAIL' } })) // true
 */
export function isLocalResourceError(error: unknown): boolean {
  try {
    return check(error, 0);
  } catch {
    return false;
  }
}
