import { Redis } from 'ioredis';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnRedisServer, uniquePrefix, type SpawnedRedis } from '@breakwater/testkit';
import { captureCrashes } from './harness/leak-probe.js';
import { sleep, waitUntil } from './harness/load-loop.js';
import { startMonitor, type MonitoredCommand } from './harness/redis-monitor.js';
import { startReplica, trip, type Replica } from './harness/redis-replica.js';
import { recordFigures } from './harness/results.js';

const RUNS = Number(process.env['BW_REL_PAYLOAD_RUNS'] ?? 300);
const STATES = new Set(['closed', 'open', 'half-open', 'isolated']);

let redis: SpawnedRedis;
let admin: Redis;
let monitor: Awaited<ReturnType<typeof startMonitor>>;
let a: Replica;
let b: Replica;
let crashes: ReturnType<typeof captureCrashes>;
const prefix = uniquePrefix('payload');
const figures: Record<string, string | number> = {};
let genuine: Array<{ channel: string; payload: string }> = [];
let channels: string[] = [];

beforeAll(async () => {
  redis = await spawnRedisServer();
  admin = new Redis({ host: '127.0.0.1', port: redis.port });
  admin.on('error', () => undefined);
  monitor = await startMonitor(redis.port);
  crashes = captureCrashes();
  a = await startReplica({ id: 'A', redisPort: redis.port, prefix });
  b = await startReplica({ id: 'B', redisPort: redis.port, prefix });
  // Real traffic first, so the keys, channels and a genuine message exist to learn from.
  for (const name of ['fz-1', 'fz-2']) {
    a.breaker(name);
    b.breaker(name);
  }
  await sleep(200);
  await trip(a.breaker('fz-1'));
  await waitUntil(() => b.breaker('fz-1').state === 'open', 2000);
  a.breaker('fz-1').reset();
  await waitUntil(() => b.breaker('fz-1').state === 'closed', 2000);
  await sleep(100);
  // Snapshot before the tests publish anything themselves.
  genuine = genuineMessages().filter((m) => m.payload.startsWith('{'));
  channels = listenedChannels();
  // MONITOR only serves discovery; a monitor connection must not be around for the CLIENT KILL below
  // (ioredis cannot resume MONITOR mode after a reconnect and throws from its parser).
  await monitor.stop();
});
afterAll(async () => {
  crashes.stop();
  await a?.close();
  await b?.close();
  admin?.disconnect();
  await redis?.stop();
  recordFigures('65-fuzz-redis-payloads', { title: 'Fuzz: Redis pub/sub payloads and stored hashes', rows: figures });
});

const isCmd = (c: MonitoredCommand, name: string): boolean => c.args[0]?.toLowerCase() === name;

/** The channels the stores listen on (SUBSCRIBE args, or PSUBSCRIBE patterns instantiated with our breaker names). */
function listenedChannels(): string[] {
  const out = new Set<string>();
  for (const c of monitor.commands) {
    if (isCmd(c, 'subscribe') || isCmd(c, 'ssubscribe')) c.args.slice(1).forEach((ch) => out.add(ch));
    if (isCmd(c, 'psubscribe'))
      for (const p of c.args.slice(1)) for (const n of ['fz-1', 'fz-2']) out.add(p.replace('*', n));
  }
  return [...out].filter((ch) => ch.includes(prefix));
}

/** Genuine messages the stores published (to mutate into near-valid ones). */
function genuineMessages(): Array<{ channel: string; payload: string }> {
  return monitor.commands
    .filter((c) => isCmd(c, 'publish') || isCmd(c, 'spublish'))
    .map((c) => ({ channel: c.args[1]!, payload: c.args[2]! }));
}

const sumStats = (): { messagesIn: number; messagesIgnored: number } => {
  const [x, y] = [a.store.stats(), b.store.stats()];
  return { messagesIn: x.messagesIn + y.messagesIn, messagesIgnored: x.messagesIgnored + y.messagesIgnored };
};

/** Payloads no reasonable validator accepts: bytes, non-objects, objects without the message fields. */
const junk: fc.Arbitrary<string | Buffer> = fc.oneof(
  fc.uint8Array({ maxLength: 200 }).map((u) => Buffer.from(u)),
  fc.string({ maxLength: 200 }).filter((s) => {
    try {
      const v: unknown = JSON.parse(s);
      return typeof v !== 'object' || v === null;
    } catch {
      return true;
    }
  }),
  fc
    .jsonValue({ maxDepth: 3 })
    .filter((v) => typeof v !== 'object' || v === null || Array.isArray(v))
    .map((v) => JSON.stringify(v)),
  fc
    .dictionary(
      fc.string({ maxLength: 8 }).map((k) => `zz${k}`),
      fc.jsonValue({ maxDepth: 2 }),
      { maxKeys: 5 },
    )
    .map((o) => JSON.stringify(o)),
  fc.constantFrom(
    '{',
    '{"__proto__":{"polluted":1}}',
    'null',
    '[]',
    '""',
    '1e999',
    '\u0000',
    '{"generation":',
    'x'.repeat(100_000),
  ),
);

