import type { LiveEndpoint, Picker, Strategy, StrategyEnv } from '../types.js';
import { scanFrom } from './scan.js';

/**
 * nginx's smooth weighted round robin, computed per weight class instead of per endpoint.
 *
 * nginx adds every weight to every peer's `current` and takes the largest, then subtracts the
 * total: O(n) per pick. After t picks of a period, `current_i = t·w_i − S·k_i` (S = total weight,
 * k_i = picks of i). Endpoints of equal weight are therefore picked in index order, and the best
 * of a class is the one at its cursor. Comparing one value per distinct weight reproduces nginx's
 * sequence exactly (ties go to the lowest index, as nginx's strict `>` does) in O(classes) — O(1)
 * for the usual handful of weights, however many endpoints there are.
 */
class WeightClass {
  readonly weight: number;
  readonly members: LiveEndpoint[] = [];
  picks = 0;
  constructor(weight: number) {
    this.weight = weight;
  }
}

class SmoothWeightedPicker implements Picker {
  private candidates: ReadonlyArray<LiveEndpoint> = [];
  private classes: WeightClass[] = [];
  private total = 0;
  private step = 0;
  private periodic = false;

  rebuild(candidates: ReadonlyArray<LiveEndpoint>): void {
    this.candidates = candidates;
    const byWeight = new Map<number, WeightClass>();
    let total = 0;
    for (const c of candidates) {
      let cls = byWeight.get(c.weight);
      if (cls === undefined) byWeight.set(c.weight, (cls = new WeightClass(c.weight)));
      cls.members.push(c);
      total += c.weight;
    }
    this.classes = [...byWeight.values()];
    this.total = total;
    // Integer weights repeat with period S; resetting then keeps the counters small forever.
    this.periodic = Number.isSafeInteger(total) && candidates.every((c) => Number.isInteger(c.weight));
    this.step = 0;
  }

  pick(_key: string | undefined, admit: (c: LiveEndpoint) => boolean): LiveEndpoint | undefined {
    const n = this.candidates.length;
    if (n === 0) return undefined;
    // A saturated choice still consumes its turn (as a down peer would in nginx), so retrying
    // advances the schedule; after n refusals fall back to a scan.
    for (let attempt = 0; attempt < n && attempt < 8; attempt++) {
      const c = this.next();
      if (admit(c)) return c;
    }
    return scanFrom(this.candidates, 0, admit);
  }

  private next(): LiveEndpoint {
    if (this.periodic && this.step >= this.total) {
      this.step = 0;
      for (const cls of this.classes) cls.picks = 0;
    }
    const t = ++this.step;
    const s = this.total;
    let best: WeightClass | undefined;
    let bestValue = -Infinity;
    let bestSlot = 0;
    for (const cls of this.classes) {
      const m = cls.members.length;
      const value = t * cls.weight - s * Math.floor(cls.picks / m);
      const slot = cls.members[cls.picks % m]!.slot;
      if (value > bestValue || (value === bestValue && slot < bestSlot)) {
        best = cls;
        bestValue = value;
        bestSlot = slot;
      }
    }
    const cls = best!;
    const c = cls.members[cls.picks % cls.members.length]!;
    cls.picks++;
    return c;
  }
}

/** Smooth (nginx) weighted round robin: weights 5,1,1 give a a b a c a a. */
export function weightedRoundRobin(): Strategy {
  return { name: 'weighted_round_robin', create: (_env: StrategyEnv) => new SmoothWeightedPicker() };
}
