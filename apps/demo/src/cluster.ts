import { fileURLToPath } from 'node:url';
import { nodeTs, spawnChild, type Child } from './children.js';

/** A replica process of the demo. */
export interface ReplicaProc {
  id: string;
  region: string;
  url: string;
  adminUrl: string;
  child: Child;
}
/** A gateway pod of the demo (several pods may share one process). */
export interface GatewayPod {
  id: string;
  url: string;
  child: Child;
}

/** Options of {@link startCluster}. */
export interface ClusterOptions {
  regions: string[];
  replicasPerRegion: number;
  gatewayIds: string[];
  token: string;
  redisUrl: string | undefined;
  /** Prefix of this run's Redis keys (several runs can share one Redis). */
  redisPrefix: string;
  healthIntervalMs: number;
  host: string;
  onGatewayLine?: (line: Record<string, unknown>) => void;
}

/** The running processes of a demo run. */
export interface Cluster {
  replicas: ReplicaProc[];
  gateways: GatewayPod[];
  /** 'redis' when pods are separate processes sharing Redis, 'memory' when they share one process. */
  store: 'redis' | 'memory';
  /** SIGTERM gateways (graceful), then replicas; returns the gateway processes' exit codes. */
  stop(): Promise<{ gatewayExitCodes: Array<number | null> }>;
}

const replicaMain = fileURLToPath(new URL('../../replica/src/main.ts', import.meta.url));
const gatewayMain = fileURLToPath(new URL('../../gateway/src/main.ts', import.meta.url));

/** Starts `regions × replicasPerRegion` replicas and the gateway pods, and waits until all are ready. */
export async function startCluster(o: ClusterOptions): Promise<Cluster> {
  const env = { CHAOS_TOKEN: o.token, HOST: o.host };
  const replicas = await Promise.all(
    o.regions.flatMap((region) =>
      Array.from({ length: o.replicasPerRegion }, async (_, i) => {
        const id = `${region}-${i + 1}`;
        const [cmd, args] = nodeTs(replicaMain, ['--id', id, '--region', region]);
        const child = spawnChild(`replica ${id}`, cmd, args, env);
        const ready = await child.waitFor<{ url: string; adminUrl: string }>((l) => l['event'] === 'ready', 60_000);
        return { id, region, url: ready.url, adminUrl: ready.adminUrl, child };
      }),
    ),
  );
  const replicaSpec = replicas.map((r) => `${r.id}@${r.region}=${r.url}`).join(',');
  const common = [
    '--replicas',
    replicaSpec,
    '--regions',
    o.regions.join(','),
    '--health-interval-ms',
    String(o.healthIntervalMs),
  ];
  const gateways: GatewayPod[] = [];
  const gatewayChildren: Child[] = [];
  const readyPod = async (child: Child, id: string): Promise<GatewayPod> => {
    const ready = await child.waitFor<{ url: string }>((l) => l['event'] === 'ready' && l['id'] === id, 60_000);
    return { id, url: ready.url, child };
  };
  if (o.redisUrl !== undefined) {
    // One process per pod, sharing breaker state through Redis, as in a real deployment.
    const pods = await Promise.all(
      o.gatewayIds.map(async (id) => {
        const [cmd, args] = nodeTs(gatewayMain, ['--id', id, '--redis-prefix', o.redisPrefix, ...common]);
        const child = spawnChild(`gateway ${id}`, cmd, args, { ...env, REDIS_URL: o.redisUrl }, o.onGatewayLine);
        gatewayChildren.push(child);
        return readyPod(child, id);
      }),
    );
    gateways.push(...pods);
  } else {
    const [cmd, args] = nodeTs(gatewayMain, ['--id', o.gatewayIds.join(','), ...common]);
    const child = spawnChild('gateways', cmd, args, { ...env, REDIS_URL: '' }, o.onGatewayLine);
    gatewayChildren.push(child);
    gateways.push(...(await Promise.all(o.gatewayIds.map((id) => readyPod(child, id)))));
  }
  return {
    replicas,
    gateways,
    store: o.redisUrl !== undefined ? 'redis' : 'memory',
    async stop() {
      const gatewayExitCodes = await Promise.all(gatewayChildren.map((c) => c.stop('SIGTERM', 15_000)));
      await Promise.all(replicas.map((r) => r.child.stop('SIGTERM', 5_000)));
      return { gatewayExitCodes };
    },
  };
}
