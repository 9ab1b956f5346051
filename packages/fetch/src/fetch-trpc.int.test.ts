import { constantBackoff, loadBalancer, retry, roundRobin } from '@breakwater/core';
import { createTRPCClient, httpBatchLink } from '@trpc/client';
import { initTRPC, TRPCError } from '@trpc/server';
import { createHTTPServer } from '@trpc/server/adapters/standalone';
import { afterEach, describe, expect, it } from 'vitest';
import { createFetch } from './index.js';

function makeRouter(id: string, hits: { n: number }) {
  const t = initTRPC.create();
  return t.router({
    who: t.procedure.query(() => {
      hits.n++;
      if (hits.n === 1) throw new TRPCError({ code: 'SERVICE_UNAVAILABLE', message: 'warming up' });
      return id;
    }),
  });
}
type Router = ReturnType<typeof makeRouter>;

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

async function start(id: string): Promise<{ url: string; hits: { n: number } }> {
  const hits = { n: 0 };
  const server = createHTTPServer({ router: makeRouter(id, hits) });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  closers.push(
    () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  );
  return { url: `http://127.0.0.1:${typeof addr === 'object' && addr !== null ? addr.port : 0}`, hits };
}

describe("createFetch as tRPC's fetch option", () => {
  it('retries a 503 batch response underneath httpBatchLink', async () => {
    const s = await start('a');
    const client = createTRPCClient<Router>({
      links: [
        httpBatchLink({
          url: s.url,
          fetch: createFetch({ policy: retry({ maxAttempts: 2, backoff: constantBackoff(0) }) }),
        }),
      ],
    });
    expect(await client.who.query()).toBe('a');
    expect(s.hits.n).toBe(2);
  });

  it('routes a relative tRPC url through a balancer', async () => {
    const [a, b] = await Promise.all([start('a'), start('b')]);
    a.hits.n = 1;
    b.hits.n = 1;
    const lb = loadBalancer({
      endpoints: [
        { id: 'a', url: a.url },
        { id: 'b', url: b.url },
      ],
      strategy: roundRobin(),
    });
    const f = createFetch({ balancer: lb });
    closers.push(async () => {
      await f.close();
      await lb.close();
    });
    const client = createTRPCClient<Router>({ links: [httpBatchLink({ url: '/', fetch: f })] });
    const seen = [await client.who.query(), await client.who.query()];
    expect(seen.sort()).toEqual(['a', 'b']);
  });
});
