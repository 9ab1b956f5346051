import type { ReplicaProc } from './cluster.js';

/** One step of the scenario: what to break (or mend) at its start, and how long to watch. */
export interface Phase {
  name: string;
  description: string;
  durationMs: number;
  /** Chaos settings per replica id applied when the phase starts. */
  chaos: Record<string, Record<string, unknown>>;
}

/** steady → one replica slow → one replica dead → whole primary region down → recovery. */
export function scenario(o: { primary: string; replicas: ReadonlyArray<ReplicaProc>; ci: boolean }): Phase[] {
  const primary = o.replicas.filter((r) => r.region === o.primary);
  const [slow, dead] = primary;
  if (slow === undefined || dead === undefined)
    throw new Error('the scenario needs at least two replicas in the primary region');
  const d = o.ci
    ? { steady: 4_000, slow: 5_000, dead: 5_000, down: 8_000, recovery: 8_000 }
    : { steady: 10_000, slow: 12_000, dead: 12_000, down: 15_000, recovery: 15_000 };
  const all = (settings: Record<string, unknown>): Record<string, Record<string, unknown>> =>
    Object.fromEntries(primary.map((r) => [r.id, settings]));
  return [
    { name: 'steady', description: 'all replicas healthy', durationMs: d.steady, chaos: {} },
    {
      name: 'replica-slow',
      description: `${slow.id} +250 ms latency`,
      durationMs: d.slow,
      chaos: { [slow.id]: { latencyMs: 250 } },
    },
    {
      name: 'replica-dead',
      description: `${dead.id} hard down (listener closed, sockets destroyed)`,
      durationMs: d.dead,
      chaos: { [dead.id]: { down: true } },
    },
    {
      name: 'region-down',
      description: `all of ${o.primary} hard down`,
      durationMs: d.down,
      chaos: all({ down: true }),
    },
    {
      name: 'recovery',
      description: `${o.primary} back (all faults cleared)`,
      durationMs: d.recovery,
      chaos: all({ down: false, latencyMs: 0, errorRate: 0, hang: false }),
    },
  ];
}
