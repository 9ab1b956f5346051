import type { LiveEndpoint, Picker, Strategy, StrategyEnv } from '../types.js';
import { scanFrom } from './scan.js';

class RoundRobinPicker implements Picker {
  private candidates: ReadonlyArray<LiveEndpoint> = [];
  private next = 0;

  rebuild(candidates: ReadonlyArray<LiveEndpoint>): void {
    this.candidates = candidates;
    if (this.next >= candidates.length) this.next = 0;
  }

  pick(_key: string | undefined, admit: (c: LiveEndpoint) => boolean): LiveEndpoint | undefined {
    const cands = this.candidates;
    const n = cands.length;
    if (n === 0) return undefined;
    const i = this.next;
    this.next = i + 1 === n ? 0 : i + 1;
    const c = cands[i]!;
    if (admit(c)) return c;
    const found = scanFrom(cands, this.next, admit);
    if (found !== undefined) this.next = (found.slot + 1) % n;
    return found;
  }
}

/** Each candidate in turn. O(1) per pick; saturated endpoints are skipped. */
export function roundRobin(): Strategy {
  return { name: 'round_robin', create: (_env: StrategyEnv) => new RoundRobinPicker() };
}
