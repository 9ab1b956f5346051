import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { memoryBreakerStore } from '@breakwater/core';
import { startGateway, type Gateway } from '@breakwater/gateway';
import { waitFor } from '@breakwater/testkit';
import { watchGateway, type GatewayWatch } from '../src/watch.js';

const TOKEN = 'watch-token-0123456789';
let gateway: Gateway | undefined;
let watch: GatewayWatch | undefined;
const store = memoryBreakerStore();
afterEach(async () => {
  watch?.close();
  await gateway?.close(1_000);
});
afterAll(() => store.close());

describe('watchGateway', () => {
  it('follows a gateway whose /events needs the token (as when it binds beyond loopback)', async () => {
    gateway = await startGateway({
      id: 'gw-w',
      replicas: [{ id: 'eu-1', region: 'eu', url: 'http://127.0.0.1:9' }],
      regions: ['eu'],
      store,
      storeKind: 'memory',
      logger: pino({ level: 'silent' }),
      token: TOKEN,
      protectState: true,
      stateIntervalMs: 50,
      tuning: { healthIntervalMs: 1_000 },
    });
    watch = watchGateway('gw-w', gateway.url, undefined, undefined, TOKEN);
    await waitFor(() => watch!.latest !== undefined, { timeoutMs: 5_000, what: 'a state event' });
    expect(watch.latest).toMatchObject({ id: 'gw-w' });
  });
});
