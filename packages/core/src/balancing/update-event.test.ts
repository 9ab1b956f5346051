import { describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.js';
import { ConfigError } from '../errors.js';
import { loadBalancer } from './load-balancer.js';
import { roundRobin } from './strategies/round-robin.js';
import type { Endpoint, UpdateEvent } from './types.js';

const eps = (ids: string[]): Endpoint[] => ids.map((id) => ({ id, url: `http://${id}` }));

describe("balancer 'update' event", () => {
  it('names the ids that joined and left, at the clock time, after the new list took effect', async () => {
    const clock = new ManualClock(1_000);
    const lb = loadBalancer({ endpoints: eps(['a', 'b', 'c']), strategy: roundRobin(), clock });
    const seen: Array<UpdateEvent & { live: string[] }> = [];
    lb.on('update', (e) => seen.push({ ...e, live: lb.endpoints().map((x) => x.id) }));
    clock.advance(5);
    lb.update([...eps(['c', 'd', 'a']), { id: 'e', url: 'http://e', weight: 2 }]);
    expect(seen).toEqual([{ added: ['d', 'e'], removed: ['b'], at: 1_005, live: ['c', 'd', 'a', 'e'] }]);
    await lb.close();
  });

  it('is emitted for every update(), with empty lists when only definitions changed; none for the initial list', async () => {
    const lb = loadBalancer({ endpoints: eps(['a']), clock: new ManualClock() });
    const seen: UpdateEvent[] = [];
    const off = lb.on('update', (e) => seen.push(e));
    lb.update([{ id: 'a', url: 'http://a2' }]);
    expect(seen).toEqual([{ added: [], removed: [], at: 0 }]);
    off();
    lb.update(eps(['b']));
    expect(seen).toHaveLength(1);
    await lb.close();
  });

  it('an invalid list is rejected before anything changes: no event', async () => {
    const lb = loadBalancer({ endpoints: eps(['a']), clock: new ManualClock() });
    const seen: UpdateEvent[] = [];
    lb.on('update', (e) => seen.push(e));
    expect(() => lb.update([{ id: '', url: 'x' }])).toThrow(ConfigError);
    expect(seen).toEqual([]);
    expect(lb.endpoints().map((e) => e.id)).toEqual(['a']);
    await lb.close();
  });

  it('a throwing listener does not break update()', async () => {
    const lb = loadBalancer({ endpoints: eps(['a']), clock: new ManualClock() });
    lb.on('update', () => {
      throw new Error('listener bug');
    });
    const seen: UpdateEvent[] = [];
    lb.on('update', (e) => seen.push(e));
    expect(() => lb.update(eps(['b']))).not.toThrow();
    expect(seen).toMatchObject([{ added: ['b'], removed: ['a'] }]);
    expect(lb.pick().id).toBe('b');
    await lb.close();
  });

  it('close() removes update listeners', async () => {
    const lb = loadBalancer({ endpoints: eps(['a']), clock: new ManualClock() });
    const seen: UpdateEvent[] = [];
    lb.on('update', (e) => seen.push(e));
    await lb.close();
    lb.update(eps(['b']));
    expect(seen).toEqual([]);
  });
});
