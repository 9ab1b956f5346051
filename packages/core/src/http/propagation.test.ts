import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveTracePropagator, setTracePropagator, traceHeaders } from './propagation.js';

describe('trace propagation hook', () => {
  afterEach(() => {
    setTracePropagator(undefined);
  });

  it('an explicit option wins; false disables', async () => {
    const own = (c: Record<string, string>): void => {
      c['x-trace'] = '1';
    };
    expect(await resolveTracePropagator(own)).toBe(own);
    expect(await resolveTracePropagator(false)).toBeUndefined();
  });

  it('a registered propagator is used, null disables everything', async () => {
    setTracePropagator((c) => {
      c.traceparent = 'registered';
    });
    expect(traceHeaders(await resolveTracePropagator())).toEqual({ traceparent: 'registered' });
    setTracePropagator(null);
    expect(await resolveTracePropagator()).toBeUndefined();
  });

  // Run in plain Node: vitest resolves @opentelemetry/api to its bundler-only ESM build.
  it('falls back to the global @opentelemetry/api propagator (real Node process)', () => {
    const script = `
      import { propagation, context, trace, ROOT_CONTEXT } from '@opentelemetry/api';
      import { W3CTraceContextPropagator } from '@opentelemetry/core';
      import { resolveTracePropagator, traceHeaders } from '@breakwater/core/internal';
      propagation.setGlobalPropagator(new W3CTraceContextPropagator());
      let current = ROOT_CONTEXT;
      context.setGlobalContextManager({
        active: () => current,
        with(ctx, fn, thisArg, ...args) { const prev = current; current = ctx; try { return fn.call(thisArg, ...args); } finally { current = prev; } },
        bind: (_c, target) => target, enable() { return this; }, disable() { return this; },
      });
      const p = await resolveTracePropagator();
      const sync = resolveTracePropagator() === p;
      const sc = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: 1 };
      const h = context.with(trace.setSpanContext(ROOT_CONTEXT, sc), () => traceHeaders(p));
      console.log(JSON.stringify({ sync, traceparent: h?.traceparent, none: traceHeaders(p) ?? null }));
    `;
    const root = fileURLToPath(new URL('../../../../', import.meta.url));
    const out = execFileSync(
      process.execPath,
      ['--conditions=@breakwater/source', '--import', 'tsx', '--input-type=module', '-e', script],
      {
        cwd: root,
        encoding: 'utf8',
        timeout: 20_000,
      },
    );
    expect(JSON.parse(out.trim().split('\n').pop()!)).toEqual({
      sync: true,
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      none: null,
    });
  });

  it('a throwing propagator yields no headers', () => {
    expect(
      traceHeaders(() => {
        throw new Error('x');
      }),
    ).toBeUndefined();
    expect(traceHeaders(undefined)).toBeUndefined();
  });
});
