import { randomBytes } from 'node:crypto';

/** A W3C trace context (`traceparent`: version-traceid-parentid-flags). */
export interface TraceParent {
  traceId: string;
  parentId: string;
  flags: string;
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

/**
 * Parses a `traceparent` header per W3C Trace Context; undefined for anything invalid (all-zero
 * ids, version ff, upper case, wrong lengths, a repeated header), so a bad header starts a new trace.
 */
export function parseTraceParent(header: string | string[] | undefined): TraceParent | undefined {
  if (typeof header !== 'string' || header.length > 512) return undefined;
  const m = TRACEPARENT.exec(header.trim());
  if (m === null) return undefined;
  const [, version, traceId, parentId, flags, rest] = m as unknown as [
    string,
    string,
    string,
    string,
    string,
    string | undefined,
  ];
  if (version === 'ff' || (version === '00' && rest !== undefined)) return undefined;
  if (/^0+$/.test(traceId) || /^0+$/.test(parentId)) return undefined;
  return { traceId, parentId, flags };
}

/** A new span id (16 hex digits, never all zero). */
export function newSpanId(): string {
  for (;;) {
    const id = randomBytes(8).toString('hex');
    if (!/^0+$/.test(id)) return id;
  }
}

/** A new trace id (32 hex digits, never all zero). */
export function newTraceId(): string {
  for (;;) {
    const id = randomBytes(16).toString('hex');
    if (!/^0+$/.test(id)) return id;
  }
}

/**
 * The `traceparent` for a call this process makes on behalf of `incoming`: the same trace id and
 * flags, a new parent span id (this hop's span). Without an incoming context, a new sampled trace.
 */
export function childTraceParent(incoming: TraceParent | undefined): string {
  return `00-${incoming?.traceId ?? newTraceId()}-${newSpanId()}-${incoming?.flags ?? '01'}`;
}
