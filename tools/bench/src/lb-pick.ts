import { loadBalancer, type Strategy } from '@breakwater/core';

/** Median ns per `pick()` over `rounds` rounds of `iterations` picks, at `n` endpoints. */
export function pickCost(strategy: () => Strategy, n: number, keyed: boolean, iterations: number, rounds = 5): number {
  const lb = loadBalancer({ endpoints: Array.from({ length: n }, (_, i) => ({ id: `e${i}`, url: `http://e${i}`, weight: 1 + (i % 3) })), strategy: strategy() });
  const keys = Array.from({ length: 1024 }, (_, i) => ({ key: `session-${i * 7919}` }));
  let sink = 0;
  const once = (): number => {
    const t0 = process.hrtime.bigint();
    if (keyed) for (let i = 0; i < iterations; i++) sink += lb.pick(keys[i & 1023]).id.length;
    else for (let i = 0; i < iterations; i++) sink += lb.pick().id.length;
    return Number(process.hrtime.bigint() - t0) / iterations;
  };
  once(); // warm up (JIT, first plan build)
  const samples = Array.from({ length: rounds }, once).sort((a, b) => a - b);
  if (sink === -1) console.log(sink);
  void lb.close();
  return samples[Math.floor(rounds / 2)]!;
}
