import { afterEach, describe, expect, it } from 'vitest';
import { request } from 'node:http';
import { slowHeadersClient } from '@breakwater/testkit/apps';
import { startDashboard, type Dashboard } from '../src/server.js';
import type { ChaosCommand, DashboardState } from '../src/types.js';

const TOKEN = 'run-token-0123456789abcdef';
const state: DashboardState = {
  title: 't',
  regions: ['eu'],
  replicas: [{ id: 'eu-1', region: 'eu' }],
  gateways: [],
  traffic: [],
  errorRate: 0,
};
let dash: Dashboard | undefined;
const commands: ChaosCommand[] = [];
afterEach(async () => {
  await dash?.close();
  dash = undefined;
  commands.length = 0;
});
const start = async (): Promise<Dashboard> => {
  dash = await startDashboard({
    token: TOKEN,
    state: () => state,
    chaos: async (c) => {
      commands.push(c);
      return 'ok';
    },
  });
  return dash;
};

/** Sends the path byte-for-byte (fetch would normalise `/../`). */
function raw(
  port: number,
  path: string,
  headers: Record<string, string> = {},
  method = 'GET',
  body?: string,
): Promise<{ status: number; body: string; setCookie: string[] }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          body: Buffer.concat(chunks).toString(),
          setCookie: res.headers['set-cookie'] ?? [],
        }),
      );
    });
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

