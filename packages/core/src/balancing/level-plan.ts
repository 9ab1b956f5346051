import { NoHealthyEndpointError, type NoEndpointReason } from '../errors.js';
import type { EndpointState } from './live-endpoint.js';
import { priorityLoads } from './locality/priority-load.js';
import type { LiveEndpoint, Picker, Strategy, StrategyEnv } from './types.js';

/** Resolved locality settings. `order` undefined = one level for all primaries. */
export interface LevelSettings {
  order: string[] | undefined;
  overprovisioningFactor: number;
  panicThreshold: number;
}

/** One priority level: the endpoints of a region (or all primaries, or the backups). */
interface Level {
  readonly key: string;
  readonly picker: Picker;
  members: EndpointState[];
  candidates: EndpointState[];
  load: number;
}

/** How the last rebuild saw the fleet (events, `currentRegion`). */
export interface PlanSummary {
  panic: boolean;
  currentRegion: string | undefined;
  /** Healthy share of the level that lost traffic, for regionChange reasons. */
  shares: Map<string, number>;
}

const BACKUP_KEY = '\u0000backup';

/**
 * Turns endpoint health into what picks see: priority levels (regions in failover order, then
 * backups), each with its candidate set, its picker and its share of traffic (Envoy priority
 * loads), plus panic mode. Rebuilt only when something changed (`invalidate()`), so a pick is a
 * random draw among levels and one strategy pick.
 */
export class LevelPlan {
  private levels: Level[] = [];
  private readonly pickers = new Map<string, Picker>();
  private loaded: Level[] = [];
  private cumulative: number[] = [];
  private dirty = true;
  /** Refusal mark of the running pick (-1: none): endpoints carrying it are skipped. */
  private excluding = -1;
  /** Endpoint ids the running pick must skip (a failover's tried endpoints), if any. */
  private avoiding: ReadonlySet<string> | undefined = undefined;
  /**
   * Per candidate the picker considers: not saturated, not refused earlier by this call (re-pick),
   * and its breaker would let the call through. O(1), no allocation; the breaker check is one
   * state comparison while the breaker is closed.
   */
  private readonly admit = (c: LiveEndpoint): boolean => {
    const s = c as EndpointState;
    if (s.inFlight >= s.maxConnections || s.refusedMark === this.excluding) return false;
    if (this.avoiding !== undefined && this.avoiding.has(s.id)) return false;
    const g = s.gate;
    return g === undefined || g.wouldAdmit!();
  };
  private readonly strategy: Strategy;
  private readonly env: StrategyEnv;
  private readonly settings: LevelSettings;
  /** Called after each rebuild (region change detection, breaker re-check timer). */
  onRebuild: ((summary: PlanSummary) => void) | undefined;
  /** Earliest time an open breaker may admit a probe again; the plan must be rebuilt by then. */
  nextBreakerCheck = Infinity;

  constructor(strategy: Strategy, env: StrategyEnv, settings: LevelSettings) {
    this.strategy = strategy;
    this.env = env;
    this.settings = settings;
  }

  invalidate(): void {
    this.dirty = true;
  }

  /**
   * Picks an endpoint; undefined when every candidate is saturated (at `maxConnections`, the call
   * may wait for a slot); throws NoHealthyEndpointError when there is nothing to wait for.
   * `exclude`: a refusal mark (> 0); endpoints whose `refusedMark` equals it are skipped (a call
   * re-picking after refusals).
   */
  pick(
    states: ReadonlyArray<EndpointState>,
    key: string | undefined,
    exclude = -1,
    avoid?: ReadonlySet<string>,
  ): EndpointState | undefined {
    this.excluding = exclude;
    this.avoiding = avoid;
    if (this.dirty) this.rebuild(states);
    const loaded = this.loaded;
    let first: Level | undefined;
    if (loaded.length === 1) first = loaded[0];
    else if (loaded.length > 1) {
      const r = this.env.random();
      const cum = this.cumulative;
      let i = 0;
      while (i < cum.length - 1 && r >= cum[i]!) i++;
      first = loaded[i];
    }
    if (first !== undefined) {
      const s = first.picker.pick(key, this.admit) as EndpointState | undefined;
      if (s !== undefined) return s;
    }
    // The chosen level is saturated: spill to any other level that has candidates.
    for (const level of this.levels) {
      if (level === first || level.candidates.length === 0) continue;
      const s = level.picker.pick(key, this.admit) as EndpointState | undefined;
      if (s !== undefined) return s;
    }
    const failure = this.failure(states);
    if (failure === undefined) return undefined;
    throw failure;
  }

