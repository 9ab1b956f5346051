import { afterEach, describe, expect, it } from 'vitest';
import { createConnection } from 'node:net';
import { pino } from 'pino';
import { memoryBreakerStore, type BreakerStore } from '@breakwater/core';
import { startReplica, type Replica } from '@breakwater/replica';
import { startGateway, type Gateway } from '../src/gateway.js';

const TOKEN = 'gateway-test-token-0123';
const logger = pino({ level: 'silent' });
let replicas: Replica[] = [];
let gateways: Gateway[] = [];
let store: BreakerStore | undefined;

afterEach(async () => {
  await Promise.all(gateways.map((g) => g.close(2_000)));
  await Promise.all(replicas.map((r) => r.close()));
  await store?.close();
  gateways = [];
  replicas = [];
});

async function setup(pods = 1, o: { l4?: boolean } = {}): Promise<{ replicas: Replica[]; gateways: Gateway[] }> {
  replicas = await Promise.all(
    ['eu-1', 'eu-2', 'us-1', 'us-2'].map((id) => startReplica({ id, region: id.slice(0, 2), token: TOKEN })),
  );
  store = memoryBreakerStore();
  const s = store;
  gateways = await Promise.all(
    Array.from({ length: pods }, (_, i) =>
      startGateway({
        id: `gw-${i}`,
        replicas: replicas.map((r) => ({ id: r.id, region: r.region, url: r.url })),
        regions: ['eu', 'us'],
        store: s,
        storeKind: 'memory',
        logger,
        token: TOKEN,
        tuning: { healthIntervalMs: 100 },
        stateIntervalMs: 100,
        ...(o.l4 ? { l4Port: 0 } : {}),
      }),
    ),
  );
  return { replicas, gateways };
}

const get = async (
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; region: string | null; body: string }> => {
  const res = await fetch(url, { headers, signal: AbortSignal.timeout(5_000) });
  return { status: res.status, region: res.headers.get('x-region'), body: await res.text() };
};

