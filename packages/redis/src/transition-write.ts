import type { ScriptCommands } from './connections.js';
import type { StoreContext } from './context.js';
import { isReplyError } from './connections.js';
import { maxGenAfter } from './bounds.js';
import type { BreakerKeys } from './keys.js';
import type { Effect, WriteReply } from './reconciler.js';
import { parseScriptReply, type FleetRecord, type ScriptReply } from './records.js';

/** Reasons are cut to this length before they are written (the stored record must stay valid). */
const MAX_REASON = 500;

/** One call of TRANSITION_LUA (scripts.ts), its KEYS and ARGV named. */
export interface TransitionRequest {
  readonly keys: BreakerKeys;
  /** The stored generation the caller last saw (compare-and-set; ignored by 'force'). */
  readonly expectedGen: number;
  readonly proposedGen: number;
  readonly state: string;
  readonly reason: string;
  readonly origin: string;
  readonly openMs: number;
  readonly ttlMs: number;
  readonly quorum: number;
  readonly kind: string;
  readonly channel: string;
  readonly prefix: string;
  readonly name: string;
  readonly maxOpenMs: number;
  readonly maxGen: number;
  /** Write only over this stored state ('' or absent: any). */
  readonly onlyFromState?: string;
  readonly openAttempt?: number;
  /** HMAC pads of the store's keys ('' or absent: unsigned). */
  readonly pads?: string;
}

/** Runs TRANSITION_LUA with `r`'s fields in the script's positional order. */
export function runTransition(scripts: ScriptCommands, r: TransitionRequest): Promise<unknown> {
  const k = r.keys;
  const argv = [r.expectedGen, r.proposedGen, r.state, r.reason, r.origin, r.openMs, r.ttlMs, r.quorum, r.kind];
  argv.push(
    r.channel,
    r.prefix,
    r.name,
    r.maxOpenMs,
    r.maxGen,
    r.onlyFromState ?? '',
    r.openAttempt ?? 0,
    r.pads ?? '',
  );
  return scripts.bwTransition(k.state, k.votes, k.probe, k.counts, ...argv);
}

/** What a transition write of the store's own breaker came to. */
export type WriteOutcome =
  { readonly ok: true; readonly reply: WriteReply } | { readonly ok: false; readonly dataError: boolean };

/** The breaker a write is for: its keys and name, and which records from Redis it accepts. */
export interface WriteTarget {
  readonly keys: BreakerKeys;
  readonly name: string;
  readonly maxOpenMs: number;
  recordOf(r: ScriptReply): FleetRecord | undefined;
}

/**
 * Writes one transition the reconciler asked for. Never rejects: a Redis error is a failed write
 * (`dataError` for a reply error), an unreadable reply is reported and dropped like a data error.
 */
export async function writeTransition(
  ctx: StoreContext,
  target: WriteTarget,
  e: Extract<Effect, { type: 'write' }>,
): Promise<WriteOutcome> {
  const { desired: d, kind } = e;
  const o = ctx.options;
  let raw: unknown;
  try {
    raw = await ctx.run(() =>
      runTransition(ctx.scripts, {
        keys: target.keys,
        expectedGen: e.expectedGen,
        proposedGen: d.gen,
        state: d.state,
        reason: d.reason.slice(0, MAX_REASON),
        origin: o.instanceId,
        openMs: e.openMs,
        ttlMs: o.keyTtlMs,
        quorum: o.mode === 'state' ? o.quorum : 1,
        kind,
        channel: ctx.channel,
        prefix: o.prefix,
        name: target.name,
        maxOpenMs: target.maxOpenMs,
        maxGen: maxGenAfter(e.expectedGen),
        openAttempt: d.openAttempt ?? 0,
        pads: o.auth?.pads ?? '',
      }),
    );
  } catch (err) {
    return { ok: false, dataError: isReplyError(err) };
  }
  try {
    const r = parseScriptReply(raw);
    return { ok: true, reply: { status: r.status, now: r.now, extra: r.extra, record: target.recordOf(r) } };
  } catch (err) {
    ctx.report(err);
    return { ok: false, dataError: true };
  }
}
