import { canonicalRecord } from './auth.js';
import type { ResolvedStoreOptions } from './options.js';
import { parseMessage } from './records.js';

/** What a pub/sub message on the store's channel is to this replica. */
export type MessageVerdict =
  | { readonly kind: 'ignored' }
  | { readonly kind: 'unauthenticated'; readonly name: string }
  | { readonly kind: 'own' }
  | { readonly kind: 'hint'; readonly name: string };

/**
 * Judges one message: unreadable or of another prefix → ignored; with a secret and without a valid
 * MAC of the record it announces → unauthenticated; this replica's own echo → own; otherwise a
 * hint to re-read that breaker's hash (a message is never adopted as state).
 */
export function judgeMessage(
  payload: unknown,
  o: Pick<ResolvedStoreOptions, 'prefix' | 'auth' | 'instanceId'>,
): MessageVerdict {
  const m = typeof payload === 'string' ? parseMessage(payload) : undefined;
  if (m === undefined || m.prefix !== o.prefix) return { kind: 'ignored' };
  if (o.auth !== undefined && !o.auth.verify(canonicalRecord(o.prefix, m.name, m.texts), m.mac)) {
    return { kind: 'unauthenticated', name: m.name };
  }
  return m.origin === o.instanceId ? { kind: 'own' } : { kind: 'hint', name: m.name };
}