describe('gateway', () => {
  it('binds 127.0.0.1 and serves through the fetch, tRPC and axios adapters, primary region first', async () => {
    const {
      gateways: [gw],
    } = await setup();
    expect(gw!.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    for (const path of ['/api/work', '/rpc/work', '/axios/work']) {
      const r = await get(`${gw!.url}${path}`);
      expect(r.status, path).toBe(200);
      expect(r.region, path).toBe('eu');
    }
    expect((await get(`${gw!.url}/health`)).status).toBe(200);
    expect((await get(`${gw!.url}/nope`)).status).toBe(404);
  });

  it('routes by header (x-region pins the region)', async () => {
    const {
      gateways: [gw],
    } = await setup();
    for (let i = 0; i < 5; i++) expect((await get(`${gw!.url}/api/work`, { 'x-region': 'us' })).region).toBe('us');
  });

  it('exposes Prometheus metrics and its state', async () => {
    const {
      gateways: [gw],
    } = await setup();
    await get(`${gw!.url}/api/work`);
    const metrics = (await get(`${gw!.url}/metrics`)).body;
    expect(metrics).toMatch(/lb_requests_total\{[^}]*server="eu-\d"/);
    expect(metrics).toMatch(/circuit_breaker_state/);
    const state = JSON.parse((await get(`${gw!.url}/state`)).body) as {
      endpoints: unknown[];
      breakers: Record<string, string>;
      store: { kind: string };
    };
    expect(state.endpoints).toHaveLength(4);
    expect(state.breakers).toEqual({ 'eu-1': 'closed', 'eu-2': 'closed', 'us-1': 'closed', 'us-2': 'closed' });
    expect(state.store.kind).toBe('memory');
  });

  it('fails over to the secondary region without client-visible errors when the primary goes hard down', async () => {
    const {
      gateways: [gw],
      replicas: rs,
    } = await setup();
    await Promise.all(rs.filter((r) => r.region === 'eu').map((r) => r.setChaos({ down: true })));
    const results = [];
    for (let i = 0; i < 40; i++) results.push(await get(`${gw!.url}/${['api', 'rpc', 'axios'][i % 3]}/work`));
    expect(results.filter((r) => r.status !== 200)).toEqual([]);
    expect(results.slice(-10).every((r) => r.region === 'us')).toBe(true);
  });

  it('a slow replica loses hedge races without tripping its breaker (cancelled attempts are neutral)', async () => {
    const {
      gateways: [gw],
      replicas: rs,
    } = await setup();
    // Slower than the 80 ms hedge delay, well inside the 1 s attempt timeout: attempts on eu-1 lose to eu-2.
    await rs.find((r) => r.id === 'eu-1')!.setChaos({ latencyMs: 300 });
    const results = [];
    for (let i = 0; i < 12; i++) results.push(await get(`${gw!.url}/${['api', 'rpc', 'axios'][i % 3]}/work`));
    expect(results.filter((r) => r.status !== 200)).toEqual([]);
    await new Promise((r) => setTimeout(r, 400)); // every loser has settled
    const state = JSON.parse((await get(`${gw!.url}/state`)).body) as { breakers: Record<string, string> };
    expect(state.breakers['eu-1']).toBe('closed');
    const metrics = (await get(`${gw!.url}/metrics`)).body;
    expect(metrics).toMatch(/lb_requests_total\{[^}]*server="eu-1"[^}]*status="cancelled"[^}]*\} [1-9]/);
  });

  it('admin endpoints need the token; a trip on one pod is open on the other (shared store)', async () => {
    const {
      gateways: [a, b],
    } = await setup(2);
    expect((await fetch(`${a!.url}/admin/propagation/trip`, { method: 'POST' })).status).toBe(401);
    expect(
      (await fetch(`${a!.url}/admin/propagation/trip`, { method: 'POST', headers: { authorization: 'Bearer wrong' } }))
        .status,
    ).toBe(401);
    const res = await fetch(`${a!.url}/admin/propagation/trip`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(await res.json()).toMatchObject({ state: 'open' });
    expect(b!.state().propagationProbe).toBe('open');
  });

  it('streams breaker transitions and state over SSE', async () => {
    const {
      gateways: [a, b],
    } = await setup(2);
    const ac = new AbortController();
    const res = await fetch(`${b!.url}/events`, { signal: ac.signal });
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const reader = res.body!.getReader();
    let text = '';
    await fetch(`${a!.url}/admin/propagation/trip`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } });
    while (!text.includes('event: breaker')) text += new TextDecoder().decode((await reader.read()).value);
    ac.abort();
    expect(text).toContain('event: state');
    expect(text).toMatch(/"name":"demo\/propagation".*"to":"open".*"remote":true/);
  });

  it('L4 mode proxies raw TCP connections to replicas', async () => {
    const {
      gateways: [gw],
    } = await setup(1, { l4: true });
    const port = gw!.l4Port!;
    const reply = await new Promise<string>((resolve, reject) => {
      const sock = createConnection({ host: '127.0.0.1', port });
      let data = '';
      sock.on('connect', () => sock.write('GET /api/work HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'));
      sock.on('data', (d) => {
        data += d.toString();
      });
      sock.on('end', () => resolve(data));
      sock.on('error', reject);
    });
    expect(reply).toMatch(/^HTTP\/1\.1 200/);
    expect(reply).toMatch(/x-region: (eu|us)/i);
  });

  it('validates its options', async () => {
    await expect(
      startGateway({
        id: 'bad id',
        replicas: [],
        regions: [],
        store: memoryBreakerStore(),
        storeKind: 'memory',
        logger,
        token: TOKEN,
      }),
    ).rejects.toMatchObject({ code: 'BW_CONFIG', path: 'gateway.id' });
  });
});
