/**
 * One replica of the Redis propagation benchmark, in its own process:
 * `node --conditions=@breakwater/source --import tsx redis-replica.ts <redisUrl> <prefix> <instanceId>`.
 * stdin commands (one per line): `trip` (fail one call → open; prints {"tripAt"}), `reset`, `exit`.
 * stdout: {"ready":true}, {"tripAt":t}, {"to":"open"|"closed","remote":bool,"t":t} — t in epoch ms
 * with sub-ms precision (performance.timeOrigin + performance.now()), comparable across processes.
 */
import { createInterface } from 'node:readline';
import { Redis } from 'ioredis';
import { circuitBreaker, consecutiveFailures } from '@breakwater/core';
import { RedisBreakerStore } from '@breakwater/redis';

const [url, prefix, instanceId] = process.argv.slice(2);
if (url === undefined || prefix === undefined || instanceId === undefined) {
  process.stderr.write('usage: redis-replica.ts <redisUrl> <prefix> <instanceId>\n');
  process.exit(2);
}
const now = (): number => performance.timeOrigin + performance.now();
const out = (o: object): void => {
  process.stdout.write(`${JSON.stringify(o)}\n`);
};
const redis = new Redis(url);
redis.on('error', () => undefined);
const store = new RedisBreakerStore({ redis, prefix, instanceId, resyncIntervalMs: 0 });
const breaker = circuitBreaker({ name: 'propagation', trip: consecutiveFailures(1), halfOpenAfterMs: 60_000, store });
breaker.on('stateChange', (e) => {
  if (e.remote) out({ to: e.to, remote: e.remote, t: now() });
});
const fail = (): Promise<never> => Promise.reject(new Error('down'));

void (async () => {
  while (!store.healthy) await new Promise((r) => setTimeout(r, 5));
  out({ ready: true });
})();

createInterface({ input: process.stdin }).on('line', (line) => {
  const cmd = line.trim();
  if (cmd === 'trip') {
    const t = now();
    void breaker.execute(fail).catch(() => undefined);
    out({ tripAt: t, state: breaker.state });
  } else if (cmd === 'reset') {
    breaker.reset();
    out({ reset: true, state: breaker.state });
  } else if (cmd === 'exit') {
    void store
      .close()
      .then(() => redis.quit())
      .finally(() => process.exit(0));
  }
});
