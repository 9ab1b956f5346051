import { Redis, Cluster } from './ioredis.js';
import { RedisBreakerStore } from '../store.js';
import type { RedisBreakerStoreOptions } from '../options.js';

/** Polls `pred` every 5 ms until true; rejects with `what` after `timeoutMs`. */
export async function waitFor(
  pred: () => boolean | Promise<boolean>,
  timeoutMs = 2000,
  what = 'condition',
): Promise<number> {
  const start = Date.now();
  for (;;) {
    if (await pred()) return Date.now() - start;
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs}ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Resources one test opened; `closeAll()` in afterEach. */
export class Harness {
  private readonly closers: Array<() => Promise<unknown>> = [];

  /** A caller-style ioredis connection (the store duplicates it). */
  redis(url: string): Redis {
    const r = new Redis(url, { lazyConnect: false, maxRetriesPerRequest: 1 });
    r.on('error', () => undefined);
    this.closers.push(() => r.quit().catch(() => r.disconnect()));
    return r;
  }

  cluster(startup: Array<{ host: string; port: number }>): Cluster {
    const c = new Cluster(startup, { redisOptions: { maxRetriesPerRequest: 1 } });
    c.on('error', () => undefined);
    this.closers.push(() => c.quit().catch(() => c.disconnect()));
    return c;
  }

  /** A caller-style connection to the master Sentinel names `name`. */
  sentinel(sentinels: Array<{ host: string; port: number }>, name: string): Redis {
    const r = new Redis({ sentinels, name, maxRetriesPerRequest: 1 });
    r.on('error', () => undefined);
    this.closers.push(() => r.quit().catch(() => r.disconnect()));
    return r;
  }

  store(o: RedisBreakerStoreOptions): RedisBreakerStore {
    const s = new RedisBreakerStore(o);
    this.closers.unshift(() => s.close());
    return s;
  }

  /** Registers any other cleanup (run before connections are closed). */
  onClose(fn: () => Promise<unknown> | void): void {
    this.closers.unshift(async () => fn());
  }

  async closeAll(): Promise<void> {
    const list = this.closers.splice(0);
    for (const c of list) await c().catch(() => undefined);
  }
}

/** Resolves once `store.healthy` (connected, subscribed, resynced). */
export function ready(store: RedisBreakerStore, timeoutMs = 5000): Promise<number> {
  return waitFor(() => store.healthy, timeoutMs, 'store to become healthy');
}

/** A call that fails. */
export const boom = (): Promise<never> => Promise.reject(new Error('upstream down'));
/** A call that succeeds. */
export const ok = (): Promise<string> => Promise.resolve('ok');
