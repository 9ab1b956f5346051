/** A store command outlived `commandTimeoutMs`. */
export class StoreCommandTimeout extends Error {
  constructor(ms: number) {
    super(`Redis store command timed out after ${ms}ms`);
    this.name = 'StoreCommandTimeout';
  }
}

/**
 * Runs one store command bounded by `ms`: resolves or rejects with the command, or rejects with
 * StoreCommandTimeout once `ms` passed (the command itself is not cancelled: ioredis has no way
 * to). `onFail` sees every failure first. A synchronous throw from `op` becomes a rejection.
 */
export function runBounded<T>(op: () => Promise<T>, ms: number, onFail: (e: unknown) => void): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StoreCommandTimeout(ms)), ms);
  });
  let attempt: Promise<T>;
  try {
    attempt = op();
  } catch (e) {
    attempt = Promise.reject(e);
  }
  return Promise.race([attempt, timeout]).then(
    (v) => {
      clearTimeout(timer);
      return v;
    },
    (e: unknown) => {
      clearTimeout(timer);
      onFail(e);
      throw e;
    },
  );
}
