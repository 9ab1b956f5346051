import type { createServer, Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { close, listen } from '../test-support/http.js';
import { pipeline } from '../pipeline.js';
import { retry } from '../retry/retry.js';
import { loadBalancer } from './load-balancer.js';

describe('saturation with real servers: maxConnections is a concurrency cap, excess calls queue', () => {
  const up: Array<{ server: Server; url: string }> = [];
  let downUrl = '';
  let active = 0;
  let peak = 0;

  beforeAll(async () => {
    const handler: Parameters<typeof createServer>[1] = (_req, res) => {
      active++;
      peak = Math.max(peak, active);
      setTimeout(() => {
        active--;
        res.end('ok');
      }, 5);
    };
    up.push(await listen(handler), await listen(handler));
    const gone = await listen(() => undefined);
    downUrl = gone.url;
    await close(gone.server); // connection refused from now on
  });
  afterAll(async () => {
    await Promise.all(up.map((u) => close(u.server)));
  });

  it('3 servers, one down, 200 concurrent calls, maxConnections 16: every call succeeds, no endpoint exceeds 16', async () => {
    const lb = loadBalancer({
      endpoints: [
        { id: 'a', url: up[0]!.url, maxConnections: 16 },
        { id: 'b', url: up[1]!.url, maxConnections: 16 },
        { id: 'down', url: downUrl, maxConnections: 16 },
      ],
      outlierDetection: { consecutiveFailures: 5 },
    });
    let over = 0;
    const policy = pipeline(retry({ maxAttempts: 3 }), lb.asPolicy());
    const results = await Promise.allSettled(
      Array.from({ length: 200 }, (_, i) =>
        policy.execute(async (ctx) => {
          const ep = ctx.endpoint!;
          if (lb.endpoints().find((e) => e.id === ep.id)!.inFlight > 16) over++;
          const res = await fetch(new URL(`/item/${i}`, ep.url), { signal: ctx.signal });
          return res.text();
        }),
      ),
    );
    const failed = results.filter((r) => r.status === 'rejected');
    expect(failed.map((r) => String((r as PromiseRejectedResult).reason))).toEqual([]);
    expect(results.every((r) => r.status === 'fulfilled' && r.value === 'ok')).toBe(true);
    expect(over).toBe(0);
    expect(peak).toBeLessThanOrEqual(32);
    expect(lb.endpoints().find((e) => e.id === 'down')!.ejected).toBe(true);
    await lb.close();
  });
});
