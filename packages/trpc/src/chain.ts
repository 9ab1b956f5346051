import type { TRPCClientRuntime } from '@trpc/client';

/**
 * Settings one link declares for the whole link chain of a client. tRPC hands every link of a
 * client the same runtime object, so it identifies the chain; a WeakMap keeps the runtime's shape.
 */
const retryingMutations = new WeakSet<TRPCClientRuntime>();

/** Records that a link of this chain was built with `retryMutations: true`. */
export function declareRetryMutations(runtime: TRPCClientRuntime): void {
  retryingMutations.add(runtime);
}

/** True when any link of this client's chain allows mutations to be re-sent. */
export function chainRetriesMutations(runtime: TRPCClientRuntime): boolean {
  return retryingMutations.has(runtime);
}
