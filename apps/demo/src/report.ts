import type { PhaseNumbers } from './stats.js';

/** One phase's row of the summary. */
export interface PhaseReport extends PhaseNumbers {
  name: string;
  description: string;
  startedAt: number;
  durationMs: number;
  /** gateway id → "3 closed, 2 open, …" at the end of the phase. */
  breakers: Record<string, Record<string, number>>;
  /** Region failover / failback time for the phases that have one. */
  timeToFailoverMs?: number | undefined;
  timeToFailbackMs?: number | undefined;
  /** Region down: from the outage until ≥ 99 % of successful client requests came from the secondary. */
  clientsOnSecondaryMs?: number | undefined;
}

const pct = (v: number): string => `${(v * 100).toFixed(v > 0 && v < 0.01 ? 2 : 1)}%`;
const ms = (v: number | undefined): string => (v === undefined ? '–' : `${Math.round(v)} ms`);

function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => c.padEnd(widths[i] as number))
      .join('  ')
      .trimEnd();
  return [line(headers), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** The per-phase table the demo prints. */
export function phaseTable(phases: ReadonlyArray<PhaseReport>, regions: ReadonlyArray<string>): string {
  return table(
    [
      'phase',
      'requests',
      'errors',
      'p50',
      'p99',
      ...regions.map((r) => `share ${r}`),
      'breakers (per pod)',
      'fail over / back',
    ],
    phases.map((p) => [
      p.name,
      String(p.requests),
      `${p.errors} (${pct(p.errorRate)})`,
      ms(p.p50Ms),
      ms(p.p99Ms),
      ...regions.map((r) => pct(p.share[r] ?? 0)),
      Object.entries(p.breakers)
        .map(
          ([g, s]) =>
            `${g}: ${Object.entries(s)
              .map(([k, n]) => `${n} ${k}`)
              .join(', ')}`,
        )
        .join(' | '),
      p.timeToFailoverMs !== undefined
        ? `over ${ms(p.timeToFailoverMs)}`
        : p.timeToFailbackMs !== undefined
          ? `back ${ms(p.timeToFailbackMs)}`
          : '',
    ]),
  );
}

/** A pass/fail line of the must-show list. */
export interface Check {
  name: string;
  pass: boolean;
  value: number | undefined;
  limit: string;
}

/** The must-show checks as printed lines. */
export function checkLines(checks: ReadonlyArray<Check>): string {
  return checks
    .map((c) => {
      const value = c.value === undefined ? 'n/a' : Math.round(c.value * 1000) / 1000;
      return `${c.pass ? 'PASS' : 'FAIL'}  ${c.name}: ${value} (${c.limit})`;
    })
    .join('\n');
}
