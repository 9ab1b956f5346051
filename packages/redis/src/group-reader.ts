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
  onResync(r: ScriptReply): void;
  kick(): void;
}

/**
 * How one breaker group reads Redis outside resyncs: re-reads after a pub/sub hint or a version
 * check (coalesced, at most one in flight), and what it accepts from any reply.
 */
export class GroupReader {
  private reading = false;
  private readAgain = false;
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

  /**
   * Re-reads the hash (a pub/sub message is never adopted, so a forged one costs a read and
   * nothing else). Reads coalesce: at most one in flight, one more queued.
   */
  refresh(): void {
    if (this.disposed || !this.ctx.healthy) return; // the resync on recovery reads it
    if (this.reading) {
      this.readAgain = true;
      return;
    }
    this.reading = true;
    const { state, votes, probe } = this.owner.keys;
    this.ctx
      .run(() => this.ctx.scripts.bwRead(state, votes, probe, this.ctx.options.keyTtlMs))
      .then(
        (raw) => {
          if (this.disposed) return;
          this.owner.onResync(parseScriptReply(raw));
          this.owner.kick();
        },
        () => undefined,
      ) // run() counted and reported it
      .catch((e: unknown) => this.ctx.report(e))
      .finally(() => {
        this.reading = false;
        if (this.readAgain) {
          this.readAgain = false;
          this.refresh();
        }
      });
  }

  /**
   * Version check: Redis holds generation `raw` ('' = no record, '?' = unreadable). True when
   * that differs from what this replica knows and was not already re-read for (a record nobody
   * accepts is re-read once, not every check).
   */
  outdatedBy(raw: string): boolean {
    if (raw === '?' || this.reading) return false;
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