describe('dashboard server', () => {
  it('binds 127.0.0.1, serves the page and the state; the token is an HttpOnly SameSite=Strict cookie, not in the HTML', async () => {
    const d = await start();
    expect(d.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const page = await fetch(d.url);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(page.headers.get('set-cookie')).toBe(`bw_token_${d.port}=${TOKEN}; HttpOnly; SameSite=Strict; Path=/`);
    expect(await page.text()).not.toContain(TOKEN);
    for (const f of ['dashboard.js', 'chart.js', 'timeline.js'])
      expect((await fetch(`${d.url}/static/${f}`)).headers.get('content-type')).toMatch(/javascript/);
    expect(await (await fetch(`${d.url}/api/state`)).json()).toEqual(state);
  });

  it.each([
    '/static/../server.ts',
    '/../package.json',
    '/static/%2e%2e%2fserver.ts',
    '/static/%2e%2e/server.ts',
    '/%2e%2e%2f%2e%2e%2fetc%2fpasswd',
    '/static/%252e%252e%252fserver.ts',
    '/static/..%5cserver.ts',
    '/static/%c0%ae%c0%ae/server.ts',
  ])('rejects traversal %s', async (path) => {
    const d = await start();
    const r = await raw(d.port, path);
    expect(r.status).toBe(400);
    expect(r.body).not.toContain('import');
  });

  it('404s files outside the allow-list', async () => {
    const d = await start();
    expect((await raw(d.port, '/static/server.ts')).status).toBe(404);
    expect((await raw(d.port, '/static/index.html')).status).toBe(404);
  });

  it('rejects oversized URLs, headers and bodies', async () => {
    const d = await start();
    expect((await raw(d.port, `/static/${'a'.repeat(3000)}`)).status).toBe(414);
    expect((await raw(d.port, '/', { 'x-big': 'b'.repeat(20_000) })).status).toBe(431);
    const big = await raw(
      d.port,
      '/api/chaos',
      { 'x-chaos-token': TOKEN, 'content-type': 'application/json' },
      'POST',
      JSON.stringify({ target: 'replica', id: 'eu-1', action: 'kill', pad: 'x'.repeat(10_000) }),
    );
    expect(big.status).toBe(413);
    expect(commands).toEqual([]);
  });

  it('chaos requires the token and a valid command', async () => {
    const d = await start();
    const body = JSON.stringify({ target: 'replica', id: 'eu-1', action: 'kill' });
    expect((await raw(d.port, '/api/chaos', {}, 'POST', body)).status).toBe(401);
    expect((await raw(d.port, '/api/chaos', { 'x-chaos-token': 'wrong' }, 'POST', body)).status).toBe(401);
    expect((await raw(d.port, '/api/chaos', { 'x-chaos-token': TOKEN }, 'GET')).status).toBe(405);
    expect(
      (
        await raw(
          d.port,
          '/api/chaos',
          { 'x-chaos-token': TOKEN },
          'POST',
          '{"target":"replica","id":"eu-1","action":"explode"}',
        )
      ).status,
    ).toBe(400);
    expect((await raw(d.port, '/api/chaos', { 'x-chaos-token': TOKEN }, 'POST', body)).status).toBe(200);
    expect((await raw(d.port, '/api/chaos', { authorization: `Bearer ${TOKEN}` }, 'POST', body)).status).toBe(200);
    expect(commands).toEqual([
      { target: 'replica', id: 'eu-1', action: 'kill' },
      { target: 'replica', id: 'eu-1', action: 'kill' },
    ]);
  });

  it('DNS rebinding: a foreign Host gets neither the page nor the cookie, and cannot send chaos', async () => {
    const d = await start();
    const body = JSON.stringify({ target: 'replica', id: 'eu-1', action: 'kill' });
    for (const host of ['rebind.attacker.example', `rebind.attacker.example:${d.port}`, '127.0.0.1:1']) {
      const page = await raw(d.port, '/', { host });
      expect(page.status, host).toBe(421);
      expect(page.body).not.toContain(TOKEN);
      expect(page.setCookie).toEqual([]);
      expect(
        (await raw(d.port, '/api/chaos', { host, 'x-chaos-token': TOKEN, origin: `http://${host}` }, 'POST', body))
          .status,
      ).toBe(421);
    }
    for (const host of [`localhost:${d.port}`, `[::1]:${d.port}`])
      expect((await raw(d.port, '/', { host })).status, host).toBe(200);
    // Right Host, foreign Origin (or a cross-site fetch): refused even with the token.
    expect(
      (
        await raw(
          d.port,
          '/api/chaos',
          { 'x-chaos-token': TOKEN, origin: 'http://rebind.attacker.example' },
          'POST',
          body,
        )
      ).status,
    ).toBe(403);
    expect(
      (await raw(d.port, '/api/chaos', { 'x-chaos-token': TOKEN, 'sec-fetch-site': 'cross-site' }, 'POST', body))
        .status,
    ).toBe(403);
    expect(commands).toEqual([]);
    // Same origin with the cookie the page set: obeyed.
    const cookie = (await raw(d.port, '/')).setCookie[0]!.split(';')[0]!;
    expect(
      (
        await raw(
          d.port,
          '/api/chaos',
          { cookie, origin: `http://127.0.0.1:${d.port}`, 'sec-fetch-site': 'same-origin' },
          'POST',
          body,
        )
      ).status,
    ).toBe(200);
    expect((await raw(d.port, '/api/chaos', { cookie: `bw_token_${d.port}=wrong` }, 'POST', body)).status).toBe(401);
    expect(commands).toHaveLength(1);
  });

  it('answers a configured public host', async () => {
    dash = await startDashboard({
      token: TOKEN,
      state: () => state,
      chaos: async () => 'ok',
      publicHosts: ['demo.example.com'],
    });
    expect((await raw(dash.port, '/', { host: 'demo.example.com' })).status).toBe(200);
    expect((await raw(dash.port, '/', { host: 'other.example.com' })).status).toBe(421);
  });

  it("cuts a slow-headers client within the configured time (not after Node's 30 s check interval)", async () => {
    dash = await startDashboard({
      token: TOKEN,
      state: () => state,
      chaos: async () => 'ok',
      server: { headersTimeoutMs: 300, requestTimeoutMs: 600, connectionsCheckingIntervalMs: 100 },
    });
    const { closedAfterMs } = await slowHeadersClient(dash.port, 5_000);
    expect(closedAfterMs).toBeLessThan(1_100);
  });

  it.each(['//', '///', '//@', '//x:99999', '//[::1', '//%'])(
    'answers 400 to the request target %j',
    async (target) => {
      const d = await start();
      expect((await raw(d.port, target)).status).toBe(400);
      expect((await raw(d.port, '/api/state')).status).toBe(200);
    },
  );

  it('validates its options', async () => {
    await expect(startDashboard({ token: 'short', state: () => state, chaos: async () => 1 })).rejects.toMatchObject({
      code: 'BW_CONFIG',
      path: 'dashboard.token',
    });
  });
});
