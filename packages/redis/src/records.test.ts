import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseMessage, parseScriptReply } from './records.js';

const valid = { v: 1, p: 'bw', n: 'users', s: 'open', g: 3, u: 2000, t: 1000, r: 'failures', o: 'A', q: 0 };

describe('parseMessage', () => {
  it('accepts a well-formed transition', () => {
    expect(parseMessage(JSON.stringify(valid))).toMatchObject({
      prefix: 'bw',
      name: 'users',
      state: 'open',
      gen: 3,
      openUntil: 2000,
      at: 1000,
      now: 1000,
      reason: 'failures',
      origin: 'A',
      votes: 0,
    });
  });

  it('never throws and accepts only valid shapes (arbitrary strings)', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        const m = parseMessage(s);
        return m === undefined || (['closed', 'open', 'isolated'].includes(m.state) && m.gen >= 1);
      }),
    );
  });

  it('rejects every single-field corruption of a valid message', () => {
    const bad: Record<string, unknown[]> = {
      v: [2, '1', null],
      p: [1, null],
      n: ['', 5],
      s: ['half-open', 'OPEN', 1],
      g: [0, -1, 1.5, '3', 2 ** 60],
      u: [0, -5, '2000'],
      t: [-1, 'x'],
      r: [null, 'x'.repeat(1001)],
      o: [{}, 7],
      q: [-1, 'many'],
    };
    for (const [k, values] of Object.entries(bad)) {
      for (const v of values)
        expect(parseMessage(JSON.stringify({ ...valid, [k]: v })), `${k}=${JSON.stringify(v)}`).toBeUndefined();
    }
    expect(parseMessage(JSON.stringify({ ...valid, s: 'closed' }))).toBeUndefined(); // closed with an openUntil
    expect(parseMessage(JSON.stringify({ ...valid, s: 'closed', u: 0 }))?.state).toBe('closed');
  });

  it('survives arbitrary JSON values (fast-check)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (j) => {
        const m = parseMessage(JSON.stringify(j));
        return m === undefined || typeof m.name === 'string';
      }),
    );
  });
});

describe('parseScriptReply', () => {
  it('tells empty, malformed and valid hashes apart', () => {
    expect(parseScriptReply(['read', '5', '', '', '', '', '', '', '0|']).record).toBe('empty');
    expect(parseScriptReply(['read', '5', 'banana', 'x', '', '', '', '', '0|']).record).toBe('malformed');
    expect(parseScriptReply(['ok', '5', 'isolated', '7', '0', 'op', '4', 'cli', '0']).record).toMatchObject({
      state: 'isolated',
      gen: 7,
      now: 5,
    });
  });

  it('throws on a reply of the wrong shape (a bug, not data)', () => {
    expect(() => parseScriptReply('OK')).toThrow(/unexpected script reply/);
    expect(() => parseScriptReply(['ok'])).toThrow(/unexpected script reply/);
  });
});
