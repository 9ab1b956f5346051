/**
 * One cell of bench:core, in its own process: one library, one scenario, one case.
 * - best case: a fresh process, one breaker/pipeline and one function (monomorphic call sites).
 * - realistic case: the library first runs ≥ 20 breakers and pipelines with distinct functions and
 *   options (see warmup.ts).
 * Either way a sanity instance runs before the timed one, so the timed instance is not the first
 * of its kind. Per round, in alternating chunks: bare `await fn()` baseline, the contender (and, for
 * Breakwater's rejected pipeline call, the reference `async () => { throw new Error() }`), same call
 * count; a round's figure is the fastest contender chunk minus the fastest baseline chunk.
 * Prints one JSON line: overheads per round in ns, or heap bytes per breaker.
 *
 * Usage (spawned by core.bench.ts): cell.ts <dist entry> <contender> <scenario> <best|realistic> <rounds>
 * With BW_CPU_PROFILE=<file>, the timed rounds alone are CPU-profiled into <file> (.cpuprofile):
 * `node --conditions=@breakwater/source --import tsx --expose-gc tools/bench/src/core/cell.ts \
 *    packages/core/dist/index.js breakwater pipeline realistic 30` — warm-up and loading excluded.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { pathToFileURL } from 'node:url';
import type { Core } from './load-core.js';
import { contendersFor, ok, type Contender } from './contenders.js';
import { heapBytesPer, median, nsPerCall, nsPerOp } from './measure.js';
import { warmUpBreakwater, warmUpCockatiel, warmUpOpossum } from './warmup.js';

export type CellScenario = 'breakerOnly' | 'pipeline' | 'rejectedPipeline' | 'heap';
export interface CellResult {
  /** Overhead per call per round (contender − bare baseline), ns. */
  ns?: number[];
  /** Breakwater rejectedPipeline cells: `async () => { throw new Error() }` awaited and caught, minus the baseline, per round. */
  asyncThrowNs?: number[];
  /** The same cells: synchronous `throw new Error()` + catch, per round. */
  syncThrowNs?: number[];
  heapBytes?: number;
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
 * Calls per round so that a round takes ~100 ms, from a short trial: 100 000 for a fast call, a
 * few hundred for one that waits on timers (cockatiel's retry waits on setTimeout even with a
 * zero delay, which makes its rejected call cost milliseconds).
 */
async function callsPerRound(call: () => Promise<unknown>): Promise<number> {
  const ns = await nsPerCall(call, 200);
  return Math.max(200, Math.min(100_000, Math.round(1e8 / Math.max(ns, 1))));
}

/** Runs the sanity instance for 20 000 calls or 300 ms, whichever comes first. */
async function exercise(call: () => Promise<unknown>): Promise<void> {
  const until = performance.now() + 300;
  for (let i = 0; i < 20_000 && (i % 100 !== 0 || performance.now() < until); i++) await call();
}

async function run(): Promise<CellResult> {
  const [dist, name, scenario, mode, roundsArg] = process.argv.slice(2) as [string, string, CellScenario, string, string];
  const rounds = Number(roundsArg);
  const core = (await import(pathToFileURL(dist).href)) as Core;
  const contender = contendersFor(core).find((c) => c.name === name)!;
  if (mode === 'realistic') {
    if (name === 'breakwater') await warmUpBreakwater(core);
    else if (name === 'cockatiel') await warmUpCockatiel();
    else await warmUpOpossum();
  }
  if (scenario === 'heap') {
    heapBytesPer(contender.makeBreaker, 1000, contender.releaseBreaker); // sanity instances
    return { heapBytes: median([0, 1, 2].map(() => heapBytesPer(contender.makeBreaker, HEAP_BREAKERS, contender.releaseBreaker))) };
  }
  const sanity = await scenarioCall(contender, scenario);
  await exercise(sanity);
  const call = await scenarioCall(contender, scenario);
  const bare = (): Promise<unknown> => ok();
  const withRef = name === 'breakwater' && scenario === 'rejectedPipeline';
  const refCall = (): Promise<unknown> => asyncThrow().catch(noop);
  const n = await callsPerRound(call);
  const out: Required<Pick<CellResult, 'ns' | 'asyncThrowNs' | 'syncThrowNs'>> = { ns: [], asyncThrowNs: [], syncThrowNs: [] };
  // Within a round the baseline and the contender alternate in chunks, so both see the same machine
  // load; a round's figure is the fastest contender chunk minus the fastest baseline chunk. Why
  // minima: on a shared machine other processes only ever add time to a chunk (preemption, cache
  // eviction), so the fastest chunk is the best estimate of the cost itself; the table then takes
  // the median over rounds.
  const chunk = Math.max(20, Math.round(n / CHUNKS));
  const profile = process.env['BW_CPU_PROFILE'];
  const session = profile === undefined ? undefined : new Session();
  if (session !== undefined) {
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.start');
  }
  for (let round = 0; round < WARMUP_ROUNDS + rounds; round++) {
    let base = Infinity;
    let x = Infinity;
    let ref = Infinity;
    let thr = Infinity;
    for (let j = 0; j < CHUNKS; j++) {
      base = Math.min(base, await nsPerCall(bare, chunk));
      x = Math.min(x, await nsPerCall(call, chunk));
      if (withRef) {
        ref = Math.min(ref, await nsPerCall(refCall, chunk));
        thr = Math.min(thr, nsPerOp(syncThrow, chunk));
      }
    }
    if (round < WARMUP_ROUNDS) continue;
    out.ns.push(x - base);
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
  return withRef ? out : { ns: out.ns };
}

run().then((r) => {
  process.stdout.write(`${JSON.stringify(r)}\n`);
  // opossum and timeouts may leave timers behind; the cell is done.
  process.exit(0);
}, (e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
  process.exit(1);
});
