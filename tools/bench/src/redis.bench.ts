/**
 * `npm run bench:redis`: what sharing breaker state through Redis costs.
 *  1. Redis commands per call at steady state, 2 replicas, from INFO commandstats of a redis-server
 *     spawned for the run (so counts are clean): state mode and aggregate mode.
 *  2. Trip propagation latency A → B over 200 trips between two Node processes (loopback).
 *  3. Hot-path cost of a Redis-backed breaker relative to a local one (median of rounds).
 * Writes the figures into the bench:redis section of tools/bench/RESULTS.md.
 */
import { writeSection } from './core/results-file.js';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { circuitBreaker, type CircuitBreaker } from '@breakwater/core';
import { RedisBreakerStore } from '@breakwater/redis';
import { spawnRedisServer, type SpawnedRedis } from '@breakwater/testkit';
import { BenchReplica } from './redis-child.js';

const STEADY_MS = Number(process.env['BENCH_REDIS_STEADY_MS'] ?? 3000);
const TRIPS = Number(process.env['BENCH_REDIS_TRIPS'] ?? 200);
const ROUNDS = Number(process.env['BENCH_REDIS_ROUNDS'] ?? 15);
const HOT_CALLS = Number(process.env['BENCH_REDIS_HOT_CALLS'] ?? 100_000);

const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
};
const ok = (): string => 'ok';

async function storesOn(
  url: string,
  mode: 'state' | 'aggregate',
  n: number,
): Promise<{ stores: RedisBreakerStore[]; conns: Redis[] }> {
  const conns = Array.from({ length: n }, () => new Redis(url));
  for (const c of conns) c.on('error', () => undefined);
  const stores = conns.map((redis, i) => new RedisBreakerStore({ redis, prefix: 'bench', mode, instanceId: `r${i}` }));
  while (!stores.every((s) => s.healthy)) await sleep(5);
  return { stores, conns };
}

async function closeAll(stores: RedisBreakerStore[], conns: Redis[]): Promise<void> {
  for (const s of stores) await s.close();
  for (const c of conns) await c.quit();
}

/** Sum of `calls=` over INFO commandstats, without the bench's own INFO/CONFIG. */
function commandCount(info: string): { total: number; by: Record<string, number> } {
  const by: Record<string, number> = {};
  let total = 0;
  for (const m of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
    const [, name, calls] = m as unknown as [string, string, string];
    if (name === 'info' || name.startsWith('config')) continue;
    by[name] = Number(calls);
    total += Number(calls);
  }
  return { total, by };
}

async function commandsPerCall(srv: SpawnedRedis, mode: 'state' | 'aggregate') {
  const { stores, conns } = await storesOn(srv.url, mode, 2);
  const breakers = stores.map((store) => circuitBreaker({ name: `steady-${mode}`, store }));
  await sleep(100); // attach-time resync done
  const admin = new Redis(srv.url);
  await admin.config('RESETSTAT');
  let calls = 0;
  const end = performance.now() + STEADY_MS;
  while (performance.now() < end) {
    for (const b of breakers) {
      for (let i = 0; i < 1000; i++) await b.execute(ok);
      calls += 1000;
    }
    await new Promise((r) => setImmediate(r)); // let timers (flushes, heartbeats) run as in a real service
  }
  const { total, by } = commandCount(await admin.info('commandstats'));
  const states = breakers.map((b) => b.state);
  await admin.quit();
  await closeAll(stores, conns);
  return { mode, calls, commands: total, perCall: total / calls, by, states };
}

async function propagation(srv: SpawnedRedis) {
  const args = [srv.url, `prop:${process.pid}`];
  const a = new BenchReplica([...args, 'A']);
  const b = new BenchReplica([...args, 'B']);
  await Promise.all([a.next((l) => l['ready'] === true, 20_000), b.next((l) => l['ready'] === true, 20_000)]);
  const lat: number[] = [];
  for (let i = 0; i < TRIPS; i++) {
    a.send('trip');
    const tripped = await a.next((l) => typeof l['tripAt'] === 'number');
    const opened = await b.next((l) => l['to'] === 'open');
    lat.push(Number(opened['t']) - Number(tripped['tripAt']));
    a.send('reset');
    await b.next((l) => l['to'] === 'closed');
  }
  await Promise.all([a.stop(), b.stop()]);
  return { trips: lat.length, p50: pct(lat, 50), p99: pct(lat, 99), max: Math.max(...lat) };
}

async function timeCalls(b: CircuitBreaker, n: number): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await b.execute(ok);
  return ((performance.now() - t0) * 1e6) / n; // ns per call
}

