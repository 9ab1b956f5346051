import { describe, expect, it } from 'vitest';
import { loadBalancer } from '../balancing/load-balancer.js';
import { roundRobin } from '../balancing/strategies/round-robin.js';
import { ManualClock } from '../clock.js';
import { BulkheadRejectedError } from '../errors.js';
import { KneeUpstream, settle } from '../test-support/upstream.js';
import { adaptiveConcurrency, type AdaptiveConcurrencyPolicy } from './index.js';

describe('adaptiveConcurrency per endpoint: loadBalancer({ endpointLimit })', () => {
  it("each endpoint gets its own limiter, which finds that endpoint's capacity; rejections reach the caller", async () => {
    const clock = new ManualClock(0);
    const upstreams: Record<string, KneeUpstream> = {
      big: new KneeUpstream(clock, 50, 10),
      small: new KneeUpstream(clock, 10, 10),
    };
    const limiters = new Map<string, AdaptiveConcurrencyPolicy>();
    const lb = loadBalancer({
      endpoints: [
        { id: 'big', url: 'http://big.test' },
        { id: 'small', url: 'http://small.test' },
      ],
      strategy: roundRobin(),
      clock,
      endpointLimit: (ep) => {
        const limiter = adaptiveConcurrency({ clock });
        limiters.set(ep.id, limiter);
        return limiter;
      },
    });
    const outcomes = { big: 0, small: 0, rejected: 0, other: 0 };
    // 8 calls per virtual ms, half to each endpoint: 4 000/s each; 'big' serves 5 000/s, 'small' 1 000/s.
    for (let t = 0; t < 3000; t++) {
      for (let i = 0; i < 8; i++) {
        lb.execute((ep) => upstreams[ep.id]!.call().then(() => ep.id)).then(
          (id) => {
            outcomes[id as 'big' | 'small']++;
          },
          (e: unknown) => {
            if (e instanceof BulkheadRejectedError && e.reason === 'adaptive limit') outcomes.rejected++;
            else outcomes.other++;
          },
        );
      }
      await settle();
      clock.advance(1);
      await settle();
    }
    expect([...limiters.keys()].sort()).toEqual(['big', 'small']);
    const small = limiters.get('small')!;
    const big = limiters.get('big')!;
    expect(small.limit).toBeGreaterThanOrEqual(10);
    expect(small.limit).toBeLessThanOrEqual(25);
    expect(big.limit).toBeGreaterThan(small.limit * 2); // not overloaded: its limit stays well above its load
    expect(outcomes.other).toBe(0);
    expect(outcomes.rejected).toBeGreaterThan(0);
    expect(outcomes.small).toBeGreaterThan(0.9 * 1000 * 2.5); // ≈ its capacity over the last 2.5 s
    await lb.close();
  });
});
