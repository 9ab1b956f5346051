/**
 * One cell of bench:core, in its own process: one scenario, one case, all three libraries.
 * - best case: a fresh process, one breaker/pipeline and one function per library (monomorphic
 *   call sites in each library's code).
 * - realistic case: each library first runs ≥ 20 breakers and pipelines with distinct functions
 *   and options (see warmup.ts). The libraries share no code, so one's warm-up leaves the other's
 *   call sites as they were.
 * Why the three in one process: a process's speed on a shared machine varies by tens of percent
 * from one process to the next (which core, which neighbours); ratios measured inside one process
 * cancel that out; each is timed by its own copy of the timing loop (monomorphic call site). A
 * sanity instance runs before each timed one. Per round, in alternating chunks
 * of sequential awaited calls: the bare `await fn()` baseline, each library (and, for the rejected
 * pipeline call, the reference `async () => { throw new Error() }`); a library's figure for the
 * round is its fastest chunk minus the fastest baseline chunk, per call. Why minima: other
 * processes only ever add time to a chunk, so the fastest chunk is the best estimate of the cost.
 * Prints one JSON line.
 *
 * Usage (spawned by core.bench.ts): cell.ts <dist entry> <scenario> <best|realistic> <rounds>
 * With BW_CPU_PROFILE=<file>, the timed rounds alone are CPU-profiled into <file> (.cpuprofile):
 * `node --conditions=@breakwater/source --import tsx --expose-gc tools/bench/src/core/cell.ts \
 *    packages/core/dist/index.js pipeline realistic 30` — warm-up and loading excluded.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { pathToFileURL } from 'node:url';
import type { Core } from './load-core.js';
import { contendersFor, ok, type Contender } from './contenders.js';
import { freshNsPerCall, heapBytesPer, median, nsPerCall, nsPerOp } from './measure.js';
import { warmUpBreakwater, warmUpCockatiel, warmUpOpossum } from './warmup.js';

export type CellScenario = 'breakerOnly' | 'pipeline' | 'rejectedPipeline' | 'heap';
export type Lib = 'breakwater' | 'cockatiel' | 'opossum';
export interface CellResult {
  /** Overhead per call per round (library − bare baseline), ns, by library. */
  ns?: Record<Lib, number[]>;
  /** rejectedPipeline cells: `async () => { throw new Error() }` awaited and caught, minus the baseline, per round. */
  asyncThrowNs?: number[];
  /** The same cells: synchronous `throw new Error()` + catch, per round. */
  syncThrowNs?: number[];
  heapBytes?: Record<Lib, number>;
}

const WARMUP_ROUNDS = 2;
const CHUNKS = 20;
const HEAP_BREAKERS = 10_000;
const noop = (): void => {};
const asyncThrow = async (): Promise<never> => {
  throw new Error('reference');
};
const syncThrow = (): void => {
  try {
    throw new Error('reference');
  } catch {
    // measured: construction (stack capture) + throw + catch
  }
};

async function scenarioCall(c: Contender, s: CellScenario): Promise<() => Promise<unknown>> {
  if (s === 'breakerOnly') return c.breakerOnly();
  if (s === 'pipeline') return c.pipeline();
  return c.rejectedPipeline();
}

/**
 * Calls per chunk so that a chunk takes ~5 ms, from a short trial: 5 000 for a fast call, a few
 * for one that waits on timers (cockatiel's retry waits on setTimeout even with a zero delay, which
 * makes its rejected call cost milliseconds).
 */
async function callsPerChunk(call: () => Promise<unknown>): Promise<number> {
  const ns = await nsPerCall(call, 100);
  return Math.max(4, Math.min(5000, Math.round(5e6 / Math.max(ns, 1))));
}

/** Runs a sanity instance for 20 000 calls or 300 ms, whichever comes first. */
async function exercise(call: () => Promise<unknown>): Promise<void> {
  const until = performance.now() + 300;
  for (let i = 0; i < 20_000 && (i % 100 !== 0 || performance.now() < until); i++) await call();
}

async function run(): Promise<CellResult> {
  const [dist, scenario, mode, roundsArg] = process.argv.slice(2) as [string, CellScenario, string, string];
  const rounds = Number(roundsArg);
  const core = (await import(pathToFileURL(dist).href)) as Core;
  const contenders = contendersFor(core);
  if (mode === 'realistic') {
    await warmUpBreakwater(core);
    await warmUpCockatiel();
    await warmUpOpossum();
  }
  if (scenario === 'heap') {
    const heap = {} as Record<Lib, number>;
    for (const c of contenders) {
      heapBytesPer(c.makeBreaker, 1000, c.releaseBreaker); // sanity instances
      heap[c.name] = median([0, 1, 2].map(() => heapBytesPer(c.makeBreaker, HEAP_BREAKERS, c.releaseBreaker)));
    }
    return { heapBytes: heap };
  }
  const timed: Array<{
    name: Lib;
    call: () => Promise<unknown>;
    chunk: number;
    time: (call: () => Promise<unknown>, n: number) => Promise<number>;
  }> = [];
  for (const c of contenders) {
    await exercise(await scenarioCall(c, scenario));
    const call = await scenarioCall(c, scenario);
    timed.push({ name: c.name, call, chunk: await callsPerChunk(call), time: freshNsPerCall(c.name) });
  }
  const bare = (): Promise<unknown> => ok();
  const timeBare = freshNsPerCall('bare');
  const timeRef = freshNsPerCall('ref');
  const withRef = scenario === 'rejectedPipeline';
  const refCall = (): Promise<unknown> => asyncThrow().catch(noop);
  const ns = { breakwater: [], cockatiel: [], opossum: [] } as Record<Lib, number[]>;
  const out = { asyncThrowNs: [] as number[], syncThrowNs: [] as number[] };
  const profile = process.env['BW_CPU_PROFILE'];
  const session = profile === undefined ? undefined : new Session();
  if (session !== undefined) {
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.start');
  }
  for (let round = 0; round < WARMUP_ROUNDS + rounds; round++) {
    let base = Infinity;
    const best = new Map<Lib, number>(timed.map((t) => [t.name, Infinity]));
    let ref = Infinity;
    let thr = Infinity;
    for (let j = 0; j < CHUNKS; j++) {
      base = Math.min(base, await timeBare(bare, 5000));
      // Rotate the order so no library always runs right after another's garbage.
      for (let k = 0; k < timed.length; k++) {
        const t = timed[(j + k) % timed.length]!;
        best.set(t.name, Math.min(best.get(t.name)!, await t.time(t.call, t.chunk)));
      }
      if (withRef) {
        ref = Math.min(ref, await timeRef(refCall, 5000));
        thr = Math.min(thr, nsPerOp(syncThrow, 5000));
      }
    }
    if (round < WARMUP_ROUNDS) continue;
    for (const [name, x] of best) ns[name].push(x - base);
    if (withRef) {
      out.asyncThrowNs.push(ref - base);
      out.syncThrowNs.push(thr);
    }
  }
  if (session !== undefined) {
    const { profile: data } = await session.post('Profiler.stop');
    writeFileSync(profile!, JSON.stringify(data));
    session.disconnect();
  }
  return withRef ? { ns, ...out } : { ns };
}

run().then(
  (r) => {
    process.stdout.write(`${JSON.stringify(r)}\n`);
    // opossum and timeouts may leave timers behind; the cell is done.
    process.exit(0);
  },
  (e: unknown) => {
    process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
