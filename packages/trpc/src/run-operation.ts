import { isBreakwaterError } from '@breakwater/core';
import type { Operation, OperationResultEnvelope, OperationResultObservable } from '@trpc/client';
import { TRPCClientError } from '@trpc/client';
import type { AnyRouter } from '@trpc/server';
import { observable } from '@trpc/server/observable';

/** The envelope type our links pass along (output type erased, as links see it). */
export type Envelope = OperationResultEnvelope<unknown, TRPCClientError<AnyRouter>>;

/**
 * Subscribes to one attempt's observable and settles with its last envelope (queries and
 * mutations emit exactly one, then complete). Aborting `signal` unsubscribes the inner
 * observable — which aborts the HTTP request in tRPC's terminating links — and rejects with the
 * signal's reason; listeners are removed when the attempt settles.
 */
export function runOperation<R extends AnyRouter>(
  start: (op: Operation) => OperationResultObservable<R, unknown>,
  op: Operation,
  signal: AbortSignal,
): Promise<Envelope> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<Envelope>((resolve, reject) => {
    let settled = false;
    let last: Envelope | undefined;
    let unsubscribe: (() => void) | undefined;
    const onAbort = (): void => {
      if (settled) return;
      settled = true;
      unsubscribe?.();
      reject(signal.reason);
    };
    const finish = (): void => {
      settled = true;
      signal.removeEventListener('abort', onAbort);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      const sub = start({ ...op, signal }).subscribe({
        next: (v) => {
          last = v as Envelope;
        },
        error: (e) => {
          if (settled) return;
          finish();
          reject(e);
        },
        complete: () => {
          if (settled) return;
          finish();
          if (last === undefined) reject(TRPCClientError.from(new Error('operation completed without a result')));
          else resolve(last);
        },
      });
      if (settled) sub.unsubscribe();
      else unsubscribe = () => sub.unsubscribe();
    } catch (e) {
      if (!settled) {
        finish();
        reject(e);
      }
    }
  });
}

/**
 * What the caller receives: tRPC errors as they are; anything else (our rejections) wrapped, with
 * `.cause` the original.
 */
export function toClientError(e: unknown, lastServerError?: TRPCClientError<AnyRouter>): TRPCClientError<AnyRouter> {
  if (e instanceof TRPCClientError) return e as TRPCClientError<AnyRouter>;
  const err = e instanceof Error ? e : new Error(safeString(e));
  const wrapped = TRPCClientError.from(err) as TRPCClientError<AnyRouter>;
  if (isBreakwaterError(e)) {
    // Let error formatters and loggers tell our rejections apart without unwrapping.
    wrapped.meta = {
      ...wrapped.meta,
      breakwater: lastServerError === undefined ? { code: e.code } : { code: e.code, lastError: lastServerError },
    };
  }
  return wrapped;
}

/** String(x) that cannot throw (revoked proxies, hostile toString). */
function safeString(x: unknown): string {
  try {
    return String(x);
  } catch {
    return 'non-error value thrown';
  }
}

/**
 * The observable a link returns for one query or mutation whose outcome is a promise:
 * `run(signal)` gets a signal aborted when the caller's `op.signal` aborts or the observable is
 * unsubscribed (which is how tRPC cancels). Listeners are removed when the call settles.
 */
export function promiseObservable<R extends AnyRouter>(
  op: Operation,
  run: (signal: AbortSignal) => Promise<Envelope>,
): OperationResultObservable<R, unknown> {
  // Links are typed per router R, but errors and envelopes are router-agnostic at runtime.
  return observable<Envelope, TRPCClientError<AnyRouter>>((observer) => {
    const controller = new AbortController();
    const callerSignal = op.signal ?? undefined;
    const onCallerAbort = (): void => controller.abort(callerSignal?.reason);
    if (callerSignal?.aborted === true) controller.abort(callerSignal.reason);
    else callerSignal?.addEventListener('abort', onCallerAbort, { once: true });
    let done = false;
    let unsubscribed = false;
    let outcome: Promise<Envelope>;
    try {
      outcome = run(controller.signal);
    } catch (e) {
      // A policy factory that throws (or returns junk) fails this operation, not the client.
      outcome = Promise.reject(e);
    }
    outcome
      .then(
        (envelope) => {
          done = true;
          if (!unsubscribed) {
            observer.next(envelope);
            observer.complete();
          }
        },
        (e: unknown) => {
          done = true;
          if (!unsubscribed) observer.error(toClientError(e));
        },
      )
      .finally(() => callerSignal?.removeEventListener('abort', onCallerAbort));
    return () => {
      unsubscribed = true;
      if (!done) controller.abort(new DOMException('The operation was unsubscribed', 'AbortError'));
    };
  }) as unknown as OperationResultObservable<R, unknown>;
}
