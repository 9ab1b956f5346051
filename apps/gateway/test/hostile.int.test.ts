import { afterEach, describe, expect, it } from 'vitest';
import { request } from 'node:http';
import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import { memoryBreakerStore, type BreakerStore, type Endpoint } from '@breakwater/core';
import { startTestHttpServer, type TestHttpServer } from '@breakwater/testkit';
import { slowHeadersClient } from '@breakwater/testkit/apps';
import { isLoopback, startGateway, type Gateway, type GatewayOptions } from '../src/gateway.js';
import { okJson, startHostileUpstream, type HostileUpstream } from './hostile-upstream.js';

// Regression tests for issue 15 (items 1, 2, 3, 5, 6, 9): hostile clients and hostile upstreams.
const TOKEN = 'gateway-hostile-token-01';
let gateway: Gateway | undefined;
let upstreams: Array<HostileUpstream | TestHttpServer> = [];
let store: BreakerStore | undefined;
let logLines: string[] = [];

afterEach(async () => {
  await gateway?.close(1_000);
  await Promise.all(upstreams.map((u) => u.close()));
  await store?.close();
  gateway = undefined;
  upstreams = [];
  logLines = [];
});

function memoryLogger(): Logger {
  return pino(
    { level: 'info' },
    new Writable({
      write(chunk: Buffer, _enc, cb) {
        logLines.push(chunk.toString());
        cb();
      },
    }),
  );
}

async function start(replicas: Endpoint[], o: Partial<GatewayOptions> = {}): Promise<Gateway> {
  store = memoryBreakerStore();
  gateway = await startGateway({
    id: 'gw-h',
    replicas,
    regions: [...new Set(replicas.map((r) => r.region as string))],
    store,
    storeKind: 'memory',
    logger: memoryLogger(),
    token: TOKEN,
    tuning: { healthIntervalMs: 100, maxAttempts: 2 },
    stateIntervalMs: 50,
    ...o,
  });
  return gateway;
}

