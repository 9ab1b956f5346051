import { describe, expect, it } from 'vitest';
import { childTraceParent, parseTraceParent } from './trace.js';

const valid = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

describe('traceparent', () => {
  it('parses a valid header and refuses invalid ones', () => {
    expect(parseTraceParent(valid)).toEqual({
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      parentId: '00f067aa0ba902b7',
      flags: '01',
    });
    for (const bad of [
      undefined,
      '',
      'garbage',
      valid.toUpperCase(),
      `ff${valid.slice(2)}`,
      `00-${'0'.repeat(32)}-00f067aa0ba902b7-01`,
      `00-4bf92f3577b34da6a3ce929d0e0e4736-${'0'.repeat(16)}-01`,
      `${valid}-extra`,
      [valid, valid],
    ]) {
      expect(parseTraceParent(bad as string), String(bad)).toBeUndefined();
    }
  });

  it('continues the trace with a new parent span id', () => {
    const child = parseTraceParent(childTraceParent(parseTraceParent(valid)));
    expect(child?.traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(child?.parentId).not.toBe('00f067aa0ba902b7');
    expect(child?.flags).toBe('01');
    expect(parseTraceParent(childTraceParent(undefined))).toBeDefined();
  });
});
