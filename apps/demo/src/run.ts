import { randomBytes } from 'node:crypto';
import { ConfigError } from '@breakwater/core';
import { chaosSettingsFor, startDashboard, type ChaosCommand, type Dashboard } from '@breakwater/dashboard';
import { setChaos, replicaStats } from './chaos.js';
import { startCluster, type Cluster } from './cluster.js';
import { dashboardState } from './dashboard-state.js';
import { LoadGenerator } from './loadgen.js';
import { measurePropagation, trafficPropagation, type PropagationResult } from './propagation.js';
import { embeddedRedis, type DemoRedis } from './redis.js';
import { checkLines, phaseTable, type Check, type PhaseReport } from './report.js';
import { scenario } from './scenario.js';
import { maxConcurrentHalfOpen, percentile, phaseNumbers, regionShare, timeToShare } from './stats.js';
import { Timeline } from './timeline.js';
import { watchGateway, type GatewayWatch } from './watch.js';

/** Options of {@link runDemo} (the CLI flags). */
export interface DemoOptions {
  ci: boolean;
  interactive: boolean;
  /** Requests per second of the load generator. */
  rate: number;
  host: string;
  dashboardPort: number;
  /** Host names the dashboard answers to besides the loopback ones (behind a proxy, in a container). */
  dashboardPublicHosts?: string[];
  /** Where the human-readable output goes (stderr under --json). */
  print: (text: string) => void;
  /** Aborted on SIGINT/SIGTERM. */
  signal: AbortSignal;
}

/** The machine-readable summary (`--json`). */
export interface DemoSummary {
  ok: boolean;
  store: 'redis' | 'memory';
  redis: DemoRedis['source'];
  rate: number;
  regions: string[];
  phases: PhaseReport[];
  propagation: PropagationResult & {
    traffic: { count: number; maxMs: number | undefined; medianMs: number | undefined };
  };
  failover: {
    timeToFailoverMs: number | undefined;
    clientsOnSecondaryMs: number | undefined;
    shareSecondaryAfter1s: number;
    errorRate: number;
  };
  failback: {
    timeToFailbackMs: number | undefined;
    halfOpenTransitions: number;
    maxConcurrentProbers: number;
    peakInFlightOnRecovered: number;
  };
  checks: Check[];
  gatewayExitCodes: Array<number | null>;
  durationMs: number;
}

const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });

function countStates(b: Record<string, string> | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of Object.values(b ?? {})) out[s] = (out[s] ?? 0) + 1;
  return out;
}

