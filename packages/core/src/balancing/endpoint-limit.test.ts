import { describe, expect, it } from 'vitest';
import { bulkhead } from '../bulkhead/bulkhead.js';
import { ManualClock } from '../clock.js';
import { ConfigError } from '../errors.js';
import type { Policy } from '../policy.js';
import { loadBalancer } from './load-balancer.js';
import { roundRobin } from './strategies/round-robin.js';
import type { Endpoint } from './types.js';

const eps = (ids: string[]): Endpoint[] => ids.map((id) => ({ id, url: `http://${id}.test` }));
const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

/** A bulkhead that records its own closing. */
function closableBulkhead(
  maxConcurrent: number,
  maxQueue: number,
  log: string[],
  id: string,
): Policy & { close(): void } {
  const b = bulkhead({ maxConcurrent, maxQueue });
  return {
    execute: (fn, o) => b.execute(fn, o),
    close: () => {
      log.push(`close ${id}`);
    },
  };
}

describe('endpointLimit: a per-endpoint limiter created on demand (issue 13.5 hook)', () => {
  it('one limiter per endpoint, created at its first call, limiting that endpoint only; its rejections reach the caller and count nowhere', async () => {
    const made: string[] = [];
    const lb = loadBalancer({
      endpoints: eps(['a', 'b']),
      strategy: roundRobin(),
      outlierDetection: { consecutiveFailures: 1, maxEjectionPercent: 100 },
      endpointLimit: (ep) => {
        made.push(ep.id);
        return bulkhead({ maxConcurrent: 1, maxQueue: 1 });
      },
    });
    expect(made).toEqual([]);
    const gates: Array<() => void> = [];
    const started: string[] = [];
    const call = () =>
      lb.execute((ep) => {
        started.push(ep.id);
        return new Promise<void>((r) => gates.push(r));
      });
    const p = [call(), call(), call(), call()]; // a, b, a (queued in a's bulkhead), b (queued)
    await tick();
    expect(made).toEqual(['a', 'b']);
    expect(started).toEqual(['a', 'b']);
    // Queued in the limiter = holding the balancer's slot.
    expect(lb.endpoints().map((e) => e.inFlight)).toEqual([2, 2]);
    const rejected = await call().catch((e: unknown) => e); // a: bulkhead full
    expect(rejected).toMatchObject({ code: 'BW_BULKHEAD_FULL' });
    expect(lb.endpoints().map((e) => e.ejected)).toEqual([false, false]);
    gates.shift()!();
    await tick();
    expect(started).toEqual(['a', 'b', 'a']);
    while (gates.length > 0) {
      gates.shift()!();
      await tick();
    }
    await Promise.all(p);
    expect(made).toEqual(['a', 'b']); // created once each
    await lb.close();
  });

  it('closes the limiter when its endpoint is removed and every limiter on close(); a removed endpoint never gets a new one', async () => {
    const log: string[] = [];
    const lb = loadBalancer({
      endpoints: eps(['a', 'b', 'c']),
      strategy: roundRobin(),
      endpointLimit: (ep) => {
        log.push(`make ${ep.id}`);
        return closableBulkhead(4, 0, log, ep.id);
      },
    });
    await lb.execute(() => 1);
    await lb.execute(() => 1); // a and b have limiters, c has none yet
    lb.update(eps(['b', 'c']));
    expect(log).toEqual(['make a', 'make b', 'close a']);
    await lb.close();
    expect(log).toEqual(['make a', 'make b', 'close a', 'close b']);
  });

  it('latency excludes the wait in the limiter queue', async () => {
    const clock = new ManualClock();
    const lb = loadBalancer({
      endpoints: eps(['a']),
      clock,
      endpointLimit: () => bulkhead({ maxConcurrent: 1, maxQueue: 5 }),
    });
    let release!: () => void;
    const first = lb.execute(
      () =>
        new Promise<void>((r) => {
          release = r;
        }),
    );
    const durations: number[] = [];
    lb.on('request', (e) => durations.push(e.durationMs));
    const second = lb.execute(() => 'fast');
    clock.advance(30);
    release();
    await Promise.all([first, second]);
    expect(durations).toEqual([30, 0]);
  });

  it('validates the option and what it returns', async () => {
    expect(() => loadBalancer({ endpoints: [], endpointLimit: 5 as never })).toThrow(ConfigError);
    const lb = loadBalancer({ endpoints: eps(['a']), endpointLimit: () => ({}) as never });
    await expect(lb.execute(() => 1)).rejects.toMatchObject({ path: 'loadBalancer.endpointLimit' });
  });
});
