import type { FleetBreakerDetails, FleetBreakerInfo } from '../admin.js';
import { printable } from './printable.js';

function ago(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms ago`;
  if (ms < 120_000) return `${(ms / 1000).toFixed(1)}s ago`;
  if (ms < 7_200_000) return `${Math.round(ms / 60_000)}m ago`;
  return `${Math.round(ms / 3_600_000)}h ago`;
}

/** ` (probe in 1.5s)` / ` (probe due)` for an open breaker, '' otherwise. */
function probeNote(b: FleetBreakerInfo): string {
  if (b.state !== 'open') return '';
  return b.openForMs > 0 ? ` (probe in ${(b.openForMs / 1000).toFixed(1)}s)` : ' (probe due)';
}

/** One-line description of a breaker's last transition. */
export function describeTransition(b: FleetBreakerInfo): string {
  if (b.at === 0) return '-';
  return `${ago(b.now - b.at)} by ${printable(b.origin)}: ${printable(b.reason)}${probeNote(b)}`;
}

/** A plain-text table of breakers. */
export function formatTable(list: readonly FleetBreakerInfo[]): string {
  if (list.length === 0) return 'no breakers registered under this prefix\n';
  const rows = [['NAME', 'STATE', 'GEN', 'VOTES', 'PROBE', 'LAST TRANSITION']];
  for (const b of list)
    rows.push([
      printable(b.name),
      b.state,
      String(b.generation),
      String(b.votes),
      b.probeHolder === undefined ? '-' : printable(b.probeHolder),
      describeTransition(b),
    ]);
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return (
    rows.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]!))).join('  ')).join('\n') +
    '\n'
  );
}

/** Everything Redis holds about one breaker, for `inspect`. */
export function formatDetails(d: FleetBreakerDetails): string {
  const b = d.info;
  const lines = [
    `breaker     ${printable(b.name)}`,
    `registered  ${d.registered ? 'yes' : 'no (no replica has used this name under this prefix)'}`,
    `state       ${b.state}${probeNote(b)}`,
    `generation  ${b.generation}`,
    `last        ${describeTransition(b)}`,
    `record      ${Object.keys(d.record).length === 0 ? '(none)' : ''}`,
  ];
  for (const [k, v] of Object.entries(d.record)) lines.push(`  ${printable(k).padEnd(10)} ${printable(v)}`);
  lines.push(`votes       ${d.votes.length === 0 ? '(none)' : ''}`);
  for (const v of d.votes) lines.push(`  ${printable(v.instance)} until ${new Date(v.expiresAt).toISOString()}`);
  lines.push(
    `probe lease ${d.lease === undefined ? '(none)' : `${printable(d.lease.holder)} for ${d.lease.ttlMs} ms`}`,
  );
  return `${lines.join('\n')}\n`;
}
