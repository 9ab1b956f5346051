import { describe, expect, it } from 'vitest';
import { ManualClock } from '@breakwater/core';

describe('ManualClock', () => {
  it('fires due timers in order, each at its due time', () => {
    const clock = new ManualClock(1000);
    const seen: Array<[string, number]> = [];
    clock.setTimeout(() => seen.push(['b', clock.now()]), 20);
    clock.setTimeout(() => seen.push(['a', clock.now()]), 10);
    const h = clock.setTimeout(() => seen.push(['x', clock.now()]), 15);
    clock.clearTimeout(h);
    clock.advance(15);
    expect(seen).toEqual([['a', 1010]]);
    clock.advance(100);
    expect(seen).toEqual([['a', 1010], ['b', 1020]]);
    expect(clock.now()).toBe(1115);
    expect(clock.pendingTimers()).toBe(0);
  });
  it('runs timers scheduled by timers within the same advance', () => {
    const clock = new ManualClock();
    const seen: number[] = [];
    clock.setTimeout(() => { seen.push(clock.now()); clock.setTimeout(() => seen.push(clock.now()), 5); }, 5);
    clock.advance(10);
    expect(seen).toEqual([5, 10]);
  });
});
