import { describe, expect, it } from 'vitest';
import { SettleOnce } from './settle-once.js';

class Race extends SettleOnce<number> {
  released = 0;
  readonly promise = this.open();
  value(v: number): boolean {
    return this.fulfil(v);
  }
  error(e: unknown): boolean {
    return this.fail(e);
  }
  protected release(): void {
    this.released++;
  }
}

describe('SettleOnce', () => {
  it('the first outcome settles the promise; later ones are ignored; release runs once, before', async () => {
    const r = new Race();
    expect(r.value(1)).toBe(true);
    expect(r.error(new Error('late'))).toBe(false);
    expect(r.value(2)).toBe(false);
    expect(r.released).toBe(1);
    expect(r.settled).toBe(true);
    await expect(r.promise).resolves.toBe(1);
  });

  it('a first failure rejects; a later value is ignored', async () => {
    const r = new Race();
    const e = new Error('first');
    expect(r.error(e)).toBe(true);
    expect(r.value(3)).toBe(false);
    expect(r.released).toBe(1);
    await expect(r.promise).rejects.toBe(e);
  });
});
