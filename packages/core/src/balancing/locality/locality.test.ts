import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../clock.js';
import { ConfigError } from '../../errors.js';
import { loadBalancer } from '../load-balancer.js';
import { seededRandom } from '../random.js';
import { roundRobin } from '../strategies/round-robin.js';
import type { Endpoint, LoadBalancer, RegionChangeEvent } from '../types.js';
import { closestRegion, greatCircleKm } from './closest-region.js';
import { priorityLoads } from './priority-load.js';

const region = (r: string, n: number): Endpoint[] =>
  Array.from({ length: n }, (_, i) => ({ id: `${r}-${i}`, url: `http://${r}-${i}`, region: r }));

/** A balancer whose health the test sets directly through a custom check driven by ManualClock. */
function setup(locality: object, counts: Record<string, number> = { 'us-east': 3, 'eu-west': 3 }) {
  const clock = new ManualClock();
  const down = new Set<string>();
  const endpoints = Object.entries(counts).flatMap(([r, n]) => region(r, n));
  const lb = loadBalancer({
    endpoints,
    clock,
    strategy: roundRobin(),
    random: seededRandom(11),
    locality,
    healthCheck: {
      intervalMs: 1000,
      jitterMs: 0,
      healthyThreshold: 1,
      unhealthyThreshold: 1,
      check: (ep) => Promise.resolve(!down.has(ep.id)),
    },
  });
  const events: RegionChangeEvent[] = [];
  lb.on('regionChange', (e) => events.push(e));
  // Small steps: a check's promise settles in microtasks, which must run before its timeout is due.
  const settle = async (): Promise<void> => {
    for (let t = 0; t < 1000; t += 50) {
      clock.advance(50);
      for (let i = 0; i < 5; i++) await Promise.resolve();
    }
  };
  return { lb, down, events, settle, clock };
}

function shares(lb: LoadBalancer, n = 3000): Record<string, number> {
  const out: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const r = lb.pick().region!;
    out[r] = (out[r] ?? 0) + 1;
  }
  for (const r of Object.keys(out)) out[r] = out[r]! / n;
  return out;
}

describe('priorityLoads (Envoy)', () => {
  it('spills the shortfall in order and normalises', () => {
    expect(priorityLoads([1, 1], 1.4)).toEqual([1, 0]);
    const [a, b] = priorityLoads([2 / 3, 1], 1.4);
    expect(a).toBeCloseTo(0.9333, 3);
    expect(b).toBeCloseTo(0.0667, 3);
    expect(priorityLoads([0, 1], 1.4)).toEqual([0, 1]);
    const n = priorityLoads([0.2, 0.2], 1.4); // 28% + 28% healthy → scaled to 50/50
    expect(n[0]).toBeCloseTo(0.5);
    expect(n[1]).toBeCloseTo(0.5);
    expect(priorityLoads([0, 0], 1.4)).toEqual([0, 0]);
  });
});

