import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '@breakwater/core';
import { canonicalRecord, checkSecret, RecordAuth, UnauthenticatedDataError, UnauthenticatedNotices } from './auth.js';

const texts = {
  state: 'open',
  gen: '7',
  openUntil: '1700000005000',
  reason: 'boom ✓',
  at: '1700000000000',
  origin: 'pod-1',
  attempt: '2',
};

describe('checkSecret', () => {
  it('accepts a string or 1–8 non-empty strings, and nothing else (ConfigError naming the path and the form)', () => {
    expect(checkSecret(undefined, 'x.secret')).toBeUndefined();
    expect(checkSecret('a-long-enough-secret', 'x.secret')).toEqual(['a-long-enough-secret']);
    expect(checkSecret(['new-key-0123456789', 'old-key-0123456789'], 'x.secret')).toHaveLength(2);
    for (const bad of ['', [], [''], [1], 42, null, {}, Array.from({ length: 9 }, () => 'k'.repeat(20))]) {
      let err: unknown;
      try {
        checkSecret(bad, 'x.secret');
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ConfigError);
      expect(String((err as Error).message)).toMatch(/x\.secret.*expected a non-empty string/);
    }
  });
});

describe('RecordAuth', () => {
  it('the canonical form is length-prefixed: moving bytes between fields changes it', () => {
    const a = canonicalRecord('bw', 'x', { ...texts, reason: 'ab', origin: 'c' });
    const b = canonicalRecord('bw', 'x', { ...texts, reason: 'a', origin: 'bc' });
    expect(a).not.toBe(b);
    expect(canonicalRecord('bw', 'x:y', texts)).not.toBe(canonicalRecord('bw:x', 'y', texts));
  });

  it('the pads the scripts get reproduce HMAC-SHA1 (what Lua computes from redis.sha1hex)', () => {
    const auth = new RecordAuth(['secret-number-one-0123'], 'bw');
    const msg = canonicalRecord('bw', 'payments', texts);
    const inner = Buffer.from(auth.pads.slice(0, 128), 'hex');
    const outer = Buffer.from(auth.pads.slice(128, 256), 'hex');
    const sha1 = (b: Buffer): Buffer => createHash('sha1').update(b).digest();
    const innerHash = sha1(Buffer.concat([inner, Buffer.from(msg, 'utf8')]));
    expect(sha1(Buffer.concat([outer, innerHash])).toString('hex')).toBe(auth.sign(msg));
  });

  it('verifies with any key; rotation writes one MAC per key; a different prefix, name or field fails', () => {
    const both = new RecordAuth(['new-key-0123456789', 'old-key-0123456789'], 'bw');
    const old = new RecordAuth(['old-key-0123456789'], 'bw');
    const other = new RecordAuth(['another-key-01234567'], 'bw');
    const msg = canonicalRecord('bw', 'payments', texts);
    expect(both.sign(msg)).toHaveLength(80);
    expect(old.verify(msg, both.sign(msg))).toBe(true);
    expect(both.verify(msg, old.sign(msg))).toBe(true);
    expect(other.verify(msg, both.sign(msg))).toBe(false);
    expect(old.verify(canonicalRecord('bw', 'payments', { ...texts, gen: '8' }), old.sign(msg))).toBe(false);
    expect(new RecordAuth(['old-key-0123456789'], 'bw2').verify(msg, old.sign(msg))).toBe(false);
    for (const bad of [undefined, '', 'zz', old.sign(msg).slice(1), old.sign(msg).repeat(9)])
      expect(old.verify(msg, bad)).toBe(false);
  });
});

describe('UnauthenticatedNotices', () => {
  it('reports the first at once, then at most one per 10 s with the counts since', () => {
    let t = 0;
    const seen: UnauthenticatedDataError[] = [];
    const n = new UnauthenticatedNotices(
      (e) => seen.push(e),
      () => t,
    );
    n.note('messages', 'a');
    for (let i = 0; i < 50; i++) n.note('records', 'b');
    expect(seen).toHaveLength(1);
    t = 10_000;
    n.note('messages', 'c');
    expect(seen).toHaveLength(2);
    expect(seen[1]!.counts).toEqual({ messages: 1, records: 50 });
    expect(seen[1]!.code).toBe('BW_REDIS_UNAUTHENTICATED');
    // The name comes from an unauthenticated message: no terminal escapes reach the logs.
    expect(new UnauthenticatedDataError({ messages: 1, records: 0 }, '\x1b[2Jx').message).toContain('"\\x1b[2Jx"');
  });
});
