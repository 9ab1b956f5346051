// Breakwater's own CPU per call with a fake transport (no sockets), one contender per process, on dist:
//   npx tsc -b packages/fetch/tsconfig.lib.json && node --import tsx tools/bench/src/adapters/own-cpu.ts <pair> [calls]
// pair: fetch | fetch-bare | interceptor | interceptor-bare (-bare: the fake transport alone).
// Measure dist, not source (--conditions=@breakwater/source runs through tsx, whose __name wrappers
// triple the figure). Compare two builds in separate processes, alternating: a same-process A/B is
// invalid (the first build's shapes and JIT state bias the second). Add --cpu-prof and read the
// profile with summarise-profile.ts to see where the time goes.
import { Dispatcher } from 'undici';
import { loadBalancer, roundRobin } from '@breakwater/core';
import { breakwaterInterceptor, createFetch } from '@breakwater/fetch';
import { fullPolicy } from './contenders.js';

const [pair = 'fetch', n = '100000'] = process.argv.slice(2);
const RES = new Response(null, { status: 200 });
const CHUNK = Buffer.from('ok');
const fakeFetch = (): Promise<Response> => Promise.resolve(RES);

/** Answers every request with 200 and an empty body on a microtask, through the legacy handler interface. */
class FakeDispatcher extends Dispatcher {
  override dispatch(_opts: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    const h = handler as unknown as Record<string, (...a: unknown[]) => unknown>;
    queueMicrotask(() => {
      h.onConnect?.(() => undefined);
      h.onHeaders?.(200, [], () => undefined, 'OK');
      h.onData?.(CHUNK);
      h.onComplete?.([]);
    });
    return true;
  }
}

function dispatchCall(d: Dispatcher): () => Promise<unknown> {
  const opts = { origin: 'http://fake.invalid', path: '/x', method: 'GET' } as Dispatcher.DispatchOptions;
  return () =>
    new Promise((resolve, reject) => {
      d.dispatch(opts, {
        onConnect: () => undefined,
        onHeaders: () => true,
        onData: () => true,
        onComplete: resolve,
        onError: reject,
      } as unknown as Dispatcher.DispatchHandler);
    });
}

let call: () => Promise<unknown>;
if (pair === 'fetch-bare') call = fakeFetch;
else if (pair === 'fetch') {
  const balancer = loadBalancer({
    endpoints: [{ id: 'a', url: 'http://fake.invalid', maxConnections: 64 }],
    strategy: roundRobin(),
  });
  const wrapped = createFetch({ fetch: fakeFetch as typeof fetch, balancer, policy: fullPolicy('own-fetch') });
  call = () => wrapped('/x');
} else if (pair === 'interceptor-bare') call = dispatchCall(new FakeDispatcher());
else {
  const policy = fullPolicy('own-icpt');
  call = dispatchCall(new FakeDispatcher().compose(breakwaterInterceptor({ policyFor: () => policy })));
}

/**
 * CPU µs per call of `n` calls by 64 concurrent loops (counted, not timed: a fake transport never
 * yields to timers).
 */
async function cpuPerCall(n: number): Promise<number> {
  let left = n;
  const loop = async (): Promise<void> => {
    while (left-- > 0) await call();
  };
  const cpu0 = process.cpuUsage();
  await Promise.all(Array.from({ length: 64 }, loop));
  const cpu = process.cpuUsage(cpu0);
  return (cpu.user + cpu.system) / n;
}
await cpuPerCall(Number(n) / 4);
const runs: number[] = [];
for (let i = 0; i < 5; i++) runs.push(await cpuPerCall(Number(n)));
runs.sort((a, b) => a - b);
console.log(`${pair} median ${runs[2]!.toFixed(3)} us/call (runs ${runs.map((x) => x.toFixed(2)).join(' ')})`);
process.exit(0);