describe('region failover (ManualClock)', () => {
  it('local-only while healthy, proportional spill-over, full failover, recovery', async () => {
    const { lb, down, events, settle } = setup({ local: 'us-east', order: ['us-east', 'eu-west'] });
    expect(lb.currentRegion).toBe('us-east');
    expect(shares(lb)).toEqual({ 'us-east': 1 });
    // One of three local endpoints down: 2/3 × 1.4 = 93% stays local (≥ 1 needs ≥ 71.4% healthy).
    down.add('us-east-0');
    await settle();
    const s1 = shares(lb);
    expect(s1['us-east']).toBeCloseTo(0.933, 1);
    expect(s1['eu-west']).toBeCloseTo(0.067, 1);
    expect(lb.currentRegion).toBe('us-east');
    expect(events).toEqual([]);
    // Two of three down: 1/3 × 1.4 = 47% local, 53% spills.
    down.add('us-east-1');
    await settle();
    const s2 = shares(lb);
    expect(s2['us-east']).toBeCloseTo(0.467, 1);
    expect(lb.currentRegion).toBe('eu-west');
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ from: 'us-east', to: 'eu-west' });
    expect(events[0]!.reason).toMatch(/failover: us-east healthy share 33%/);
    // Whole region down: everything to eu-west (50% of the fleet healthy: not panic).
    down.add('us-east-2');
    await settle();
    expect(shares(lb)).toEqual({ 'eu-west': 1 });
    // Recovery.
    down.clear();
    await settle();
    expect(shares(lb)).toEqual({ 'us-east': 1 });
    expect(lb.currentRegion).toBe('us-east');
    expect(events.at(-1)).toMatchObject({ from: 'eu-west', to: 'us-east' });
    expect(events.at(-1)!.reason).toMatch(/recovered/);
    await lb.close();
  });

  it('panic: below panicThreshold of the fleet, unhealthy endpoints take traffic again', async () => {
    const { lb, down, events, settle } = setup({ local: 'us-east', panicThreshold: 0.5 });
    for (const id of ['us-east-0', 'us-east-1', 'us-east-2', 'eu-west-0']) down.add(id);
    await settle(); // 2/6 healthy < 50%
    // Health is ignored: every level counts as fully healthy, so local takes everything again.
    expect(shares(lb)).toEqual({ 'us-east': 1 });
    expect(new Set(Array.from({ length: 30 }, () => lb.pick().id))).toEqual(
      new Set(['us-east-0', 'us-east-1', 'us-east-2']),
    );
    expect(events).toEqual([]);
    await lb.close();
  });

  it('panicThreshold 0 disables panic: only the healthy remote endpoint gets traffic', async () => {
    const { lb, down, events, settle } = setup({ local: 'us-east', panicThreshold: 0 });
    for (const id of ['us-east-0', 'us-east-1', 'us-east-2', 'eu-west-0', 'eu-west-1']) down.add(id);
    await settle();
    expect(new Set(Array.from({ length: 30 }, () => lb.pick().id))).toEqual(new Set(['eu-west-2']));
    expect(events.map((e) => e.to)).toEqual(['eu-west']);
    await lb.close();
  });

  it('order without local; unlisted regions fail over last', async () => {
    const { lb, down, settle } = setup({ order: ['eu-west'] }, { 'us-east': 2, 'eu-west': 2, 'ap-south': 2 });
    expect(lb.currentRegion).toBe('eu-west');
    down.add('eu-west-0');
    down.add('eu-west-1');
    await settle();
    expect(shares(lb, 200)).toEqual({ 'us-east': 1 });
    await lb.close();
  });

  it('without locality, currentRegion is the region with most traffic', () => {
    const lb = loadBalancer({ endpoints: [...region('a', 1), ...region('b', 2)] });
    expect(lb.currentRegion).toBe('b');
  });
});

describe('closestRegion', () => {
  const regions = {
    'us-east': { lat: 39.0, lon: -77.5 },
    'eu-west': { lat: 53.3, lon: -6.3 },
    'ap-south': { lat: 19.1, lon: 72.9 },
  };
  it('picks the nearest region by great-circle distance', () => {
    expect(closestRegion({ lat: 48.85, lon: 2.35 }, regions)).toBe('eu-west'); // Paris
    expect(closestRegion({ lat: 40.7, lon: -74.0 }, regions)).toBe('us-east'); // New York
    expect(closestRegion({ lat: 1.35, lon: 103.8 }, regions)).toBe('ap-south'); // Singapore
    expect(greatCircleKm({ lat: 51.5, lon: -0.13 }, { lat: 48.85, lon: 2.35 })).toBeCloseTo(343, -1); // London–Paris
  });
  it('validates its input', () => {
    expect(() => closestRegion({ lat: 100, lon: 0 }, regions)).toThrow(ConfigError);
    expect(() => closestRegion({ lat: 0, lon: 0 }, {})).toThrow(/closestRegion.regions/);
  });
});
