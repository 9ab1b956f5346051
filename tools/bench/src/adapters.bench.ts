// npm run bench:adapters — adapter throughput against raw transports; writes the bench:adapters section of RESULTS.md.
// The script builds core, fetch and axios first and runs against their dist/ (what users run): the
// source condition would load them through tsx, whose keepNames wrapping taxes every closure.
// Flags: --quick (3 rounds of 1 s, no RESULTS.md) for iteration; --rounds N, --ms N to override.
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { median } from './core/measure.js';
import { axiosContenders, fetchContenders } from './adapters/contenders.js';
import { interceptorContenders } from './adapters/interceptor-contenders.js';
import { writeAdaptersSection } from './adapters/results.js';
import { startBenchServer } from './adapters/server.js';
import * as run from './adapters/run.js';
import { throughput, type Contender } from './adapters/run.js';

const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const flag = (name: string, d: number): number => {
  const i = argv.indexOf(name);
  return i >= 0 ? Number(argv[i + 1]) : d;
};
const ROUNDS = flag('--rounds', quick ? 3 : 7);
const MS = flag('--ms', quick ? 1000 : 2000);
const CALLERS = 64;
const CONNECTIONS = 64;
const only = argv.includes('--only') ? argv[argv.indexOf('--only') + 1] : undefined;

interface Pair {
  what: string;
  baseline: Contender;
  subject: Contender;
  target: number;
}

const fmtLoad = (): string =>
  loadavg()
    .map((x) => x.toFixed(1))
    .join(' / ');

async function main(): Promise<void> {
  const loadAtStart = fmtLoad();
  const server = await startBenchServer();
  const path = new URL(server.url).pathname;
  const [rawFetch, fullFetch] = fetchContenders(server.origin, path, CONNECTIONS);
  const [plainAxios, wrappedAxios] = axiosContenders(server.url, CONNECTIONS);
  const [plainAgent, composedAgent] = interceptorContenders(server.origin, path, CONNECTIONS);
  const pairs: Pair[] = [
    { what: 'fetch', baseline: rawFetch!, subject: fullFetch!, target: 0.9 },
    { what: 'axios', baseline: plainAxios!, subject: wrappedAxios!, target: 0.9 },
    { what: 'undici interceptor', baseline: plainAgent!, subject: composedAgent!, target: 0.9 },
  ].filter((p) => only === undefined || p.what.startsWith(only));
  const all = pairs.flatMap((p) => [p.baseline, p.subject]);
  const samples = new Map<Contender, number[]>(all.map((c) => [c, []]));
  const ratios = new Map<Pair, number[]>(pairs.map((p) => [p, []]));
  const cpu = new Map<Contender, number[]>(all.map((c) => [c, []]));

  for (const c of all) await throughput(c.call, CALLERS, 300); // warm-up: JIT, connections
  for (let round = 0; round < ROUNDS; round++) {
    for (const p of pairs) {
      // Interleaved, order alternating per round so neither side always runs on a warmer machine.
      const order = round % 2 === 0 ? [p.baseline, p.subject] : [p.subject, p.baseline];
      const got = new Map<Contender, number>();
      for (const c of order) {
        got.set(c, await throughput(c.call, CALLERS, MS));
        cpu.get(c)!.push(run.lastCpuUsPerCall);
      }
      samples.get(p.baseline)!.push(got.get(p.baseline)!);
      samples.get(p.subject)!.push(got.get(p.subject)!);
      ratios.get(p)!.push(got.get(p.subject)! / got.get(p.baseline)!);
      console.log(
        `round ${round + 1}/${ROUNDS} ${p.what}: ${got.get(p.baseline)!.toFixed(0)} vs ${got.get(p.subject)!.toFixed(0)} calls/s (${(got.get(p.subject)! / got.get(p.baseline)!).toFixed(3)}); cpu ${cpu.get(p.baseline)!.at(-1)!.toFixed(0)} vs ${cpu.get(p.subject)!.at(-1)!.toFixed(0)} µs/call`,
      );
    }
  }
  for (const c of all) await c.close?.();
  await server.close();

  const rows: string[] = [];
  const verdicts: string[] = [];
  for (const p of pairs) {
    const b = median(samples.get(p.baseline)!);
    const s = median(samples.get(p.subject)!);
    const r = median(ratios.get(p)!);
    const cb = median(cpu.get(p.baseline)!);
    const cs = median(cpu.get(p.subject)!);
    rows.push(`| ${p.baseline.name} | ${b.toFixed(0)} | – | ${cb.toFixed(0)} | – |`);
    rows.push(
      `| ${p.subject.name} | ${s.toFixed(0)} | **${r.toFixed(3)}×** | ${cs.toFixed(0)} | ${(cb / cs).toFixed(3)}× |`,
    );
    const rounds = ratios
      .get(p)!
      .map((x) => x.toFixed(2))
      .join(', ');
    verdicts.push(
      `${p.what} ≥ ${p.target}×: **${r >= p.target ? 'met' : 'NOT met'}** (${r.toFixed(3)}×; rounds ${rounds})`,
    );
  }
  const body = [
    '## Adapter throughput (`npm run bench:adapters`)',
    '',
    `In-process node:http server on 127.0.0.1 answering 256-byte bodies (keep-alive); ${CALLERS} concurrent callers in closed loops, each request reads its whole body; ` +
      `${CONNECTIONS} connections on every side (undici \`Pool\`/\`Agent\` \`connections\`, http.Agent \`maxSockets\`, endpoint \`maxConnections\`). ` +
      `${ROUNDS} interleaved rounds of ${MS / 1000} s per contender, in one process, alternating which side runs first; the ratio is the median of the per-round ratios. ` +
      `CPU µs per call is this process's user+system time (server included) per completed call: steadier than wall-clock throughput on a shared machine. ` +
      `Policy of every wrapped side: \`pipeline(retry(), circuitBreaker({ name }), timeout(2000))\` with defaults. Node ${process.version}, ${cpus().length} CPUs, load ${loadAtStart} at the start, ${fmtLoad()} at the end; recorded ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC.`,
    '',
    '| contender | calls/s (median) | throughput vs baseline (median of round ratios) | CPU µs per call (median) | CPU efficiency vs baseline |',
    '|---|---|---|---|---|',
    ...rows,
    '',
    ...verdicts.map((v) => `- ${v}`),
  ].join('\n');
  console.log(`\n${body}`);
  if (!quick && only === undefined) {
    writeAdaptersSection(fileURLToPath(new URL('../RESULTS.md', import.meta.url)), body);
    console.log('\nwrote tools/bench/RESULTS.md (bench:adapters section)');
  }
}

await main();
