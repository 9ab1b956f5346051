import type { TestHttpServer } from './http-server.js';
import { testHttpServer } from './vitest-http.js';

/** Open TCP sockets of this process (`process.getActiveResourcesInfo()`), for handle-leak checks. */
export const openTcpSockets = (): number =>
  process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length;

/**
 * Two servers (closed when the test finishes) that answer `/hold` only when `release()` is called,
 * everything else at once.
 */
export async function heldServerPair(): Promise<{ a: TestHttpServer; b: TestHttpServer; release: () => void }> {
  const held: Array<() => void> = [];
  const handler = (req: { url?: string }, res: { end: (s: string) => void }): void => {
    if (req.url === '/hold') held.push(() => res.end('held'));
    else res.end('ok');
  };
  const [a, b] = await Promise.all([testHttpServer(handler), testHttpServer(handler)]);
  return { a: a!, b: b!, release: () => held.splice(0).forEach((f) => f()) };
}

/** Counts an emitter's live subscriptions made through `on()` from now on (to see an adapter unsubscribe). */
export function countListeners(target: { on: (...args: never[]) => () => void }): () => number {
  let n = 0;
  const on = target.on.bind(target) as unknown as (event: string, fn: unknown) => () => void;
  (target as unknown as { on: unknown }).on = (event: string, fn: unknown): (() => void) => {
    const off = on(event, fn);
    n++;
    let live = true;
    return () => {
      if (live) {
        live = false;
        n--;
      }
      off();
    };
  };
  return () => n;
}
