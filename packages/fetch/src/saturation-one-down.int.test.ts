import { loadBalancer, retry } from '@breakwater/core';
import { slowServer } from '@breakwater/testkit/vitest';
import { freePort } from '@breakwater/testkit';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createFetch } from './index.js';

async function server() {
  const { s, peak } = await slowServer(5);
  return { url: s.url, peak };
}

describe('issue 16.6: three servers, one down, 200 concurrent calls, maxConnections 16', () => {
  it('no call fails while two servers are healthy; no server sees more than 16 at once', async () => {
    const a = await server();
    const b = await server();
    const down = `http://127.0.0.1:${await freePort()}`; // nothing listens: connection refused
    const balancer = loadBalancer({
      endpoints: [
        { id: 'a', url: a.url, maxConnections: 16 },
        { id: 'b', url: b.url, maxConnections: 16 },
        { id: 'down', url: down, maxConnections: 16 },
      ],
      outlierDetection: { consecutiveFailures: 5 },
    });
    onTestFinished(() => balancer.close());
    const f = createFetch({ balancer, policy: retry({ maxAttempts: 3 }) });
    onTestFinished(() => f.close());
    const settled = await Promise.allSettled(
      Array.from({ length: 200 }, (_, i) =>
        f(`/item/${i}`).then(async (r) => {
          await r.text();
          return r.status;
        }),
      ),
    );
    const failed = settled
      .filter((r) => r.status === 'rejected')
      .map((r) => String((r as PromiseRejectedResult).reason));
    expect(failed).toEqual([]);
    expect(settled.every((r) => r.status === 'fulfilled' && r.value === 200)).toBe(true);
    expect(Math.max(a.peak(), b.peak())).toBeLessThanOrEqual(16);
  });
});
