import { canonicalRecord } from './auth.js';
import { maxGenAfter, maxOpenMsFor } from './bounds.js';
import type { StoreContext } from './context.js';
import type { FleetView } from './fleet-view.js';
import type { BreakerKeys } from './keys.js';
import { parseScriptReply, type FleetRecord, type ScriptReply } from './records.js';

/** What the reader needs from its breaker group. */
export interface ReaderOwner {
  readonly name: string;
  readonly keys: BreakerKeys;
  readonly view: FleetView;
  readonly halfOpenAfterMs: number;
  /** The re-read ended; undefined when it failed (run() counted and reported it). */
  readDone(r: ScriptReply | undefined): void;
}

/**
 * How one breaker group reads Redis outside resyncs — the re-reads its reconciler asks for (after a
 * pub/sub hint or a version check) — and what it accepts from any reply.
 */
export class GroupReader {
  private disposed = false;
  /** The stored generation the last version-check re-read was for. */
  private lastCheckedGen: string | undefined;

  constructor(
    private readonly owner: ReaderOwner,
    private readonly ctx: StoreContext,
  ) {}

  /** Longest open period accepted from Redis for this breaker. */
  get maxOpenMs(): number {
    return maxOpenMsFor(this.owner.halfOpenAfterMs);
  }

  /**
   * The record of a reply if this replica accepts it. Malformed records are counted as ignored;
   * implausible ones (a generation far ahead of the last seen, an open period beyond
   * `maxOpenMs`) as refused; with a secret, records without a valid MAC as unauthenticated. None
   * is adopted; the next write overwrites them.
   */
  recordOf(r: ScriptReply): FleetRecord | undefined {
    if (r.record === 'malformed') this.ctx.ignored();
    if (typeof r.record !== 'object') return undefined;
    const rec = r.record;
    const o = this.ctx.options;
    if (o.auth !== undefined && !o.auth.verify(canonicalRecord(o.prefix, this.owner.name, r.texts), r.mac)) {
      this.ctx.unauthenticated(this.owner.name);
      return undefined;
    }
    if (rec.gen > maxGenAfter(this.owner.view.gen) || rec.openUntil - rec.now > this.maxOpenMs) {
      this.ctx.refused();
      return undefined;
    }
    return rec;
  }

  /** Re-reads the hash (one read; the reconciler keeps at most one in flight). */
  read(): void {
    const { state, votes, probe } = this.owner.keys;
    let reply: ScriptReply | undefined;
    this.ctx
      .run(() => this.ctx.scripts.bwRead(state, votes, probe, this.ctx.options.keyTtlMs))
      .then(
        (raw) => {
          if (!this.disposed) reply = parseScriptReply(raw);
        },
        () => undefined, // run() counted and reported it
      )
      .catch((e: unknown) => this.ctx.report(e))
      .finally(() => {
        try {
          this.owner.readDone(reply);
        } catch (e) {
          this.ctx.report(e);
        }
      });
  }

  /**
   * Version check: Redis holds generation `raw` ('' = no record, '?' = unreadable). True when
   * that differs from what this replica knows and was not already re-read for (a record nobody
   * accepts is re-read once, not every check).
   */
  outdatedBy(raw: string, reading: boolean): boolean {
    if (raw === '?' || reading) return false;
    const known = this.owner.view.gen === 0 ? '' : String(this.owner.view.gen);
    if (raw === known) {
      this.lastCheckedGen = undefined; // in step: a later loss of the same value is news again
      return false;
    }
    if (raw === this.lastCheckedGen) return false;
    this.lastCheckedGen = raw;
    return true;
  }

  dispose(): void {
    this.disposed = true;
  }
}