/** Starts everything, runs the scenario (or stays up with --interactive), stops everything. */
export async function runDemo(o: DemoOptions): Promise<DemoSummary | undefined> {
  const started = Date.now();
  const regions = ['eu', 'us'];
  const [primary, secondary] = regions as [string, string];
  const token = randomBytes(16).toString('hex');
  const redis = await embeddedRedis();
  let cluster: Cluster | undefined;
  let dashboard: Dashboard | undefined;
  let load: LoadGenerator | undefined;
  const watches: GatewayWatch[] = [];
  const stats = new Map<string, Record<string, unknown> | undefined>();
  let statsTimer: NodeJS.Timeout | undefined;
  let phase = 'starting';
  const notes: string[] = [];
  try {
    notes.push(
      redis.source === 'none'
        ? 'redis-server not found and REDIS_URL unset: both gateway pods run in one process over memoryBreakerStore'
        : `breaker state shared through Redis (${redis.source === 'spawned' ? 'spawned redis-server' : 'REDIS_URL'})`,
    );
    o.print(`breakwater demo: ${notes[0]}`);
    cluster = await startCluster({
      regions,
      replicasPerRegion: 3,
      gatewayIds: ['gw-a', 'gw-b'],
      token,
      redisUrl: redis.url,
      redisPrefix: `bw-demo:${token.slice(0, 8)}`,
      healthIntervalMs: 500,
      host: o.host,
    });
    const c = cluster;
    o.print(
      `started ${c.replicas.length} replicas (${regions.join(', ')}; primary ${primary}) ` +
        `and ${c.gateways.length} gateway pods (${c.gateways.map((g) => g.url).join(', ')})`,
    );
    const timeline = new Timeline();
    watches.push(
      ...c.gateways.map((g) =>
        watchGateway(g.id, g.url, undefined, (event, data) => timeline.fromGateway(g.id, event, data), token),
      ),
    );
    const pollStats = async (): Promise<void> => {
      await Promise.all(c.replicas.map(async (r) => stats.set(r.id, await replicaStats(r))));
    };
    statsTimer = setInterval(() => void pollStats(), 500);
    load = new LoadGenerator(c.gateways, o.rate);
    const chaos = async (cmd: ChaosCommand): Promise<unknown> => {
      const targets = c.replicas.filter((r) => (cmd.target === 'replica' ? r.id === cmd.id : r.region === cmd.id));
      if (targets.length === 0)
        throw new ConfigError(`chaos.id`, `expected a known ${cmd.target} id, got ${JSON.stringify(cmd.id)}`);
      timeline.push({
        at: Date.now(),
        kind: 'chaos',
        subject: cmd.id,
        text: `${cmd.action} ${cmd.target} ${cmd.id} (dashboard)`,
        severity: 'info',
      });
      const result = await Promise.all(targets.map((r) => setChaos(r, token, chaosSettingsFor(cmd.action))));
      await pollStats();
      return result;
    };
    dashboard = await startDashboard({
      token,
      host: o.host,
      port: o.dashboardPort,
      chaos,
      publicHosts: o.dashboardPublicHosts,
      onError: (e) => o.print(`dashboard: ${e instanceof Error ? e.message : String(e)}`),
      state: () =>
        dashboardState({
          cluster: c,
          regions,
          watches,
          replicaStats: stats,
          load: load as LoadGenerator,
          phase,
          notes,
          events: timeline.recent(),
        }),
    });
    o.print(`dashboard: ${dashboard.url}   chaos token: ${token}`);
    load.start();
    if (o.interactive) {
      phase = 'interactive';
      o.print('interactive: load running; use the dashboard chaos buttons. Ctrl-C to stop.');
      while (!o.signal.aborted) await sleep(60_000, o.signal);
      return undefined;
    }

    // Warm-up: freshly started processes compile and JIT for a while; the scenario starts once a
    // full second of traffic went through cleanly (or after 30 s, and the tables will show it).
    phase = 'warm-up';
    const warmupDeadline = Date.now() + 30_000;
    await sleep(1_500, o.signal);
    while (!o.signal.aborted && Date.now() < warmupDeadline) {
      const last = load.between(Date.now() - 1_500, Date.now() - 500);
      if (
        last.length > o.rate * 0.8 &&
        last.every((x) => x.ok) &&
        (percentile(
          last.map((x) => x.ms),
          0.99,
        ) ?? 0) < 250
      )
        break;
      await sleep(250, o.signal);
    }
    o.print(`warm-up done after ${Math.round((Date.now() - started) / 1000)} s`);
    // Propagation is measured before the scenario, on a breaker no traffic touches, so it neither
    // disturbs nor is disturbed by the phases.
    phase = 'propagation';
    const propagation: PropagationResult = await measurePropagation(c.gateways, watches, token);
    const phases: PhaseReport[] = [];
    let recoveryEventsFrom = 0;
    let recovered: Array<Record<string, unknown> | undefined> = [];
    for (const p of scenario({ primary, replicas: c.replicas, ci: o.ci })) {
      if (o.signal.aborted) break;
      phase = p.name;
      // The phase's numbers start once its faults are in place (on a busy machine applying them takes
      // a while); the fail-over clock starts when they were requested.
      const requested = Date.now();
      await Promise.all(
        Object.entries(p.chaos).map(([id, s]) =>
          setChaos(c.replicas.find((r) => r.id === id) as (typeof c.replicas)[number], token, s),
        ),
      );
      const t0 = Date.now();
      timeline.push({
        at: requested,
        kind: 'phase',
        subject: p.name,
        text: `phase ${p.name}: ${p.description}`,
        severity: 'info',
      });
      if (p.name === 'recovery') recoveryEventsFrom = t0;
      o.print(`▶ ${p.name}: ${p.description}`);
      await sleep(t0 + p.durationMs - Date.now(), o.signal);
      const t1 = Date.now();
      const samples = load.between(t0, t1);
      const report: PhaseReport = {
        name: p.name,
        description: p.description,
        startedAt: t0,
        durationMs: t1 - t0,
        ...phaseNumbers(samples, regions),
        breakers: Object.fromEntries(
          watches.map((w) => [w.id, countStates(w.latest?.['breakers'] as Record<string, string> | undefined)]),
        ),
      };
      if (p.name === 'region-down') {
        // Fail-over time: until every pod's balancer switched its serving region (clients were
        // already being served by the secondary through retries before that).
        const switched = watches.map((w) => w.regionEvents.find((e) => e.at >= requested && e.to === secondary)?.at);
        report.timeToFailoverMs = switched.every((x) => x !== undefined)
          ? Math.max(...(switched as number[])) - requested
          : undefined;
        report.clientsOnSecondaryMs = timeToShare(samples, t0, t1, secondary, 0.99);
      }
      if (p.name === 'recovery') {
        report.timeToFailbackMs = timeToShare(samples, t0, t1, primary, 0.95);
        recovered = await Promise.all(c.replicas.filter((r) => r.region === primary).map((r) => replicaStats(r)));
      }
      phases.push(report);
    }
    phase = 'stopping';
    await load.stop();
    const down = phases.find((p) => p.name === 'region-down');
    const rec = phases.find((p) => p.name === 'recovery');
    const downAfter1s = down ? load.between(down.startedAt + 1_000, down.startedAt + down.durationMs) : [];
    const recoveryEvents = watches.flatMap((w) => w.events).filter((e) => e.at >= recoveryEventsFrom);
    const endpointBreakers = c.replicas.filter((r) => r.region === primary).map((r) => `replicas/${r.id}`);
    const summaryCore = {
      propagation: { ...propagation, traffic: trafficPropagation(watches) },
      failover: {
        timeToFailoverMs: down?.timeToFailoverMs,
        clientsOnSecondaryMs: down?.clientsOnSecondaryMs,
        shareSecondaryAfter1s: regionShare(downAfter1s, regions)[secondary] ?? 0,
        errorRate: down?.errorRate ?? 1,
      },
      failback: {
        timeToFailbackMs: rec?.timeToFailbackMs,
        halfOpenTransitions: recoveryEvents.filter((e) => e.to === 'half-open' && endpointBreakers.includes(e.name))
          .length,
        maxConcurrentProbers: maxConcurrentHalfOpen(recoveryEvents, endpointBreakers),
        peakInFlightOnRecovered: Math.max(0, ...recovered.map((s) => Number(s?.['peakInFlightSinceUp'] ?? 0))),
      },
    };
    o.print(`\n${phaseTable(phases, regions)}\n`);
    const { gatewayExitCodes } = await c.stop();
    cluster = undefined;
    const checks: Check[] = [
      {
        name: `region down: share served by ${secondary} from 1 s after the outage`,
        value: summaryCore.failover.shareSecondaryAfter1s,
        limit: '≥ 0.99',
        pass: summaryCore.failover.shareSecondaryAfter1s >= 0.99,
      },
      {
        name: 'region down: client-visible error rate',
        value: summaryCore.failover.errorRate,
        limit: '≤ 0.001',
        pass: summaryCore.failover.errorRate <= 0.001,
      },
      {
        name: 'breaker trip on one pod seen open on the other (max ms)',
        value: propagation.maxMs,
        limit: '≤ 100 ms',
        pass: propagation.maxMs !== undefined && propagation.maxMs <= 100 && propagation.missed === 0,
      },
      {
        name: `back to ${primary} after its recovery (ms)`,
        value: summaryCore.failback.timeToFailbackMs,
        limit: '≤ 5000 ms',
        pass: summaryCore.failback.timeToFailbackMs !== undefined && summaryCore.failback.timeToFailbackMs <= 5_000,
      },
      {
        name: 'pods half-open at once per breaker on recovery (probe lease)',
        value: summaryCore.failback.maxConcurrentProbers,
        limit: '≤ 1',
        pass: summaryCore.failback.maxConcurrentProbers <= 1,
      },
      {
        name: 'gateway pods exit 0 on SIGTERM',
        value: gatewayExitCodes.filter((x) => x !== 0).length,
        limit: '0 failures',
        pass: gatewayExitCodes.every((x) => x === 0),
      },
    ];
    for (const p of phases) if (p.errors > 0) o.print(`errors in ${p.name}: ${JSON.stringify(p.errorCodes)}`);
    o.print(
      `propagation (dedicated breaker): ${propagation.samplesMs.map((s) => `${Math.round(s)}`).join(', ')} ms ` +
        `(warm-up round ${propagation.warmupMs ?? '–'} ms); from traffic trips: ` +
        `${summaryCore.propagation.traffic.count} samples, max ${summaryCore.propagation.traffic.maxMs ?? '–'} ms`,
    );
    o.print(
      `failover: every pod switched to ${secondary} after ${summaryCore.failover.timeToFailoverMs ?? '–'} ms ` +
        `(clients ≥99% on ${secondary} after ${summaryCore.failover.clientsOnSecondaryMs ?? '–'} ms); ` +
        `failback: ${summaryCore.failback.timeToFailbackMs ?? '–'} ms; ` +
        `half-open transitions on recovery: ${summaryCore.failback.halfOpenTransitions}; ` +
        `peak in-flight on a recovered replica: ${summaryCore.failback.peakInFlightOnRecovered}`,
    );
    o.print(`\n${checkLines(checks)}`);
    return {
      ok: checks.every((x) => x.pass),
      store: c.store,
      redis: redis.source,
      rate: o.rate,
      regions,
      phases,
      ...summaryCore,
      checks,
      gatewayExitCodes,
      durationMs: Date.now() - started,
    };
  } finally {
    clearInterval(statsTimer);
    for (const w of watches) w.close();
    // Every step runs even if an earlier one fails: nothing may be left listening or running.
    const quietly = (p: Promise<unknown> | undefined): Promise<unknown> =>
      (p ?? Promise.resolve()).catch((e: unknown) => o.print(`cleanup: ${String(e)}`));
    await quietly(load?.stop());
    await quietly(dashboard?.close());
    await quietly(cluster?.stop());
    await quietly(redis.stop());
  }
}
