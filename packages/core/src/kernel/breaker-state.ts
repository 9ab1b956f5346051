// In the kernel because outcome.ts (STATE_VALUE), the store protocol and the balancer's views all name
// it; breaker/types.ts re-exports it.

/** The states of a circuit breaker. */
export type BreakerState = 'closed' | 'open' | 'half-open' | 'isolated';
