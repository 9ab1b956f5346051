import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';
import { spawnRedisServer, type SpawnedRedis } from './redis-server.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function cli(port: number, ...args: string[]): string {
  return spawnSync('redis-cli', ['-p', String(port), ...args], { encoding: 'utf8', timeout: 5000 }).stdout ?? '';
}

async function until(what: string, timeoutMs: number, pred: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs}ms waiting for ${what}`);
    await sleep(50);
  }
}

/** A Redis Cluster of redis-server processes this test owns. */
export interface SpawnedCluster {
  readonly nodes: SpawnedRedis[];
  readonly startup: Array<{ host: string; port: number }>;
  /** The node serving `slot` as master now (from any answering node's CLUSTER SLOTS). */
  masterOf(slot: number): number | undefined;
  stop(): Promise<void>;
}

/**
 * `masters` cluster-enabled redis-servers (each with `replicas` replicas) joined with
 * `redis-cli --cluster create`, bound to 127.0.0.1 on free ports. `nodeTimeoutMs` (default
 * 2000) sets how fast a frozen master is failed over (≈ 2 × node timeout).
 */
export async function spawnRedisCluster(
  masters = 3,
  o: { replicas?: number; nodeTimeoutMs?: number } = {},
): Promise<SpawnedCluster> {
  const replicas = o.replicas ?? 0;
  const dir = mkdtempSync(join(tmpdir(), 'bw-cluster-'));
  const nodes: SpawnedRedis[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(nodes.map((n) => n.stop()));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < masters * (1 + replicas); i++) {
      const port = await freePort();
      // The cluster bus defaults to port + 10000, which may be taken (or past 65535): pick it too.
      const busPort = await freePort();
      nodes.push(
        await spawnRedisServer({
          port,
          args: [
            '--cluster-enabled',
            'yes',
            '--cluster-port',
            String(busPort),
            '--cluster-config-file',
            join(dir, `${port}.conf`),
            '--cluster-node-timeout',
            String(o.nodeTimeoutMs ?? 2000),
            '--dir',
            dir,
          ],
        }),
      );
    }
    const addrs = nodes.map((n) => `127.0.0.1:${n.port}`);
    const r = spawnSync(
      'redis-cli',
      ['--cluster', 'create', ...addrs, '--cluster-replicas', String(replicas), '--cluster-yes'],
      {
        encoding: 'utf8',
        timeout: 30_000,
      },
    );
    if (r.status !== 0) throw new Error(`redis-cli --cluster create failed: ${r.stderr || r.stdout}`);
    for (const n of nodes)
      await until(`cluster node ${n.port} ok`, 15_000, () =>
        cli(n.port, 'cluster', 'info').includes('cluster_state:ok'),
      );
    // Replicas in sync, so a failover does not lose what the test wrote.
    for (const n of nodes) {
      await until(`replica ${n.port} in sync`, 15_000, () => {
        const info = cli(n.port, 'info', 'replication');
        return info.includes('role:master') || info.includes('master_link_status:up');
      });
    }
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    nodes,
    startup: nodes.slice(0, masters).map((n) => ({ host: '127.0.0.1', port: n.port })),
    masterOf(slot: number): number | undefined {
      for (const n of nodes) {
        const out = spawnSync('redis-cli', ['-p', String(n.port), '--json', 'cluster', 'slots'], {
          encoding: 'utf8',
          timeout: 500,
        });
        if (out.status !== 0 || !out.stdout) continue;
        try {
          const ranges = JSON.parse(out.stdout) as Array<[number, number, [string, number, string]]>;
          const hit = ranges.find(([from, to]) => slot >= from && slot <= to);
          if (hit) return hit[2][1];
        } catch {
          /* next node */
        }
      }
      return undefined;
    },
    stop,
  };
}

/** A master, its replicas and Sentinels, all redis-server processes this test owns. */
export interface SpawnedSentinel {
  readonly name: string;
  readonly master: SpawnedRedis;
  readonly replicas: SpawnedRedis[];
  readonly sentinels: SpawnedRedis[];
  /** `[{ host, port }]` of the sentinels, for ioredis `sentinels`. */
  readonly sentinelAddrs: Array<{ host: string; port: number }>;
  /** The port the sentinels report as master now. */
  masterPort(): number | undefined;
  stop(): Promise<void>;
}

/**
 * A Sentinel setup: one master, `replicas` replicas, `sentinels` sentinels (quorum 1) watching it
 * as `name`, with `downAfterMs` (default 1000) so a frozen master is failed over in seconds.
 */
export async function spawnRedisSentinel(
  o: { replicas?: number; sentinels?: number; downAfterMs?: number; name?: string } = {},
): Promise<SpawnedSentinel> {
  const name = o.name ?? 'mymaster';
  const dir = mkdtempSync(join(tmpdir(), 'bw-sentinel-'));
  const all: SpawnedRedis[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(all.map((n) => n.stop()));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const master = await spawnRedisServer();
    all.push(master);
    const replicas: SpawnedRedis[] = [];
    for (let i = 0; i < (o.replicas ?? 1); i++) {
      const r = await spawnRedisServer({
        args: ['--replicaof', '127.0.0.1', String(master.port), '--replica-announce-ip', '127.0.0.1'],
      });
      all.push(r);
      replicas.push(r);
    }
    for (const r of replicas)
      await until(`replica ${r.port} in sync`, 10_000, () =>
        cli(r.port, 'info', 'replication').includes('master_link_status:up'),
      );
    const sentinels: SpawnedRedis[] = [];
    for (let i = 0; i < (o.sentinels ?? 1); i++) {
      const port = await freePort();
      const conf = join(dir, `sentinel-${port}.conf`);
      writeFileSync(
        conf,
        [
          `sentinel monitor ${name} 127.0.0.1 ${master.port} 1`,
          `sentinel down-after-milliseconds ${name} ${o.downAfterMs ?? 1000}`,
          `sentinel failover-timeout ${name} 5000`,
          `sentinel parallel-syncs ${name} 1`,
          'sentinel announce-ip 127.0.0.1',
          '',
        ].join('\n'),
      );
      const s = await spawnRedisServer({ port, config: conf, args: ['--sentinel'] });
      all.push(s);
      sentinels.push(s);
    }
    const masterPort = (): number | undefined => {
      for (const s of sentinels) {
        const out = cli(s.port, 'sentinel', 'get-master-addr-by-name', name).trim().split('\n');
        const port = Number(out[1]);
        if (Number.isInteger(port) && port > 0) return port;
      }
      return undefined;
    };
    for (const s of sentinels) {
      await until(`sentinel ${s.port} knows the replicas`, 10_000, () => {
        const out = cli(s.port, 'sentinel', 'replicas', name);
        return replicas.every((r) => out.includes(String(r.port)));
      });
    }
    return {
      name,
      master,
      replicas,
      sentinels,
      sentinelAddrs: sentinels.map((s) => ({ host: '127.0.0.1', port: s.port })),
      masterPort,
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}
