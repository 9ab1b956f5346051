import { afterEach, describe, expect, it } from 'vitest';
import { request } from 'node:http';
import { createTRPCClient, httpBatchLink } from '@trpc/client';
import { slowHeadersClient } from '@breakwater/testkit/apps';
import { startReplica, type Replica } from '../src/server.js';
import type { ReplicaRouter } from '../src/router.js';

// Regression tests for issue 15 (items 1, 7, 8).
const TOKEN = 'replica-hostile-token';
let replica: Replica | undefined;
afterEach(async () => {
  await replica?.close();
  replica = undefined;
});

function raw(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('replica against hostile clients', () => {
  it.each(['//', '///', '//@', '//x:99999', '//[::1', '//%'])(
    'answers 400 to %j on both listeners and keeps serving',
    async (target) => {
      replica = await startReplica({ id: 'eu-1', region: 'eu', token: TOKEN });
      for (const port of [replica.port, replica.adminPort]) {
        expect((await raw(port, target)).status).toBe(400);
        expect((await raw(port, '/health')).status).toBe(200);
      }
    },
  );

  it('refuses a tRPC batch over maxBatchSize with 413 and a message naming the limit', async () => {
    replica = await startReplica({ id: 'eu-1', region: 'eu', token: TOKEN, maxBatchSize: 4 });
    const big = await raw(replica.port, `/trpc/${Array.from({ length: 2_500 }, () => 'work').join(',')}?batch=1`);
    expect(big.status).toBe(413);
    expect(JSON.parse(big.body)).toEqual({
      error: expect.stringMatching(/batch of 2500 procedures exceeds the limit of 4/),
    });
    const client = createTRPCClient<ReplicaRouter>({
      links: [httpBatchLink({ url: `${replica.url}/trpc`, maxItems: 4 })],
    });
    const results = await Promise.all(Array.from({ length: 4 }, (_, n) => client.work.query({ n })));
    expect(results.map((r) => r.n)).toEqual([0, 1, 2, 3]);
    expect(replica.stats().requests).toBe(2);
  });

  it('refuses chaos requests from a foreign Origin (DNS rebinding), even with the token', async () => {
    replica = await startReplica({ id: 'eu-1', region: 'eu', token: TOKEN });
    const post = (headers: Record<string, string>): Promise<number> =>
      fetch(`${replica!.adminUrl}/chaos`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, ...headers },
        body: '{"latencyMs":1}',
      }).then((r) => r.status);
    expect(await post({ origin: 'http://rebind.attacker.example' })).toBe(403);
    expect(replica.chaos().latencyMs).toBe(0);
    expect(await post({ origin: `http://localhost:${replica.adminPort}` })).toBe(200);
    expect(await post({})).toBe(200);
  });

  it('validates ids sent as headers and the batch limit', async () => {
    await expect(startReplica({ id: 'eu-1\r\nx: y', region: 'eu', token: TOKEN })).rejects.toMatchObject({
      code: 'BW_CONFIG',
      path: 'replica.id',
    });
    await expect(startReplica({ id: 'eu-1', region: '東京', token: TOKEN })).rejects.toMatchObject({
      path: 'replica.region',
    });
    await expect(startReplica({ id: 'eu-1', region: 'eu', token: TOKEN, maxBatchSize: 0 })).rejects.toMatchObject({
      path: 'replica.maxBatchSize',
    });
    await expect(
      startReplica({ id: 'eu-1', region: 'eu', token: TOKEN, server: { headersTimeoutMs: 0 } }),
    ).rejects.toMatchObject({
      path: 'replica.server.headersTimeoutMs',
    });
  });

  it('cuts slow-headers clients on both listeners within the configured time', async () => {
    replica = await startReplica({
      id: 'eu-1',
      region: 'eu',
      token: TOKEN,
      server: { headersTimeoutMs: 300, requestTimeoutMs: 600, connectionsCheckingIntervalMs: 100 },
    });
    const [a, b] = await Promise.all([
      slowHeadersClient(replica.port, 5_000),
      slowHeadersClient(replica.adminPort, 5_000),
    ]);
    expect(a.closedAfterMs).toBeLessThan(1_100);
    expect(b.closedAfterMs).toBeLessThan(1_100);
    expect((await raw(replica.port, '/health')).status).toBe(200);
  });
});
