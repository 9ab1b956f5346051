import { afterEach, describe, expect, it } from 'vitest';
import { request } from 'node:http';
import { startDashboard, type Dashboard } from '../src/server.js';
import type { ChaosCommand, DashboardState } from '../src/types.js';

const TOKEN = 'run-token-0123456789abcdef';
const state: DashboardState = { title: 't', regions: ['eu'], replicas: [{ id: 'eu-1', region: 'eu' }], gateways: [], traffic: [], errorRate: 0 };
let dash: Dashboard | undefined;
const commands: ChaosCommand[] = [];
afterEach(async () => {
  await dash?.close();
  dash = undefined;
  commands.length = 0;
});
const start = async (): Promise<Dashboard> => {
  dash = await startDashboard({ token: TOKEN, state: () => state, chaos: async (c) => { commands.push(c); return 'ok'; } });
  return dash;
};

/** Sends the path byte-for-byte (fetch would normalise `/../`). */
function raw(port: number, path: string, headers: Record<string, string> = {}, method = 'GET', body?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

describe('dashboard server', () => {
  it('binds 127.0.0.1, serves the page with the token injected, and the state', async () => {
    const d = await start();
    expect(d.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const page = await fetch(d.url);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(await page.text()).toContain(`content="${TOKEN}"`);
    expect((await fetch(`${d.url}/static/dashboard.js`)).headers.get('content-type')).toMatch(/javascript/);
    expect(await (await fetch(`${d.url}/api/state`)).json()).toEqual(state);
  });

  it.each([
    '/static/../server.ts', '/../package.json', '/static/%2e%2e%2fserver.ts', '/static/%2e%2e/server.ts',
    '/%2e%2e%2f%2e%2e%2fetc%2fpasswd', '/static/%252e%252e%252fserver.ts', '/static/..%5cserver.ts', '/static/%c0%ae%c0%ae/server.ts',
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
    const big = await raw(d.port, '/api/chaos', { 'x-chaos-token': TOKEN, 'content-type': 'application/json' }, 'POST', JSON.stringify({ target: 'replica', id: 'eu-1', action: 'kill', pad: 'x'.repeat(10_000) }));
    expect(big.status).toBe(413);
    expect(commands).toEqual([]);
  });

  it('chaos requires the token and a valid command', async () => {
    const d = await start();
    const body = JSON.stringify({ target: 'replica', id: 'eu-1', action: 'kill' });
    expect((await raw(d.port, '/api/chaos', {}, 'POST', body)).status).toBe(401);
    expect((await raw(d.port, '/api/chaos', { 'x-chaos-token': 'wrong' }, 'POST', body)).status).toBe(401);
    expect((await raw(d.port, '/api/chaos', { 'x-chaos-token': TOKEN }, 'GET')).status).toBe(405);
    expect((await raw(d.port, '/api/chaos', { 'x-chaos-token': TOKEN }, 'POST', '{"target":"replica","id":"eu-1","action":"explode"}')).status).toBe(400);
    expect((await raw(d.port, '/api/chaos', { 'x-chaos-token': TOKEN }, 'POST', body)).status).toBe(200);
    expect((await raw(d.port, '/api/chaos', { authorization: `Bearer ${TOKEN}` }, 'POST', body)).status).toBe(200);
    expect(commands).toEqual([{ target: 'replica', id: 'eu-1', action: 'kill' }, { target: 'replica', id: 'eu-1', action: 'kill' }]);
  });

  it('validates its options', async () => {
    await expect(startDashboard({ token: 'short', state: () => state, chaos: async () => 1 })).rejects.toMatchObject({ code: 'BW_CONFIG', path: 'dashboard.token' });
  });
});
