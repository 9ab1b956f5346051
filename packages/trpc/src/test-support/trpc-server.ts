import type { Socket } from 'node:net';
import { initTRPC, TRPCError } from '@trpc/server';
import { createHTTPServer } from '@trpc/server/adapters/standalone';
import { z } from 'zod';

/** Counters a test reads. */
export interface Hits {
  /** HTTP requests that reached the server (a batch is one). */
  http: number;
  /** Procedure calls per path. */
  calls: Record<string, number>;
  /** HTTP requests whose client went away before the response finished. */
  aborted: number;
  /** Inputs of `create` calls, in order. */
  created: unknown[];
  /** The Authorization header of each HTTP request ('' when absent). */
  authorization: string[];
}

function makeRouter(id: string, hits: Hits, plan: { failFirst: number }) {
  const t = initTRPC.create();
  const count = (path: string): number => (hits.calls[path] = (hits.calls[path] ?? 0) + 1);
  return t.router({
    whoami: t.procedure.query(() => {
      count('whoami');
      return id;
    }),
    greet: t.procedure.input(z.object({ name: z.string() })).query(({ input }) => {
      count('greet');
      return { text: `hi ${input.name}`, from: id };
    }),
    flaky: t.procedure.query(() => {
      const n = count('flaky');
      if (n <= plan.failFirst) throw new TRPCError({ code: 'INTERNAL_SERVER_ERROR', message: 'flaky' });
      return { n, from: id };
    }),
    bad: t.procedure.query(() => {
      count('bad');
      throw new TRPCError({ code: 'BAD_REQUEST', message: 'bad input' });
    }),
    unavailable: t.procedure.query(() => {
      count('unavailable');
      throw new TRPCError({ code: 'SERVICE_UNAVAILABLE', message: 'busy' });
    }),
    slow: t.procedure.query(async ({ signal }) => {
      count('slow');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 10_000);
        signal?.addEventListener('abort', () => {
          clearTimeout(timer);
          resolve();
        });
      });
      return 'late';
    }),
    limited: t.procedure.query(() => {
      const n = count('limited');
      if (n === 1) throw new TRPCError({ code: 'TOO_MANY_REQUESTS', message: 'slow down' });
      return n;
    }),
    create: t.procedure.input(z.object({ title: z.string() })).mutation(({ input }) => {
      const n = count('create');
      hits.created.push(input);
      if (n <= plan.failFirst) throw new TRPCError({ code: 'INTERNAL_SERVER_ERROR', message: 'create failed' });
      return { id: n, title: input.title, from: id };
    }),
  });
}

/** The router type clients are typed with. */
export type TestRouter = ReturnType<typeof makeRouter>;

/** A real tRPC standalone server on 127.0.0.1:0. */
export interface TestTrpcServer {
  readonly id: string;
  readonly url: string;
  readonly hits: Hits;
  /** How many first calls of `flaky` and `create` fail (per server). */
  readonly plan: { failFirst: number };
  connections(): number;
  openConnections(): number;
  close(): Promise<void>;
}

export async function startTrpcServer(id: string, failFirst = 0): Promise<TestTrpcServer> {
  const hits: Hits = { http: 0, calls: {}, aborted: 0, created: [], authorization: [] };
  const plan = { failFirst };
  const server = createHTTPServer({
    router: makeRouter(id, hits, plan),
    // Tell clients when to come back, as a rate limiter in front of the service would.
    responseMeta: ({ errors }) =>
      errors.some((e) => e.code === 'TOO_MANY_REQUESTS') ? { headers: { 'retry-after': '1' } } : {},
  });
  const sockets = new Set<Socket>();
  let connections = 0;
  server.on('connection', (s: Socket) => {
    connections++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.prependListener('request', (req, res) => {
    hits.http++;
    hits.authorization.push(req.headers.authorization ?? '');
    res.on('close', () => {
      if (!res.writableFinished) hits.aborted++;
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
  return {
    id,
    hits,
    plan,
    url: `http://127.0.0.1:${port}`,
    connections: () => connections,
    openConnections: () => sockets.size,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        for (const s of sockets) s.destroy();
      }),
  };
}
