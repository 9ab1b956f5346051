import { describe, expect, it } from 'vitest';
import { Redis } from './test-support/ioredis.js';
import { circuitBreaker, consecutiveFailures } from '@breakwater/core';
import { uniquePrefix } from '@breakwater/testkit';
import { testRedisUrl } from '@breakwater/testkit/vitest';
import { RedisBreakerStore } from './store.js';
import { boom, ready, waitFor } from './test-support/harness.js';

const count = (kind: string): number => process.getActiveResourcesInfo().filter((r) => r === kind).length;

describe('lifecycle', () => {
  it("close() releases every socket and timer the store opened and leaves the caller's connection alone", async () => {
    const caller = new Redis(testRedisUrl());
    await waitFor(() => caller.status === 'ready', 2000, 'caller ready');
    const sockets = count('TCPSocketWrap');
    const timers = count('Timeout');
    const store = new RedisBreakerStore({
      redis: caller,
      prefix: uniquePrefix('life'),
      mode: 'aggregate',
      flushIntervalMs: 20,
      resyncIntervalMs: 100,
    });
    await ready(store);
    const b = circuitBreaker({ name: 'svc', trip: consecutiveFailures(1), halfOpenAfterMs: 50, store });
    await b.execute(boom).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 120));
    expect(count('TCPSocketWrap')).toBe(sockets + 2); // commands + subscriber
    await store.close();
    await store.close(); // idempotent
    await waitFor(() => count('TCPSocketWrap') === sockets, 2000, 'store sockets closed');
    expect(count('Timeout')).toBeLessThanOrEqual(timers);
    expect(store.healthy).toBe(false);
    expect(caller.status).toBe('ready');
    expect(await caller.ping()).toBe('PONG');
    b.dispose();
    await caller.quit();
  });
});
