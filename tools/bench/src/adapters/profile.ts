// Profiling aid: node --cpu-prof --conditions=@breakwater/source --import tsx
// tools/bench/src/adapters/profile.ts <pair> <side> [ms]
// Runs one contender for `ms` so its CPU profile can be read (see `summarise-profile.ts`).
import { axiosContenders, fetchContenders } from './contenders.js';
import { interceptorContenders } from './interceptor-contenders.js';
import { lastCpuUsPerCall, throughput } from './run.js';
import { startBenchServer } from './server.js';

const [pair = 'fetch', side = '1', ms = '5000'] = process.argv.slice(2);
const server = await startBenchServer();
const path = new URL(server.url).pathname;
const list =
  pair === 'fetch'
    ? fetchContenders(server.origin, path, 64)
    : pair === 'axios'
      ? axiosContenders(server.url, 64)
      : interceptorContenders(server.origin, path, 64);
const c = list[Number(side)]!;
await throughput(c.call, 64, 500);
const rate = await throughput(c.call, 64, Number(ms));
// CPU per call includes the in-process bench server's share.
console.log(c.name, rate.toFixed(0), 'calls/s', lastCpuUsPerCall.toFixed(1), 'us CPU/call');
for (const x of list) await x.close?.();
await server.close();
