// npm run bench:lb — load-balancer simulation and pick() cost; writes the bench:lb section of RESULTS.md.
// Flags: --quick (shorter simulation, fewer picks) for iteration; the committed figures use the default.
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import {
  adaptive, consistentHash, leastConnections, p2cEwma, roundRobin, weightedLeastConnections, weightedRoundRobin, type Strategy,
} from '@breakwater/core';
import { pickCost } from './lb-pick.js';
import { writeLbSection } from './lb-results.js';
import { simulate, type SimOptions } from './lb-sim.js';

const quick = process.argv.includes('--quick');
const fmt = (x: number, d = 1): string => (Number.isFinite(x) ? x.toFixed(d) : 'n/a');

const simStrategies: Array<[string, () => Strategy]> = [
  ['roundRobin', roundRobin], ['leastConnections', leastConnections], ['p2cEwma', () => p2cEwma()], ['adaptive', () => adaptive()],
];
const base: SimOptions = {
  strategy: roundRobin, endpoints: 10, workersPerEndpoint: 4, ratePerSec: 2000, durationMs: quick ? 10_000 : 60_000,
  medianServiceMs: 10, slowIndex: -1, slowFactor: 10, failingIndex: -1, seed: 20240901,
};

async function simulationTables(): Promise<string> {
  const rows: string[] = [];
  const baseline = await simulate({ ...base, strategy: () => p2cEwma() });
  rows.push(`| all healthy (baseline, p2cEwma) | ${fmt(baseline.p50)} | ${fmt(baseline.p99)} | ${fmt(baseline.p999)} | – | – |`);
  let p2cSlowP99 = NaN;
  for (const [name, make] of simStrategies) {
    const healthy = name === 'p2cEwma' ? baseline : await simulate({ ...base, strategy: make });
    const slow = await simulate({ ...base, strategy: make, slowIndex: 3 });
    if (name === 'p2cEwma') p2cSlowP99 = slow.p99;
    rows.push(`| ${name}: all healthy | ${fmt(healthy.p50)} | ${fmt(healthy.p99)} | ${fmt(healthy.p999)} | – | – |`);
    rows.push(`| ${name}: one endpoint 10× slower | ${fmt(slow.p50)} | ${fmt(slow.p99)} | ${fmt(slow.p999)} | ${fmt(slow.p99 / baseline.p99, 2)}× | ${fmt(slow.slowShare * 100, 2)} % |`);
    console.log(`sim ${name} done`);
  }
  const failing: string[] = [];
  for (const [name, make] of simStrategies) {
    const r = await simulate({ ...base, strategy: make, failingIndex: 5, outlierDetection: true });
    failing.push(`| ${name} | ${r.errorsBeforeFirstEjection} | ${r.errors} | ${fmt((r.errors / r.calls) * 100, 3)} % | ${fmt(r.p99)} |`);
  }
  const verdict = p2cSlowP99 <= 1.2 * baseline.p99 ? 'met' : 'NOT met';
  return [
    `### Simulation: 10 endpoints, one 10× slower`,
    '',
    `Discrete-event simulation driving the real \`loadBalancer\` and strategies on a ManualClock (virtual time): open-loop Poisson arrivals at ${base.ratePerSec}/s for ${base.durationMs / 1000} s, ` +
      `10 endpoints × ${base.workersPerEndpoint} workers with FIFO queues, lognormal service time (median ${base.medianServiceMs} ms, σ 0.4), seed ${base.seed}. ` +
      `Latency = queueing + service, in virtual ms. "to slow" = share of calls sent to the slow endpoint.`,
    '',
    '| run | p50 ms | p99 ms | p99.9 ms | p99 vs baseline | to slow |',
    '|---|---|---|---|---|---|',
    ...rows,
    '',
    `Target p2cEwma p99 ≤ 1.2× baseline: **${verdict}** (${fmt(p2cSlowP99)} ms vs ${fmt(baseline.p99)} ms).`,
    '',
    '### Simulation: one endpoint fails every call (1 ms 503), outlier detection on',
    '',
    'Same traffic; `outlierDetection: { consecutiveFailures: 5, baseEjectionMs: 30000 }` (ejections repeat as the ejection time elapses: 30 s, then 60 s).',
    '',
    '| strategy | errors before first ejection | errors in run | error rate | p99 ms |',
    '|---|---|---|---|---|',
    ...failing,
  ].join('\n');
}

function pickTable(): string {
  const strategies: Array<[string, () => Strategy, boolean]> = [
    ['roundRobin', roundRobin, false], ['weightedRoundRobin', weightedRoundRobin, false], ['leastConnections', leastConnections, false],
    ['weightedLeastConnections', weightedLeastConnections, false], ['p2cEwma', () => p2cEwma(), false],
    ['consistentHash ring', () => consistentHash(), true], ['consistentHash maglev', () => consistentHash({ algorithm: 'maglev' }), true],
    ['consistentHash maglev, boundedLoad 1.25', () => consistentHash({ algorithm: 'maglev', boundedLoad: 1.25 }), true],
    ['adaptive', () => adaptive(), false],
  ];
  const sizes = [10, 1_000, 10_000];
  const iterations = quick ? 200_000 : 1_000_000;
  const rows = strategies.map(([name, make, keyed]) => {
    const cells = sizes.map((n) => fmt(pickCost(make, n, keyed, iterations), 0));
    console.log(`pick ${name}: ${cells.join(' / ')} ns`);
    return `| ${name} | ${cells.join(' | ')} |`;
  });
  return [
    '### pick() cost',
    '',
    `ns per \`pick()\` (median of 5 rounds × ${iterations.toLocaleString('en')} picks, after a warm-up round), weights 1–3, no calls in flight; keyed strategies cycle 1024 keys. ` +
      'Targets at 10k endpoints: ≤ 200 ns for roundRobin, weightedRoundRobin, p2cEwma, maglev; ≤ 1 µs for leastConnections.',
    '',
    '| strategy | 10 | 1k | 10k |',
    '|---|---|---|---|',
    ...rows,
  ].join('\n');
}

const started = Date.now();
const sim = await simulationTables();
const picks = pickTable();
const body = [
  '## Load balancing (`npm run bench:lb`)',
  '',
  `Command: \`npm run bench:lb\`${quick ? ' -- --quick' : ''}. Date: ${new Date().toISOString().slice(0, 10)}. Node ${process.version}, ${process.platform}/${process.arch}, shared 2-core machine, load average ${loadavg().map((x) => x.toFixed(1)).join(' / ')} at the end (pick() figures are wall-clock and inflate with load: even \`Date.now()\` measured ~200 ns and \`Math.random()\` ~65 ns on this machine under that load).`,
  '',
  sim,
  '',
  picks,
].join('\n');
console.log(`\n${body}\n\n(${((Date.now() - started) / 1000).toFixed(1)} s)`);
writeLbSection(fileURLToPath(new URL('../RESULTS.md', import.meta.url)), body);
