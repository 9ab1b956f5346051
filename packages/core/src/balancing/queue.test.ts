import { describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.js';
import { ClosedError, ConfigError, NoHealthyEndpointError, SaturatedError } from '../errors.js';
import { pipeline } from '../pipeline.js';
import { constantBackoff } from '../retry/backoff.js';
import { retry } from '../retry/retry.js';
import { timeout } from '../timeout/timeout.js';
import { loadBalancer } from './load-balancer.js';
import { roundRobin } from './strategies/round-robin.js';
import type { Endpoint, LoadBalancer } from './types.js';

const eps = (ids: string[], extra: Partial<Endpoint> = {}): Endpoint[] =>
  ids.map((id) => ({ id, url: `http://${id}.test`, ...extra }));
const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

/** A ManualClock that counts armed timers (leak checks). */
class CountingClock extends ManualClock {
  armed = 0;
  override setTimeout(fn: () => void, ms: number): unknown {
    this.armed++;
    return super.setTimeout(() => {
      this.armed--;
      fn();
    }, ms);
  }
  override clearTimeout(handle: unknown): void {
    const before = this.pending();
    super.clearTimeout(handle);
    if (this.pending() < before) this.armed--;
  }
  private pending(): number {
    return this.pendingTimers();
  }
}

/** Calls on `lb` that stay in flight until released; records the order in which they started. */
function harness(lb: LoadBalancer) {
  const started: string[] = [];
  const gates = new Map<string, () => void>();
  const call = (name: string, opts?: { signal?: AbortSignal }) =>
    lb.execute((ep) => {
      started.push(name);
      return new Promise<string>((r) => gates.set(name, () => r(`${name}@${ep.id}`)));
    }, opts);
  const release = (name: string): void => gates.get(name)!();
  return { started, call, release };
}

describe('saturation queue', () => {
  it('a call finding every endpoint at maxConnections waits and takes the first freed slot, in arrival order', async () => {
    const lb = loadBalancer({ endpoints: eps(['a', 'b'], { maxConnections: 1 }), strategy: roundRobin() });
    const h = harness(lb);
    const p1 = h.call('1');
    const p2 = h.call('2');
    const rest = ['3', '4', '5'].map((n) => h.call(n));
    await tick();
    expect(h.started).toEqual(['1', '2']);
    h.release('2');
    await expect(p2).resolves.toBe('2@b');
    await tick();
    expect(h.started).toEqual(['1', '2', '3']);
    h.release('1');
    h.release('3');
    await tick();
    expect(h.started).toEqual(['1', '2', '3', '4', '5']);
    h.release('4');
    h.release('5');
    await expect(p1).resolves.toBe('1@a');
    expect(await Promise.all(rest)).toEqual(['3@b', '4@a', '5@b']);
    expect(lb.endpoints().map((e) => e.inFlight)).toEqual([0, 0]);
  });

  it('a new call queues behind earlier waiters even when it arrives right after a slot freed', async () => {
    const lb = loadBalancer({ endpoints: eps(['a'], { maxConnections: 1 }) });
    const h = harness(lb);
    void h.call('1');
    const waiting = h.call('2');
    h.release('1');
    const late = h.call('3'); // the slot freed in the same tick: '2' still gets it first
    await tick();
    expect(h.started).toEqual(['1', '2']);
    h.release('2');
    await waiting;
    await tick();
    h.release('3');
    await late;
    expect(h.started).toEqual(['1', '2', '3']);
  });

  it('a full queue rejects at once with SaturatedError (maxPending), retried by the default retryOn', async () => {
    const lb = loadBalancer({ endpoints: eps(['a'], { maxConnections: 1 }), queue: { maxPending: 2 } });
    const h = harness(lb);
    void h.call('1');
    void h.call('2');
    void h.call('3');
    let ran = false;
    const e = await lb
      .execute(() => {
        ran = true;
      })
      .catch((x: unknown) => x);
    expect(e).toBeInstanceOf(SaturatedError);
    expect(e).toMatchObject({ code: 'BW_SATURATED', reason: 'queue full' });
    expect((e as Error).message).toMatch(/queue\.maxPending 2/);
    expect(ran).toBe(false);
    // Through retry() the rejected call is retried and, once the queue has room, served.
    const clock = new ManualClock();
    const retried = pipeline(retry({ maxAttempts: 3, backoff: constantBackoff(10), clock }), lb.asPolicy()).execute(
      () => 'retried',
    );
    await tick();
    h.release('1');
    await tick();
    clock.advance(10); // the retry finds room in the queue: '3' waits, then the retry
    await tick();
    h.release('2');
    await tick();
    h.release('3');
    await expect(retried).resolves.toBe('retried');
    expect(h.started).toEqual(['1', '2', '3']);
  });

  it('queue.timeoutMs: an expired wait rejects with SaturatedError; a served waiter leaves no timer behind', async () => {
    const clock = new CountingClock();
    const lb = loadBalancer({ endpoints: eps(['a'], { maxConnections: 1 }), queue: { timeoutMs: 100 }, clock });
    const h = harness(lb);
    void h.call('1');
    const expired = h.call('2').catch((x: unknown) => x);
    clock.advance(60);
    const served = h.call('3');
    expect(clock.armed).toBe(2);
    clock.advance(40);
    expect(await expired).toMatchObject({ code: 'BW_SATURATED', reason: 'wait timeout' });
    h.release('1');
    await tick();
    expect(clock.armed).toBe(0);
    h.release('3');
    await expect(served).resolves.toBe('3@a');
    expect(h.started).toEqual(['1', '3']);
  });

  it("the caller's signal aborts a wait: rejected with its reason, removed from the queue (maxPending counts it no more)", async () => {
    const lb = loadBalancer({ endpoints: eps(['a'], { maxConnections: 1 }), queue: { maxPending: 1 } });
    const h = harness(lb);
    void h.call('1');
    const ac = new AbortController();
    const aborted = h.call('2', { signal: ac.signal }).catch((x: unknown) => x);
    ac.abort(new Error('caller gave up'));
    expect(await aborted).toMatchObject({ message: 'caller gave up' });
    const next = h.call('3'); // the freed queue place is usable
    h.release('1');
    await tick();
    h.release('3');
    await expect(next).resolves.toBe('3@a');
    expect(h.started).toEqual(['1', '3']);
  });

  it('a timeout() policy around the balancer ends the wait with TimeoutError; the waiter never starts', async () => {
    const clock = new ManualClock();
    const lb = loadBalancer({ endpoints: eps(['a'], { maxConnections: 1 }), clock });
    const h = harness(lb);
    void h.call('1');
    let ran = false;
    const p = pipeline(timeout(50, { clock }), lb.asPolicy())
      .execute(() => {
        ran = true;
      })
      .catch((x: unknown) => x);
    clock.advance(50);
    expect(await p).toMatchObject({ code: 'BW_TIMEOUT' });
    h.release('1');
    await tick();
    expect(ran).toBe(false);
    expect(lb.endpoints()[0]!.inFlight).toBe(0);
  });

  it('waiters are served when update() adds an endpoint or raises maxConnections', async () => {
    const lb = loadBalancer({ endpoints: eps(['a'], { maxConnections: 1 }) });
    const h = harness(lb);
    void h.call('1');
    const w2 = h.call('2');
    const w3 = h.call('3');
    lb.update([...eps(['a'], { maxConnections: 1 }), ...eps(['b'], { maxConnections: 1 })]);
    await tick();
    expect(h.started).toEqual(['1', '2']);
    lb.update(eps(['a', 'b'], { maxConnections: 2 }));
    await tick();
    expect(h.started).toEqual(['1', '2', '3']);
    h.release('2');
    h.release('3');
    await Promise.all([w2, w3]);
  });

  it('a queued execute({ avoid }) waits for an endpoint it may use, and later calls may take the others', async () => {
    const lb = loadBalancer({ endpoints: eps(['a', 'b'], { maxConnections: 1 }), strategy: roundRobin() });
    const h = harness(lb);
    void h.call('1'); // a
    void h.call('2'); // b
    const avoiding = lb.execute((ep) => ep.id, { avoid: new Set(['a']) });
    const behind = h.call('3');
    h.release('1'); // a frees: the waiter avoids a and keeps waiting; the call behind it takes a
    await tick();
    expect(h.started).toEqual(['1', '2', '3']);
    h.release('3');
    await expect(behind).resolves.toBe('3@a');
    h.release('2');
    await expect(avoiding).resolves.toBe('b');
  });

  it('a waiter is rejected with NoHealthyEndpointError when nothing is left to wait for', async () => {
    const lb = loadBalancer({ endpoints: eps(['a'], { maxConnections: 1 }) });
    const h = harness(lb);
    const running = h.call('1');
    const waiting = h.call('2').catch((x: unknown) => x);
    lb.update([]);
    const e = await waiting;
    expect(e).toBeInstanceOf(NoHealthyEndpointError);
    expect(e).toMatchObject({ reason: 'empty' });
    h.release('1');
    await running;
  });

  it('drain() waits for queued calls too and serves them; close() rejects waiters with ClosedError', async () => {
    const lb = loadBalancer({ endpoints: eps(['a'], { maxConnections: 1 }) });
    const h = harness(lb);
    void h.call('1');
    const queued = h.call('2');
    let drained = false;
    const d = lb.drain().then(() => {
      drained = true;
    });
    await expect(lb.execute(() => 1)).rejects.toMatchObject({ reason: 'draining' });
    h.release('1');
    await tick();
    expect(h.started).toEqual(['1', '2']);
    expect(drained).toBe(false);
    h.release('2');
    await queued;
    await d;

    const lb2 = loadBalancer({ endpoints: eps(['a'], { maxConnections: 1 }) });
    const h2 = harness(lb2);
    void h2.call('1');
    const waiting = h2.call('2').catch((x: unknown) => x);
    await lb2.close();
    expect(await waiting).toBeInstanceOf(ClosedError);
    expect(h2.started).toEqual(['1']);
  });

  it('validates queue options', () => {
    const bad = (queue: unknown): ConfigError => {
      try {
        loadBalancer({ endpoints: [], queue: queue as never });
      } catch (e) {
        return e as ConfigError;
      }
      throw new Error('accepted');
    };
    expect(bad({ maxPending: -1 }).path).toBe('loadBalancer.queue.maxPending');
    expect(bad({ maxPending: 1.5 }).path).toBe('loadBalancer.queue.maxPending');
    expect(bad({ timeoutMs: 0 }).path).toBe('loadBalancer.queue.timeoutMs');
    expect(bad({ timeoutMs: 2 ** 31 }).message).toMatch(/between 1 and 2147483647/);
    expect(bad('x').path).toBe('loadBalancer.queue');
  });
});

describe('close()', () => {
  it('new work after close() rejects with ClosedError (BW_CLOSED), pick() throws it; drain() alone still says draining', async () => {
    const lb = loadBalancer({ endpoints: eps(['a']) });
    await lb.drain();
    expect(() => lb.pick()).toThrow(NoHealthyEndpointError);
    await lb.close();
    let ran = false;
    const e = await lb
      .execute(() => {
        ran = true;
      })
      .catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ClosedError);
    expect(e).toMatchObject({ code: 'BW_CLOSED', message: 'balancer "balancer" is closed' });
    expect(ran).toBe(false);
    await expect(lb.asPolicy().execute(() => 1)).rejects.toBeInstanceOf(ClosedError);
    expect(() => lb.pick()).toThrow(ClosedError);
  });
});