  /** Why nothing was picked: an error, or undefined when candidates exist but are all saturated. */
  private failure(states: ReadonlyArray<EndpointState>): NoHealthyEndpointError | undefined {
    let reason: NoEndpointReason;
    let message: string;
    const candidates = this.levels.reduce((n, l) => n + l.candidates.length, 0);
    if (states.length === 0) {
      reason = 'empty';
      message = 'no endpoints configured';
    } else if (
      candidates > 0 &&
      this.levels.every((l) => l.candidates.every((c) => c.refusedMark === this.excluding || c.breakerRefuses()))
    ) {
      // Offered by the plan, but every one's breaker would reject: half-open with its probe slots
      // taken, or open past its period while another replica holds the fleet's probe lease.
      reason = 'open';
      message = `the circuit breaker of every candidate endpoint (${candidates}) refuses calls (open, or probing)`;
    } else if (
      candidates > 0 &&
      this.avoiding !== undefined &&
      this.levels.every((l) =>
        l.candidates.every((c) => this.avoiding!.has(c.id) || c.refusedMark === this.excluding || c.breakerRefuses()),
      )
    ) {
      reason = 'unhealthy';
      message = `every candidate endpoint (${candidates}) was already tried by this call or refuses it`;
    } else if (candidates > 0) {
      return undefined; // saturated: the caller queues for a slot
    } else if (states.every((s) => s.breakerBlocks(this.env.clock.now()))) {
      reason = 'open';
      message = `the circuit breaker of every endpoint (${states.length}) is open`;
    } else {
      reason = 'unhealthy';
      message = `no healthy endpoint among ${states.length} (panic mode disabled)`;
    }
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0; // a rejection on the hot path; the stack says nothing useful
    try {
      return new NoHealthyEndpointError(reason, message);
    } finally {
      Error.stackTraceLimit = limit;
    }
  }

  /** Recomputes levels, candidate sets and loads from the current endpoint states. */
  rebuild(states: ReadonlyArray<EndpointState>): void {
    this.dirty = false;
    const now = this.env.clock.now();
    this.nextBreakerCheck = Infinity;
    const levels = this.group(states);
    let primaries = 0;
    let healthyPrimaries = 0;
    let healthyBackups = 0;
    for (const s of states) {
      s.slot = -1;
      s.owner = undefined;
      const blocked = s.breakerBlocks(now);
      if (blocked) this.nextBreakerCheck = Math.min(this.nextBreakerCheck, s.breakerRecheckAt());
      const healthy = !blocked && s.healthy;
      if (s.endpoint.backup === true) {
        if (healthy) healthyBackups++;
      } else {
        primaries++;
        if (healthy) healthyPrimaries++;
      }
    }
    const useBackups = healthyPrimaries === 0 && healthyBackups > 0;
    // Envoy panic: too few healthy hosts left means health checking is more likely wrong than the
    // fleet; spread over everything not known-broken (open breakers stay out) rather than crush
    // the few survivors. Backups take precedence when they exist and no primary is healthy.
    const panic =
      !useBackups &&
      primaries > 0 &&
      this.settings.panicThreshold > 0 &&
      healthyPrimaries / primaries < this.settings.panicThreshold;
    const shares = new Map<string, number>();
    const healthShares: number[] = [];
    for (const level of levels) {
      const isBackup = level.key === BACKUP_KEY;
      const healthy = level.members.filter((s) => !s.breakerBlocks(now) && s.healthy);
      const usable = panic ? level.members.filter((s) => !s.breakerBlocks(now)) : healthy;
      level.candidates = isBackup && !useBackups ? [] : usable;
      const share = level.members.length === 0 ? 0 : healthy.length / level.members.length;
      shares.set(level.key, share);
      // In panic health is ignored: a level counts as healthy as its endpoints with usable breakers.
      const effective = panic ? (level.members.length === 0 ? 0 : usable.length / level.members.length) : share;
      healthShares.push(isBackup ? (useBackups ? 1 : 0) : effective);
    }
    const loads = priorityLoads(
      healthShares,
      this.settings.order === undefined ? 1 : this.settings.overprovisioningFactor,
    );
    this.loaded = [];
    this.cumulative = [];
    let cum = 0;
    levels.forEach((level, i) => {
      level.load = level.candidates.length > 0 ? loads[i]! : 0;
      level.candidates.forEach((c, slot) => {
        c.slot = slot;
        c.owner = level.picker;
      });
      level.picker.rebuild(level.candidates);
      if (level.load > 0) {
        cum += level.load;
        this.loaded.push(level);
        this.cumulative.push(cum);
      }
    });
    if (this.cumulative.length > 0) this.cumulative[this.cumulative.length - 1] = Infinity;
    this.levels = levels;
    this.onRebuild?.({ panic, currentRegion: this.dominantRegion(), shares });
  }

  /** Region with the largest expected share of traffic under the current loads. */
  private dominantRegion(): string | undefined {
    const byRegion = new Map<string, number>();
    for (const level of this.loaded) {
      const per = level.load / level.candidates.length;
      for (const c of level.candidates)
        if (c.region !== '') byRegion.set(c.region, (byRegion.get(c.region) ?? 0) + per);
    }
    let best: string | undefined;
    let bestShare = 0;
    for (const [region, share] of byRegion) {
      if (share > bestShare + 1e-12) {
        best = region;
        bestShare = share;
      }
    }
    return best;
  }

  private group(states: ReadonlyArray<EndpointState>): Level[] {
    const order = this.settings.order;
    const byKey = new Map<string, EndpointState[]>();
    const keys: string[] = order === undefined ? [''] : [...order];
    for (const s of states) {
      const key = s.endpoint.backup === true ? BACKUP_KEY : order === undefined ? '' : s.region;
      let list = byKey.get(key);
      if (list === undefined) {
        byKey.set(key, (list = []));
        if (!keys.includes(key) && key !== BACKUP_KEY) keys.push(key); // unlisted regions fail over last
      }
      list.push(s);
    }
    keys.push(BACKUP_KEY);
    return keys.map((key) => {
      let picker = this.pickers.get(key);
      if (picker === undefined) this.pickers.set(key, (picker = this.strategy.create(this.env)));
      return { key, picker, members: byKey.get(key) ?? [], candidates: [], load: 0 };
    });
  }
}