async function hotPath(srv: SpawnedRedis) {
  const out: Record<string, { localNs: number; redisNs: number; ratio: number; controlRatio: number }> = {};
  for (const mode of ['state', 'aggregate'] as const) {
    const { stores, conns } = await storesOn(srv.url, mode, 1);
    // A second local breaker is the control: its ratio to the first shows the noise floor.
    const [local, control, shared] = [
      circuitBreaker({ name: `hot-${mode}` }),
      circuitBreaker({ name: `hot-${mode}` }),
      circuitBreaker({ name: `hot-${mode}`, store: stores[0]! }),
    ];
    for (const b of [local, control, shared]) await timeCalls(b, HOT_CALLS / 4); // warm-up
    const ns = { local: [] as number[], control: [] as number[], shared: [] as number[] };
    const ratios: number[] = [];
    const controls: number[] = [];
    const orders = [
      ['local', 'shared', 'control'],
      ['shared', 'control', 'local'],
      ['control', 'local', 'shared'],
    ] as const;
    const byName = { local, control, shared };
    for (let r = 0; r < ROUNDS; r++) {
      gc();
      // Rotate the order so no breaker always runs first (warmer heap, less GC debt).
      const round: Record<string, number> = {};
      for (const name of orders[r % orders.length]!) round[name] = await timeCalls(byName[name], HOT_CALLS);
      ns.local.push(round['local']!);
      ns.control.push(round['control']!);
      ns.shared.push(round['shared']!);
      ratios.push(round['shared']! / round['local']!);
      controls.push(round['control']! / round['local']!);
    }
    out[mode] = {
      localNs: median(ns.local),
      redisNs: median(ns.shared),
      ratio: median(ratios),
      controlRatio: median(controls),
    };
    await closeAll(stores, conns);
  }
  return out;
}

function writeRedisSection(body: string): void {
  writeSection(fileURLToPath(new URL('../RESULTS.md', import.meta.url)), 'redis', body);
}

async function main(): Promise<void> {
  const srv = await spawnRedisServer();
  try {
    const state = await commandsPerCall(srv, 'state');
    console.log('commands/call, state mode:', state);
    const aggregate = await commandsPerCall(srv, 'aggregate');
    console.log('commands/call, aggregate mode:', aggregate);
    const prop = await propagation(srv);
    console.log('propagation A→B (ms):', prop);
    const hot = await hotPath(srv);
    console.log('hot path (ns/call):', hot);
    const pass = (ok2: boolean): string => (ok2 ? 'met' : '**missed**');
    const f = (n: number, d = 2): string => n.toFixed(d);
    writeRedisSection(`## Redis-shared breaker state (@breakwater/redis)

Command: \`npm run bench:redis\` (tools/bench/src/redis.bench.ts, \`--expose-gc\`). A redis-server spawned on a free port for the run;
Node ${process.version}, ${process.platform}/${process.arch}, loopback, shared 2-core machine.

| figure | value | target |
|---|---|---|
| state mode: Redis commands per call (2 replicas, ${state.calls.toLocaleString('en')} calls in ${STEADY_MS / 1000} s, INFO commandstats) | ${state.perCall.toExponential(2)} (${state.commands} commands) | ≤ 0.001 — ${pass(state.perCall <= 0.001)} |
| aggregate mode: Redis commands per call (same load, flush every 500 ms) | ${aggregate.perCall.toExponential(2)} (${aggregate.commands} commands: ${JSON.stringify(aggregate.by)}) | ≤ 0.01 — ${pass(aggregate.perCall <= 0.01)} |
| trip propagation A→B, two processes, ${prop.trips} trips: p50 / p99 / max | ${f(prop.p50)} / ${f(prop.p99)} / ${f(prop.max)} ms | p99 ≤ 10 ms — ${pass(prop.p99 <= 10)} |
| hot path, state mode: local vs Redis-backed breaker (median per-round ratio, ${ROUNDS} rounds × ${HOT_CALLS.toLocaleString('en')} awaited calls; control = a second local breaker) | ${f(hot['state']!.localNs, 0)} vs ${f(hot['state']!.redisNs, 0)} ns/call = ${f(hot['state']!.ratio)}× (control ${f(hot['state']!.controlRatio)}×) | ≤ 1.2× — ${pass(hot['state']!.ratio <= 1.2)} |
| hot path, aggregate mode (counts one outcome per call) | ${f(hot['aggregate']!.localNs, 0)} vs ${f(hot['aggregate']!.redisNs, 0)} ns/call = ${f(hot['aggregate']!.ratio)}× (control ${f(hot['aggregate']!.controlRatio)}×) | ≤ 1.2× — ${pass(hot['aggregate']!.ratio <= 1.2)} |

State mode sends nothing per call: a call never touches Redis; the only commands are one script
per transition, probe-lease races while open, one version-check script per replica every 2 s
(\`versionCheckIntervalMs\`, its inner HGETs counted too) and a resync on (re)connect and every 30 s
(\`resyncIntervalMs\`). Aggregate mode adds one script per active breaker per
\`flushIntervalMs\`, independent of the call rate (INFO commandstats also counts the commands a
script runs inside Redis — TIME, HINCRBY, HGETALL, PEXPIRE — so the client's own round trips are
only the EVAL/EVALSHA entries). Propagation = local trip → Lua script (CAS +
PUBLISH) → pub/sub hint → the other process re-reads the hash (one script) → its breaker emits
\`stateChange\` with \`remote: true\`;
timestamps are \`performance.timeOrigin + performance.now()\` in each process.

_recorded ${new Date().toISOString()}_`);
    console.log('wrote tools/bench/RESULTS.md (bench:redis section)');
  } finally {
    await srv.stop();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
