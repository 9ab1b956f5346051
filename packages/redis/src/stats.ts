/** Counters of `RedisBreakerStore.stats()`. */
export interface RedisStoreStats {
  /** Commands sent by the store (scripts, pings, registry updates). */
  commands: number;
  /** Commands that failed or timed out (absorbed; never seen by calls). */
  errors: number;
  /** Pub/sub messages received on the store's channel. */
  messagesIn: number;
  /** Malformed messages and hashes ignored. */
  messagesIgnored: number;
  /**
   * Records refused as implausible: a generation far ahead of the last one seen, or an open
   * period ending beyond max(halfOpenAfterMs × 100, 24 h). Never adopted; overwritten by the next write.
   */
  refused: number;
  /** With a `secret`: pub/sub messages refused for a missing or wrong MAC (dropped, never read). */
  unauthenticatedMessages: number;
  /**
   * With a `secret`: records read from Redis refused for a missing or wrong MAC (treated as absent;
   * the next write overwrites them).
   */
  unauthenticatedRecords: number;
  /** Completed resyncs (connect, reconnect, recovery, periodic). */
  resyncs: number;
  /** Connection-level errors (refused, reset, timeouts, auth); also counted in `errors`. */
  connectionErrors: number;
  /** WRONGPASS / NOAUTH: the store's credentials are rejected (a configuration error); also in `errors`. */
  authErrors: number;
}
