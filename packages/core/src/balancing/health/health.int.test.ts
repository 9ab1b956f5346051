import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { close, listen } from '../../test-support/http.js';
import { loadBalancer } from '../load-balancer.js';
import type { HealthEvent } from '../types.js';

describe('default HTTP health check against real servers', () => {
  let ok: Awaited<ReturnType<typeof listen>>;
  let error500: Awaited<ReturnType<typeof listen>>;
  let hang: Awaited<ReturnType<typeof listen>>;
  let closedUrl: string;
  const paths: string[] = [];
  const auth: Array<string | undefined> = [];

  beforeAll(async () => {
    ok = await listen((req, res) => {
      paths.push(req.url ?? '');
      auth.push(req.headers.authorization);
      res.end('ok');
    });
    error500 = await listen((_req, res) => {
      res.statusCode = 500;
      res.end('bad');
    });
    hang = await listen(() => undefined); // never answers
    const gone = await listen(() => undefined);
    closedUrl = gone.url;
    await close(gone.server);
  });
  afterAll(async () => {
    await Promise.all([ok, error500, hang].map((s) => close(s.server)));
  });

  it('2xx healthy; 500, hang past the timeout and a closed port become unhealthy; close() stops everything', async () => {
    const lb = loadBalancer({
      endpoints: [
        { id: 'ok', url: ok.url.replace('http://', 'http://user:s3cret@') },
        { id: 'err', url: error500.url },
        { id: 'hang', url: hang.url },
        { id: 'closed', url: closedUrl },
      ],
      healthCheck: {
        path: '/healthz',
        intervalMs: 60,
        timeoutMs: 150,
        jitterMs: 10,
        unhealthyThreshold: 2,
        healthyThreshold: 1,
      },
      locality: { panicThreshold: 0 },
    });
    const events: HealthEvent[] = [];
    lb.on('health', (e) => events.push(e));
    const deadline = Date.now() + 5000;
    while (events.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const down = Object.fromEntries(events.map((e) => [e.endpoint, e.reason]));
    expect(Object.keys(down).sort()).toEqual(['closed', 'err', 'hang']);
    expect(down.hang).toMatch(/timed out after 150ms/);
    expect(down.err).toMatch(/check failed/);
    expect(down.closed).toMatch(/check error/);
    expect(JSON.stringify(events)).not.toContain('s3cret');
    expect(lb.endpoints().map((e) => [e.id, e.healthy])).toEqual([
      ['ok', true],
      ['err', false],
      ['hang', false],
      ['closed', false],
    ]);
    for (let i = 0; i < 10; i++) expect(lb.pick().id).toBe('ok');
    expect(paths.every((p) => p === '/healthz')).toBe(true);
    expect(auth[0]).toBe(`Basic ${Buffer.from('user:s3cret').toString('base64')}`);
    await lb.close();
    const count = paths.length;
    await new Promise((r) => setTimeout(r, 200));
    expect(paths.length).toBe(count);
    // The hanging server holds no connection from us once the check was aborted.
    const open = await new Promise<number>((r) => hang.server.getConnections((_e, n) => r(n)));
    expect(open).toBe(0);
  });
});