function sane(r: Replica, name: string): void {
  const br = r.breaker(name);
  expect(STATES.has(br.state), `${r.id}/${name} state ${br.state}`).toBe(true);
  expect(Number.isFinite(br.generation), `${r.id}/${name} generation ${br.generation}`).toBe(true);
}

describe('fuzz: Redis payloads never throw into the host', () => {
  it('random bytes and non-message JSON on the store channels are ignored and counted', async () => {
    expect(channels.length, 'could not find the store channels via MONITOR').toBeGreaterThan(0);
    const before = sumStats();
    let sent = 0;
    await fc.assert(
      fc.asyncProperty(junk, fc.nat(), async (payload, i) => {
        await admin.publish(channels[i % channels.length]!, payload);
        sent += 1;
      }),
      { numRuns: RUNS },
    );
    await sleep(300);
    const after = sumStats();
    const delivered = after.messagesIn - before.messagesIn;
    const ignored = after.messagesIgnored - before.messagesIgnored;
    figures['junk messages published'] = sent;
    figures['junk: delivered to stores / ignored and counted'] = `${delivered} / ${ignored}`;
    expect(delivered).toBeGreaterThanOrEqual(sent);
    expect(ignored).toBe(delivered);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    for (const r of [a, b]) for (const n of ['fz-1', 'fz-2']) sane(r, n);
    expect(
      crashes.errors.map((e) => (e instanceof Error ? `${e.name}: ${e.message}\n${e.stack ?? ''}` : String(e))),
    ).toEqual([]);
  });

  it('near-valid messages (genuine ones with fields mutated) never crash or corrupt breaker state', async () => {
    expect(genuine.length, 'no genuine JSON message captured').toBeGreaterThan(0);
    const field = fc.oneof(
      fc.jsonValue({ maxDepth: 2 }),
      fc.constantFrom(Number.MAX_SAFE_INTEGER, -1, 1e308, 'open', 'half-open', 'bogus', null, '', 'NaN'),
    );
    let sent = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.nat(),
        fc.array(fc.tuple(fc.nat(), fc.oneof(fc.constant('delete'), field)), { minLength: 1, maxLength: 3 }),
        async (pick, edits) => {
          const base = genuine[pick % genuine.length]!;
          const msg = JSON.parse(base.payload) as Record<string, unknown>;
          const keys = Object.keys(msg);
          for (const [k, v] of edits) {
            const key = keys[k % keys.length]!;
            if (v === 'delete') delete msg[key];
            else msg[key] = v;
          }
          await admin.publish(base.channel, JSON.stringify(msg));
          sent += 1;
        },
      ),
      { numRuns: RUNS },
    );
    await sleep(300);
    figures['near-valid mutated messages published'] = sent;
    for (const r of [a, b]) for (const n of ['fz-1', 'fz-2']) sane(r, n);
    expect(
      crashes.errors.map((e) => (e instanceof Error ? `${e.name}: ${e.message}\n${e.stack ?? ''}` : String(e))),
    ).toEqual([]);
  });

  it('junk in the stored hashes (bad fields, wrong types) survives a resync; fresh breakers still sync', async () => {
    const keys = (await admin.keys(`*${prefix}*`)) as string[];
    expect(keys.length).toBeGreaterThan(0);
    const values = ['', 'NaN', '-1', '1e999', 'open', '{"x":1}', '\u0000\u00ff', '9007199254740993'];
    let i = 0;
    for (const k of keys) {
      const type = await admin.type(k);
      if (type === 'hash') {
        const fields = (await admin.hkeys(k)) as string[];
        for (const f of fields) await admin.hset(k, f, values[i++ % values.length]!);
        await admin.hset(k, 'zz-extra', 'junk');
      } else {
        await admin.del(k);
        await admin.rpush(k, 'wrong', 'type');
      }
    }
    // Also a key of the wrong type where a fresh breaker's hash will go (guessing its name from an existing key).
    const hashKey = keys.find((k) => k.includes('fz-2'));
    if (hashKey !== undefined) {
      await admin.del(hashKey);
      await admin.set(hashKey, 'not a hash');
    }
    figures['stored keys corrupted'] = keys.length;
    // Force a reconnect + resync of both stores.
    await admin.call('CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes');
    await admin.call('CLIENT', 'KILL', 'TYPE', 'pubsub');
    await sleep(1000);
    for (const r of [a, b]) for (const n of ['fz-1', 'fz-2']) sane(r, n);
    // Calls keep working locally on the corrupted breakers.
    await a
      .breaker('fz-2')
      .execute(() => 'ok')
      .catch(() => undefined);
    // A fresh breaker on the same store still syncs.
    b.breaker('fz-fresh');
    await sleep(100);
    await trip(a.breaker('fz-fresh'));
    const synced = await waitUntil(() => b.breaker('fz-fresh').state === 'open', 2000);
    figures['fresh breaker synced after corruption (ms)'] = synced < 0 ? 'no' : Math.round(synced);
    expect(synced).toBeGreaterThanOrEqual(0);
    expect(
      crashes.errors.map((e) => (e instanceof Error ? `${e.name}: ${e.message}\n${e.stack ?? ''}` : String(e))),
    ).toEqual([]);
  });
});
