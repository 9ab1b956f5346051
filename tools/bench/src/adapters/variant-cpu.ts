// CPU per call (in-process server included) of one adapter variant on the real bench server, one per process:
//   npx tsc -b packages/fetch/tsconfig.lib.json && node --import tsx tools/bench/src/adapters/variant-cpu.ts <variant>
// variant: fetch-raw | fetch-full | fetch-notimeout | icpt-raw | icpt-full | icpt-notimeout
// (full: retry+breaker+timeout(2000), as the bench; notimeout: retry+breaker). Run on a quiet machine,
// alternating variants: isolates what the timeout (an abortable attempt) costs on a real transport.
import { circuitBreaker, loadBalancer, pipeline, retry, roundRobin, timeout } from '@breakwater/core';
import { breakwaterInterceptor, createFetch } from '@breakwater/fetch';
import { Agent, Pool, fetch as undiciFetch, request } from 'undici';
import { lastCpuUsPerCall, throughput } from './run.js';
import { startBenchServer } from './server.js';
const [variant = 'fetch-full'] = process.argv.slice(2);
const server = await startBenchServer();
const path = new URL(server.url).pathname;
const policy = variant.endsWith('full')
  ? pipeline(retry(), circuitBreaker({ name: 'x' }), timeout(2000))
  : pipeline(retry(), circuitBreaker({ name: 'x' }));
let call: () => Promise<unknown>;
if (variant === 'fetch-raw') {
  const pool = new Pool(server.origin, { connections: 64 });
  call = () => undiciFetch(server.origin + path, { dispatcher: pool }).then((r) => r.text());
} else if (variant.startsWith('fetch')) {
  const balancer = loadBalancer({
    endpoints: [{ id: 'a', url: server.origin, maxConnections: 64 }],
    strategy: roundRobin(),
  });
  const wrapped = createFetch({ fetch: undiciFetch as unknown as typeof fetch, balancer, policy });
  call = () => wrapped(path).then((r) => r.text());
} else if (variant === 'icpt-raw') {
  const a = new Agent({ connections: 64 });
  call = () => request(server.url, { dispatcher: a }).then((r) => r.body.text());
} else {
  const a = new Agent({ connections: 64 }).compose(breakwaterInterceptor({ policyFor: () => policy }));
  call = () => request(server.url, { dispatcher: a }).then((r) => r.body.text());
}
await throughput(call, 64, 800);
const r = await throughput(call, 64, 2000);
console.log(variant, r.toFixed(0), 'calls/s', lastCpuUsPerCall.toFixed(1), 'us CPU/call');
process.exit(0);
