import { AsyncLocalStorage } from 'node:async_hooks';
import { context, propagation, ROOT_CONTEXT, type Context, type ContextManager } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { setOtelInjector } from './clients/trace-context.js';

/**
 * An OpenTelemetry context manager on AsyncLocalStorage: the active context survives awaits and
 * timers, so a span started inside a request (the policies' attempt spans) has the request's
 * extracted trace as its parent. (The SDK's own manager lives in a package the gateway does not need.)
 */
class AsyncLocalContextManager implements ContextManager {
  private readonly als = new AsyncLocalStorage<Context>();

  active(): Context {
    return this.als.getStore() ?? ROOT_CONTEXT;
  }

  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(
    ctx: Context,
    fn: F,
    thisArg?: ThisParameterType<F>,
    ...args: A
  ): ReturnType<F> {
    return this.als.run(ctx, () => fn.call(thisArg, ...args));
  }

  bind<T>(ctx: Context, target: T): T {
    if (typeof target !== 'function') return target;
    const run = (thisArg: unknown, args: unknown[]): unknown =>
      this.with(ctx, () => (target as (...a: unknown[]) => unknown).apply(thisArg, args));
    return function bound(this: unknown, ...args: unknown[]) {
      return run(this, args);
    } as T;
  }

  enable(): this {
    return this;
  }

  disable(): this {
    this.als.disable();
    return this;
  }
}

let enabled = false;

/**
 * Makes the gateway's traces continue the client's: W3C trace-context propagation and an async
 * context manager registered globally (once per process), and the upstream calls' `traceparent`
 * injected from the active span (each attempt's span becomes the replica's parent).
 */
export function enableOtelTraceContext(): void {
  if (enabled) return;
  enabled = true;
  context.setGlobalContextManager(new AsyncLocalContextManager());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  setOtelInjector((carrier) => propagation.inject(context.active(), carrier));
}

/** Runs `fn` with the trace context of the incoming request's headers active. */
export function withIncomingTrace<T>(headers: Record<string, string | undefined>, fn: () => T): T {
  return context.with(propagation.extract(ROOT_CONTEXT, headers), fn);
}
