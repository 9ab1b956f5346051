import { loadBalancer, type Endpoint } from '@breakwater/core';
import { median } from './core/measure.js';
import type { PickSubject } from './lb-strategies.js';

/** What the timing loop calls: a balancer, or a reference with the same `pick` signature. */
interface PickTarget {
  pick(o?: { key?: string }): Endpoint;
}
type Loop = (target: PickTarget, args: ReadonlyArray<{ key: string } | undefined>, iterations: number) => number;

/**
 * A freshly compiled timing loop. Each target gets its own (new Function = its own feedback and
 * optimised code), so its `pick` call site stays monomorphic and no target inherits another's
 * deoptimisations — the harness is the same text for every strategy and reference.
 */
function freshLoop(): Loop {
  return fresh(
    ['target', 'args', 'iterations'],
    'let sink = 0; for (let i = 0; i < iterations; i++) sink += target.pick(args[i & 1023]).id.length; return sink;',
  ) as Loop;
}

let compiled = 0;
/**
 * new Function with a unique source text: V8 caches compilations by source, and two functions from
 * one cached compilation share their feedback — the very thing a fresh copy is meant to avoid.
 */
function fresh(params: string[], body: string): (...args: never[]) => unknown {
  return new Function(...params, `${body}\n// copy ${++compiled}`) as (...args: never[]) => unknown;
}

/** ns per pick of one target, per timed round (after one untimed warm-up round). */
class Timed {
  readonly rounds: number[] = [];
  sink = 0;
  private readonly loop = freshLoop();
  private readonly target: PickTarget;
  private readonly args: ReadonlyArray<{ key: string } | undefined>;
  private readonly iterations: number;

  constructor(target: PickTarget, args: ReadonlyArray<{ key: string } | undefined>, iterations: number) {
    this.target = target;
    this.args = args;
    this.iterations = iterations;
    this.sink += this.loop(target, args, iterations); // warm-up: JIT, first plan build
  }

  round(): number {
    const t0 = process.hrtime.bigint();
    this.sink += this.loop(this.target, this.args, this.iterations);
    const ns = Number(process.hrtime.bigint() - t0) / this.iterations;
    this.rounds.push(ns);
    return ns;
  }
}

/** pick() cost of one strategy at one size, with the references measured alongside it. */
export interface PickCost {
  n: number;
  /** Median ns of the loop with an empty pick (returns one fixed endpoint): subtracted from the others. */
  loopNs: number;
  /**
   * Median ns, loop subtracted, of the reference pick: a random index into the n endpoints
   * (Math.random + array read).
   */
  refNs: number;
  /** Median ns, loop subtracted, of the balancer's pick(). */
  pickNs: number;
  /** Median over rounds of (pick − loop) / (reference − loop) measured in the same round: load inflates both. */
  ratio: number;
}

/**
 * Measures `pick()` of `subject` at `n` endpoints: `rounds` rounds (≥ 5) of `iterations` calls,
 * each round timing the empty loop, the reference and the balancer back to back (rotating their
 * order), so a burst of load on the machine hits all three.
 */
export function measurePick(subject: PickSubject, n: number, iterations: number, rounds: number): PickCost {
  const endpoints = Array.from({ length: n }, (_, i) => ({ id: `e${i}`, url: `http://e${i}`, weight: 1 + (i % 3) }));
  const lb = loadBalancer({ endpoints, strategy: subject.make() });
  const args = Array.from({ length: 1024 }, (_, i) => (subject.keyed ? { key: `session-${i * 7919}` } : undefined));
  const fixed = endpoints[0]!;
  // References: the same endpoint objects the balancer hands out, so memory effects at 10k are shared.
  // Built by new Function too, so each size's references get their own feedback, like the loops.
  const empty = (fresh(['fixed'], 'return { pick: () => fixed };') as (f: Endpoint) => PickTarget)(fixed);
  const reference = (
    fresh(['endpoints', 'n'], 'return { pick: () => endpoints[Math.floor(Math.random() * n)] };') as (
      e: Endpoint[],
      n: number,
    ) => PickTarget
  )(endpoints, n);
  const timed = [
    new Timed(empty, args, iterations),
    new Timed(reference, args, iterations),
    new Timed(lb, args, iterations),
  ];
  const ratios: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const ns = [0, 0, 0];
    for (let k = 0; k < 3; k++) {
      const which = (r + k) % 3;
      ns[which] = timed[which]!.round();
    }
    ratios.push((ns[2]! - ns[0]!) / Math.max(ns[1]! - ns[0]!, 0.1));
  }
  void lb.close();
  if (timed.reduce((a, t) => a + t.sink, 0) === -1) console.log('unreachable'); // keeps the loops' results live
  const loopNs = median(timed[0]!.rounds);
  return {
    n,
    loopNs,
    refNs: median(timed[1]!.rounds) - loopNs,
    pickNs: median(timed[2]!.rounds) - loopNs,
    ratio: median(ratios),
  };
}