/** Sends the request target byte for byte (fetch would normalise it). */
function raw(
  port: number,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

const work = JSON.stringify({ replica: 'eu-1', region: 'eu', n: 0, servedAt: 1 });
const trpcOk = (data: unknown): string => JSON.stringify({ result: { data } });

describe('gateway against hostile clients', () => {
  it.each(['//', '///', '//@', '//x:99999', '//[::1', '//%', '//api/work', '*'])(
    'answers 400 to the request target %j and keeps serving',
    async (target) => {
      const up = await startHostileUpstream(() => okJson(work));
      upstreams.push(up);
      const gw = await start([{ id: 'eu-1', region: 'eu', url: up.url }]);
      expect((await raw(gw.port, target)).status).toBe(400);
      expect((await raw(gw.port, '/health')).status).toBe(200);
    },
  );
});

describe('gateway server limits', () => {
  it('cuts a slow-headers client within the configured time and applies the connection cap', async () => {
    const up = await startHostileUpstream(() => okJson(work));
    upstreams.push(up);
    const gw = await start([{ id: 'eu-1', region: 'eu', url: up.url }], {
      server: { headersTimeoutMs: 300, requestTimeoutMs: 600, connectionsCheckingIntervalMs: 100, maxConnections: 50 },
    });
    const { closedAfterMs } = await slowHeadersClient(gw.port, 5_000);
    expect(closedAfterMs).toBeLessThan(1_100);
    expect((await raw(gw.port, '/health')).status).toBe(200);
    await expect(
      start([{ id: 'eu-1', region: 'eu', url: up.url }], { server: { maxConnections: 0 } }),
    ).rejects.toMatchObject({
      path: 'gateway.server.maxConnections',
    });
  });
});

describe('gateway against hostile upstreams', () => {
  it('takes replica and region from the endpoint config, never from the response (headers, body, tRPC)', async () => {
    const evil = 'eu-1\r\nset-cookie: pwned=1';
    const up = await startHostileUpstream((req) => {
      if (req.target.startsWith('/trpc/'))
        return Buffer.from(okJson(trpcOk({ replica: evil, region: '東京-1', n: 0 })), 'utf8');
      return Buffer.concat([
        Buffer.from('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n'),
        Buffer.from('x-region: 東京-1\r\nx-replica-id: 東京-9\r\n', 'utf8'),
        Buffer.from(`content-length: ${Buffer.byteLength(work)}\r\nconnection: close\r\n\r\n${work}`),
      ]);
    });
    upstreams.push(up);
    const gw = await start([{ id: 'eu-1', region: 'eu', url: up.url }]);
    for (const path of ['/api/work', '/rpc/work', '/axios/work']) {
      const r = await raw(gw.port, path);
      expect(r.status, path).toBe(200);
      expect(r.headers['x-region'], path).toBe('eu');
      expect(r.headers['x-replica-id'], path).toBe('eu-1');
      expect(r.headers['set-cookie'], path).toBeUndefined();
    }
    expect(gw.state().requests.byRegion).toEqual({ eu: 3 });
  });

  it('counts only configured regions: 300 distinct upstream x-region values do not grow /state', async () => {
    let i = 0;
    const up = await startHostileUpstream(() => okJson(work, `x-region: r-${i++}\r\n`));
    upstreams.push(up);
    const gw = await start([{ id: 'eu-1', region: 'eu', url: up.url }]);
    const before = (await raw(gw.port, '/state')).body.length;
    for (let k = 0; k < 300; k++) expect((await raw(gw.port, '/api/work')).status).toBe(200);
    const state = JSON.parse((await raw(gw.port, '/state')).body) as { requests: { byRegion: Record<string, number> } };
    expect(Object.keys(state.requests.byRegion)).toEqual(['eu']);
    expect((await raw(gw.port, '/state')).body.length).toBeLessThan(before + 64);
  });

  it('turns an impossible upstream status into a generic 502', async () => {
    const up = await startHostileUpstream((req) =>
      req.target === '/health'
        ? okJson('{}')
        : `HTTP/1.1 099 Weird\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}`,
    );
    upstreams.push(up);
    const gw = await start([{ id: 'eu-1', region: 'eu', url: up.url }]);
    for (const path of ['/api/work', '/rpc/work', '/axios/work'])
      expect((await raw(gw.port, path)).status, path).toBeGreaterThanOrEqual(500);
    expect((await raw(gw.port, '/health')).status).toBe(200);
  });

  it('refuses an upstream body over 1 MiB with a generic 502 (fetch, tRPC, axios), not buffering it', async () => {
    const big = JSON.stringify({ pad: 'x'.repeat(2 * 1_048_576) });
    const up = await startHostileUpstream((req) =>
      req.target === '/health' ? okJson('{}') : okJson(req.target.startsWith('/trpc/') ? trpcOk({ pad: big }) : big),
    );
    upstreams.push(up);
    const gw = await start([{ id: 'eu-1', region: 'eu', url: up.url }]);
    for (const path of ['/api/work', '/rpc/work', '/axios/work']) {
      const r = await raw(gw.port, path);
      // 502 for the failed call, or 503 once those failures opened eu-1's breaker.
      expect([502, 503], path).toContain(r.status);
      expect(r.body.length, path).toBeLessThan(300);
    }
  });

  it('502 bodies are generic with a request id; the detail is logged with credentials masked', async () => {
    const gw = await start([{ id: 'eu-1', region: 'eu', url: 'http://svc:s3cret@127.0.0.5:9' }]);
    const r = await raw(gw.port, '/api/work', { 'x-request-id': 'req-42' });
    expect(r.status).toBeGreaterThanOrEqual(502);
    const body = JSON.parse(r.body) as Record<string, unknown>;
    expect(body).toMatchObject({ requestId: 'req-42' });
    expect(r.headers['x-request-id']).toBe('req-42');
    expect(r.body).not.toMatch(/ECONNREFUSED|127\.0\.0\.5|s3cret|svc/);
    const logged = logLines.filter((l) => l.includes('req-42'));
    expect(logged.length).toBeGreaterThan(0);
    expect(logged.join('\n')).not.toContain('s3cret');
    // A request id the client did not give (or gave in a bad form) is made up.
    const other = JSON.parse((await raw(gw.port, '/api/work', { 'x-request-id': 'bad id; x="1"' })).body) as {
      requestId: string;
    };
    expect(other.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('gateway snapshots', () => {
  it('mask credentials in /state and in the first /events frame', async () => {
    const up = await startHostileUpstream(() => okJson(work));
    upstreams.push(up);
    const gw = await start([{ id: 'eu-1', region: 'eu', url: up.url.replace('http://', 'http://svc:s3cret@') }]);
    const state = (await raw(gw.port, '/state')).body;
    expect(state).toContain('REDACTED');
    expect(state).not.toContain('s3cret');
    expect(JSON.stringify(gw.state())).not.toContain('s3cret');
    const ac = new AbortController();
    const res = await fetch(`${gw.url}/events`, { signal: ac.signal });
    const first = new TextDecoder().decode((await res.body!.getReader().read()).value);
    ac.abort();
    expect(first).toContain('event: state');
    expect(first).not.toContain('s3cret');
  });

  it('refuses admin requests from a foreign Origin (DNS rebinding), even with the token', async () => {
    const up = await startHostileUpstream(() => okJson(work));
    upstreams.push(up);
    const gw = await start([{ id: 'eu-1', region: 'eu', url: up.url }]);
    const post = (headers: Record<string, string>): Promise<number> =>
      fetch(`${gw.url}/admin/propagation/reset`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, ...headers },
      }).then((r) => r.status);
    expect(await post({ origin: 'http://rebind.attacker.example' })).toBe(403);
    expect(await post({ origin: `http://127.0.0.1:${gw.port}` })).toBe(200);
    expect(await post({})).toBe(200);
  });

  it('put /state and /events behind the token when the gateway listens beyond loopback', async () => {
    expect(isLoopback('127.0.0.1')).toBe(true);
    expect(isLoopback('::1')).toBe(true);
    expect(isLoopback('0.0.0.0')).toBe(false);
    expect(isLoopback('10.0.0.1')).toBe(false);
    const up = await startHostileUpstream(() => okJson(work));
    upstreams.push(up);
    const gw = await start([{ id: 'eu-1', region: 'eu', url: up.url }], { protectState: true });
    expect((await raw(gw.port, '/state')).status).toBe(401);
    expect((await raw(gw.port, '/events')).status).toBe(401);
    expect((await raw(gw.port, '/state', { authorization: `Bearer ${TOKEN}` })).status).toBe(200);
    expect((await raw(gw.port, '/health')).status).toBe(200);
    expect((await raw(gw.port, '/metrics')).status).toBe(200);
  });
});

describe('trace context', () => {
  it('continues an incoming traceparent upstream: same trace id, new parent span (fetch, tRPC, axios)', async () => {
    const replica: TestHttpServer = await startTestHttpServer((req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(req.url?.startsWith('/trpc/') ? trpcOk({ replica: 'eu-1', region: 'eu', n: 0 }) : work);
    });
    upstreams.push(replica);
    const gw = await start([{ id: 'eu-1', region: 'eu', url: replica.url }]);
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const incoming = `00-${traceId}-00f067aa0ba902b7-01`;
    for (const path of ['/api/work', '/rpc/work', '/axios/work']) {
      const seenBefore = replica.requests.length;
      expect((await raw(gw.port, path, { traceparent: incoming, tracestate: 'vendor=1' })).status, path).toBe(200);
      const calls = replica.requests.slice(seenBefore).filter((r) => r.url !== '/health');
      expect(calls.length, path).toBeGreaterThan(0);
      for (const c of calls) {
        const tp = String(c.headers['traceparent']);
        expect(tp, path).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
        expect(tp.split('-')[2], path).not.toBe('00f067aa0ba902b7');
        expect(c.headers['tracestate'], path).toBe('vendor=1');
      }
    }
    // Without an incoming context the gateway starts a trace; a malformed one is not propagated.
    const before = replica.requests.length;
    await raw(gw.port, '/api/work', { traceparent: 'garbage' });
    const fresh = replica.requests.slice(before).find((r) => r.url !== '/health');
    expect(String(fresh?.headers['traceparent'])).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(String(fresh?.headers['traceparent'])).not.toContain('garbage');
  });
});
