import type { Attributes, Span } from '@opentelemetry/api';
import { ATTR, EVENT } from './attributes.js';
import type { Outcome } from './outcome.js';
import { errorTypeOf, statusOf } from './outcome.js';

/**
 * Mapping of the policies' own events (core's `retry`, `giveUp`, `timeout`, `rejected`, `fallback`,
 * `hedge`, `winner`) onto the call they belong to. Every event carries the call's
 * `ExecuteOptions.context` (non-enumerable `context`), which is the key here: the policy says what
 * it did, so the call's outcome needs no guessing from error classes.
 */

/** What the policies reported about one call so far. */
export interface CallNotes {
  span: Span | undefined;
  /** Outcome implied by the latest decisive event (a retry clears it: a new attempt starts). */
  outcome: Outcome | undefined;
  /** A fallback replaced a failure. */
  fallback: boolean;
}

/** Live calls by their context object. */
export type CallRegistry = WeakMap<object, CallNotes>;

/** Event names policies emit, with the span event each becomes. */
const POLICY_EVENTS: ReadonlyArray<[string, string]> = [
  ['retry', EVENT.RETRY],
  ['giveUp', EVENT.GIVE_UP],
  ['timeout', EVENT.TIMEOUT],
  ['rejected', EVENT.REJECTED],
  ['fallback', EVENT.FALLBACK],
  ['hedge', EVENT.HEDGE],
  ['winner', EVENT.HEDGE_WINNER],
];

/** Numeric and string payload fields copied onto span events (`breakwater.<field>`). */
const FIELDS = [
  'attempt',
  'attempts',
  'delayMs',
  'timeoutMs',
  'retryAfterMs',
  'maxConcurrent',
  'maxQueue',
  'hedge',
  'ageMs',
  'reason',
] as const;

function eventAttributes(payload: Record<string, unknown>): Attributes {
  const a: Attributes = {};
  for (const f of FIELDS) {
    const v = payload[f];
    if (typeof v === 'number' || typeof v === 'string') a[`breakwater.${f}`] = v;
  }
  if (payload['error'] !== undefined) a[ATTR.ERROR_TYPE] = errorTypeOf(payload['error'], statusOf(payload['error']));
  return a;
}

function onPolicyEvent(calls: CallRegistry, name: string, spanEvent: string, payload: unknown): void {
  if (typeof payload !== 'object' || payload === null) return;
  const context = (payload as { context?: unknown }).context;
  if (typeof context !== 'object' || context === null) return;
  const notes = calls.get(context);
  if (notes === undefined) return;
  if (name === 'timeout') notes.outcome = 'timeout';
  else if (name === 'rejected') notes.outcome = 'rejected';
  else if (name === 'retry') notes.outcome = undefined;
  else if (name === 'fallback') notes.fallback = true;
  notes.span?.addEvent(spanEvent, eventAttributes(payload as Record<string, unknown>));
}

type Subscribable = { on(event: string, fn: (e: unknown) => void): () => void };

function isCoreBreakerOrBalancer(p: object): boolean {
  return (
    typeof (p as { isolate?: unknown }).isolate === 'function' || typeof (p as { pick?: unknown }).pick === 'function'
  );
}

/** One registry (and one set of listeners) per policy, however often it is instrumented. */
const registries = new WeakMap<object, CallRegistry>();

/**
 * The live-call registry of `target`, subscribed to its policy events on first use: instrumenting
 * the same policy again (per request, say) adds no listeners.
 */
export function callRegistryOf(target: object): CallRegistry {
  let calls = registries.get(target);
  if (calls === undefined) {
    calls = new WeakMap();
    registries.set(target, calls);
    subscribePolicyEvents(target, calls);
  }
  return calls;
}

/**
 * Subscribes to the events of `target` and, for a pipeline, of each of its policies (breakers and
 * balancers excepted: they are instrumented through their own events). Returns the unsubscribe.
 */
export function subscribePolicyEvents(target: object, calls: CallRegistry): () => void {
  const members = (target as { policies?: unknown }).policies;
  const sources = [target, ...(Array.isArray(members) ? (members as unknown[]) : [])];
  const offs: Array<() => void> = [];
  for (const s of sources) {
    if (
      typeof s !== 'object' ||
      s === null ||
      typeof (s as Partial<Subscribable>).on !== 'function' ||
      isCoreBreakerOrBalancer(s)
    )
      continue;
    for (const [name, spanEvent] of POLICY_EVENTS) {
      try {
        offs.push((s as Subscribable).on(name, (e) => onPolicyEvent(calls, name, spanEvent, e)));
      } catch {
        // A foreign policy whose on() refuses this event name: nothing to map.
      }
    }
  }
  return () => {
    for (const off of offs) off();
  };
}
