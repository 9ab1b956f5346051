import { describe, expect, it } from 'vitest';
import type { Clock } from '../clock.js';
import type { DeadlineEntry } from './deadline-queue.js';
import { TickQueue } from './tick-queue.js';

/** A clock whose timers look like Node's (ref/unref), driven by hand. */
class FakeNodeClock implements Clock {
  time = 0;
  timers: Array<{ due: number; fn: () => void; refed: boolean; ref(): void; unref(): void }> = [];
  now(): number {
    return this.time;
  }
  setTimeout(fn: () => void, ms: number): unknown {
    const t = {
      due: this.time + ms,
      fn,
      refed: true,
      ref() {
        this.refed = true;
      },
      unref() {
        this.refed = false;
      },
    };
    this.timers.push(t);
    return t;
  }
  clearTimeout(h: unknown): void {
    this.timers = this.timers.filter((t) => t !== h);
  }
  advance(ms: number): void {
    const target = this.time + ms;
    for (;;) {
      this.timers.sort((a, b) => a.due - b.due);
      const next = this.timers[0];
      if (next === undefined || next.due > target) break;
      this.timers.shift();
      this.time = next.due;
      next.fn();
    }
    this.time = target;
  }
  refedTimers(): number {
    return this.timers.filter((t) => t.refed).length;
  }
}

class Entry implements DeadlineEntry {
  prev: DeadlineEntry | undefined = undefined;
  next: DeadlineEntry | undefined = undefined;
  deadline = 0;
  queued = false;
  expiredAt: number | undefined;
  constructor(
    private readonly clock: FakeNodeClock,
    readonly startedAt = clock.now(),
  ) {}
  expire(): void {
    this.expiredAt = this.clock.now();
  }
}

describe('TickQueue (real-clock timeouts)', () => {
  it('expires every call between ms and ms + 10 %, never early, with one timer', () => {
    const clock = new FakeNodeClock();
    const q = new TickQueue(clock, 100);
    const entries: Entry[] = [];
    for (let t = 0; t < 400; t += 7) {
      clock.advance(7);
      const e = new Entry(clock);
      q.add(e);
      entries.push(e);
      expect(clock.timers.length).toBeLessThanOrEqual(1);
    }
    clock.advance(1000);
    for (const e of entries) {
      expect(e.expiredAt! - e.startedAt).toBeGreaterThanOrEqual(100);
      expect(e.expiredAt! - e.startedAt).toBeLessThanOrEqual(110);
    }
    expect(clock.timers).toHaveLength(0);
  });

  it('settled calls never expire; an idle queue stops keeping the process alive, then stops', () => {
    const clock = new FakeNodeClock();
    const q = new TickQueue(clock, 100);
    const a = new Entry(clock);
    q.add(a);
    expect(clock.refedTimers()).toBe(1);
    clock.advance(30);
    q.remove(a);
    expect(clock.refedTimers()).toBe(0);
    expect(clock.timers).toHaveLength(1);
    const b = new Entry(clock);
    q.add(b);
    expect(clock.refedTimers()).toBe(1);
    q.remove(b);
    clock.advance(500);
    expect(a.expiredAt).toBeUndefined();
    expect(b.expiredAt).toBeUndefined();
    expect(clock.timers).toHaveLength(0);
  });

  it('restarts after going idle and still honours the full duration', () => {
    const clock = new FakeNodeClock();
    const q = new TickQueue(clock, 20);
    clock.advance(1234.5);
    const e = new Entry(clock);
    q.add(e);
    clock.advance(19.9);
    expect(e.expiredAt).toBeUndefined();
    clock.advance(10);
    expect(e.expiredAt! - e.startedAt).toBeGreaterThanOrEqual(20);
  });
});
