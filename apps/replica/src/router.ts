import { initTRPC, TRPCError } from '@trpc/server';
import { z } from 'zod';

/** What every replica call returns: who served it, so clients can see the traffic split. */
export interface WorkResult {
  replica: string;
  region: string;
  n: number;
  servedAt: number;
}

/** Per-request context the replica's HTTP layer hands to tRPC procedures. */
export interface ReplicaContext {
  id: string;
  region: string;
  /** Decided per request by the chaos layer: answer with an injected error. */
  fail: boolean;
}

const t = initTRPC.context<ReplicaContext>().create();

function serve(ctx: ReplicaContext, n: number): WorkResult {
  if (ctx.fail) throw new TRPCError({ code: 'SERVICE_UNAVAILABLE', message: `injected error on ${ctx.id}` });
  return { replica: ctx.id, region: ctx.region, n, servedAt: Date.now() };
}

/** The replica's tRPC API: a query and an (idempotent, keyed) mutation. */
export const replicaRouter = t.router({
  work: t.procedure
    .input(z.object({ n: z.number().int().min(0).max(1_000_000) }).optional())
    .query(({ ctx, input }) => serve(ctx, input?.n ?? 0)),
  echo: t.procedure
    .input(z.object({ text: z.string().max(1000) }))
    .mutation(({ ctx, input }) => ({ ...serve(ctx, input.text.length), text: input.text })),
});

/** Type of the replica router, for typed tRPC clients (the gateway). */
export type ReplicaRouter = typeof replicaRouter;
