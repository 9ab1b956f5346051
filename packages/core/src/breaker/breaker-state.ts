// Its own file so that store/types.ts does not import breaker/types.ts, which imports it
// (no import cycles, type-only ones included).

/** The states of a circuit breaker. */
export type BreakerState = 'closed' | 'open' | 'half-open' | 'isolated';
