/**
 * A replica in its own Node process, for multi-process tests. Run with
 * `node --conditions=@breakwater/source --import tsx replica-process.ts <redisUrl> <prefix> <name> <instanceId>`.
 * Reads JSON commands on stdin, writes JSON lines on stdout:
 *   {"cmd":"trip"}        fail calls until the breaker opens
 *   {"cmd":"hang"}        start a call that never settles (holds the probe if half-open)
 *   {"cmd":"call"}        one successful call; replies {"reply":"call","ok":bool,"code"?}
 *   {"cmd":"state"}       replies {"reply":"state","state":...}
 * Events: {"event":"ready"}, {"event":"stateChange",...,"t":<epoch ms>}.
 */
import { createInterface } from 'node:readline';
import { Redis } from './ioredis.js';
import { circuitBreaker, consecutiveFailures, isBreakwaterError } from '@breakwater/core';
import { RedisBreakerStore } from '../store.js';

const [url, prefix, name, instanceId, halfOpen = '150', probeTimeout = '1000'] = process.argv.slice(2);
if (url === undefined || prefix === undefined || name === undefined || instanceId === undefined) {
  process.stderr.write(
    'usage: replica-process.ts <redisUrl> <prefix> <name> <instanceId> [halfOpenAfterMs] [probeTimeoutMs]\n',
  );
  process.exit(2);
}
const out = (o: object): void => {
  process.stdout.write(`${JSON.stringify(o)}\n`);
};
const redis = new Redis(url);
redis.on('error', () => undefined);
const store = new RedisBreakerStore({ redis, prefix, instanceId });
const breaker = circuitBreaker({
  name,
  trip: consecutiveFailures(1),
  halfOpenAfterMs: Number(halfOpen),
  halfOpen: { probeTimeoutMs: Number(probeTimeout) },
  store,
});
breaker.on('stateChange', (e) =>
  out({
    event: 'stateChange',
    from: e.from,
    to: e.to,
    remote: e.remote,
    reason: e.reason,
    t: performance.timeOrigin + performance.now(),
  }),
);

const wait = async (): Promise<void> => {
  while (!store.healthy) await new Promise((r) => setTimeout(r, 5));
  out({ event: 'ready' });
};
void wait();

createInterface({ input: process.stdin }).on('line', (line) => {
  let msg: { cmd?: string };
  try {
    msg = JSON.parse(line) as { cmd?: string };
  } catch {
    return;
  }
  switch (msg.cmd) {
    case 'trip':
      void (async () => {
        while (breaker.state === 'closed')
          await breaker.execute(() => Promise.reject(new Error('down'))).catch(() => undefined);
        out({ reply: 'trip', state: breaker.state });
      })();
      break;
    case 'hang':
      void breaker.execute(() => new Promise(() => undefined)).catch(() => undefined);
      out({ reply: 'hang', state: breaker.state });
      break;
    case 'call':
      breaker
        .execute(() => 'ok')
        .then(
          () => out({ reply: 'call', ok: true }),
          (e: unknown) => out({ reply: 'call', ok: false, code: isBreakwaterError(e) ? e.code : String(e) }),
        );
      break;
    case 'state':
      out({ reply: 'state', state: breaker.state });
      break;
    case 'exit':
      void store
        .close()
        .then(() => redis.quit())
        .finally(() => process.exit(0));
      break;
    default:
      out({ error: `unknown command ${String(msg.cmd)}` });
  }
});
