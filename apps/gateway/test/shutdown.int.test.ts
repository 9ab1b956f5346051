import { afterAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { createConnection } from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { startReplica, type Replica } from '@breakwater/replica';

const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const TOKEN = 'shutdown-test-token-01';
const replicas: Replica[] = [];
afterAll(async () => {
  await Promise.all(replicas.map((r) => r.close()));
});

describe('gateway process', () => {
  it('SIGTERM during load: stops accepting, finishes every in-flight request, exits 0', async () => {
    for (const id of ['eu-1', 'eu-2', 'us-1'])
      replicas.push(await startReplica({ id, region: id.slice(0, 2), token: TOKEN }));
    const child = spawn(
      process.execPath,
      [
        '--conditions=@breakwater/source',
        '--import',
        'tsx',
        main,
        '--id',
        'gw-t',
        '--replicas',
        replicas.map((r) => `${r.id}@${r.region}=${r.url}`).join(','),
        '--regions',
        'eu,us',
      ],
      { env: { ...process.env, CHAOS_TOKEN: TOKEN, REDIS_URL: '' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const lines: Array<Record<string, unknown>> = [];
    const ready = new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout }).on('line', (l) => {
        try {
          const o = JSON.parse(l) as Record<string, unknown>;
          lines.push(o);
          if (o['event'] === 'ready') resolve(o['url'] as string);
        } catch {
          /* not JSON */
        }
      });
      child.once('exit', (code) => reject(new Error(`gateway exited early (${code})`)));
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const url = await ready;
    // Warm the connection pools and health state first.
    expect((await fetch(`${url}/api/work`)).status).toBe(200);

    // Upstreams hold every request until released, so all 30 are surely in flight when the signal lands.
    for (const r of replicas) await r.setChaos({ hang: true });
    const paths = ['/api/work', '/rpc/work', '/axios/work'];
    const inflight = Array.from({ length: 30 }, (_, i) =>
      fetch(`${url}${paths[i % 3]}?n=${i}`, { signal: AbortSignal.timeout(10_000) }).then(
        async (r) => ({ status: r.status, body: await r.text() }),
        (e: unknown) => ({ status: 0, body: String(e) }),
      ),
    );
    // All 30 inside the gateway (its own count): then the signal lands.
    const deadline = Date.now() + 10_000;
    let gatewayInFlight = 0;
    while (Date.now() < deadline) {
      const state = (await (await fetch(`${url}/state`)).json()) as { requests: { inFlight: number } };
      gatewayInFlight = state.requests.inFlight;
      if (gatewayInFlight >= 30) break;
      await new Promise((r) => setTimeout(r, 5));
    }
    child.kill('SIGTERM');
    expect(gatewayInFlight).toBe(30);
    // Draining: the listener is closed (new connections refused) while the 30 are still held.
    const drainDeadline = Date.now() + 10_000;
    while (!lines.some((l) => l['event'] === 'draining') && Date.now() < drainDeadline)
      await new Promise((r) => setTimeout(r, 5));
    expect(await connectOutcome(Number(new URL(url).port))).toBe('ECONNREFUSED');
    for (const r of replicas) await r.setChaos({ hang: false });
    const results = await Promise.all(inflight);
    expect(results.filter((r) => r.status !== 200)).toEqual([]);
    expect(await exited).toBe(0);
    await expect(fetch(`${url}/health`, { signal: AbortSignal.timeout(2_000) })).rejects.toThrow();
    expect(lines.some((l) => l['event'] === 'draining')).toBe(true);
    expect(lines.some((l) => l['event'] === 'closed')).toBe(true);
  }, 60_000);
});

function connectOutcome(port: number): Promise<string> {
  return new Promise((resolve) => {
    const sock = createConnection({ host: '127.0.0.1', port });
    sock.once('connect', () => {
      sock.destroy();
      resolve('connected');
    });
    sock.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
  });
}
