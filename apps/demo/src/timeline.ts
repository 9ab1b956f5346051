import type { TimelineEvent } from '@breakwater/dashboard';

const PROBE = 'demo/propagation';

/**
 * The story of a run for the dashboard: breaker transitions per pod with their reason, ejections,
 * health changes, region changes, breaker-store health, phases and chaos commands. Bounded: the
 * oldest entries are dropped past `max`.
 */
export class Timeline {
  private readonly items: TimelineEvent[] = [];
  private readonly storeHealthy = new Map<string, boolean>();

  constructor(private readonly max = 300) {}

  push(e: TimelineEvent): void {
    this.items.push(e);
    if (this.items.length > this.max) this.items.splice(0, this.items.length - this.max);
  }

  /** The last `n` events, oldest first. */
  recent(n = 120): TimelineEvent[] {
    return this.items.slice(-n).sort((a, b) => a.at - b.at);
  }

  /** Turns one SSE event of a gateway into a timeline entry (the `state` event only for store health changes). */
  fromGateway(gateway: string, event: string, data: Record<string, unknown>): void {
    const at = typeof data['at'] === 'number' ? data['at'] : Date.now();
    const str = (v: unknown): string => (typeof v === 'string' ? v : String(v ?? ''));
    switch (event) {
      case 'breaker': {
        const name = str(data['name']);
        // Only the endpoint breakers of the main balancer: the per-region pinned twins and the
        // propagation probe would drown the story.
        if (!name.startsWith('replicas/') || name === PROBE) return;
        const to = str(data['to']);
        const via = data['remote'] === true ? ' (from another pod via the store)' : '';
        this.push({
          at,
          kind: 'breaker',
          gateway,
          subject: name.slice('replicas/'.length),
          text: `${str(data['from'])} → ${to}: ${str(data['reason'])}${via}`,
          severity: to === 'open' || to === 'isolated' ? 'bad' : to === 'half-open' ? 'warn' : 'ok',
        });
        return;
      }
      case 'ejection':
        this.push({
          at,
          kind: 'ejection',
          gateway,
          subject: str(data['endpoint']),
          text: `${data['ejected'] === true ? 'ejected' : 'returned'}: ${str(data['reason'])}`,
          severity: data['ejected'] === true ? 'warn' : 'ok',
        });
        return;
      case 'health':
        this.push({
          at,
          kind: 'health',
          gateway,
          subject: str(data['endpoint']),
          text: `${data['healthy'] === true ? 'healthy' : 'unhealthy'}: ${str(data['reason'])}`,
          severity: data['healthy'] === true ? 'ok' : 'bad',
        });
        return;
      case 'regionChange':
        this.push({
          at,
          kind: 'region',
          gateway,
          subject: str(data['to'] ?? '–'),
          text:
            `serving region ${str(data['from'] ?? '–')} → ${str(data['to'] ?? '–')}` +
            (data['reason'] ? `: ${str(data['reason'])}` : ''),
          severity: 'info',
        });
        return;
      case 'state': {
        const store = data['store'] as { kind?: unknown; healthy?: unknown } | undefined;
        if (typeof store?.healthy !== 'boolean') return;
        const before = this.storeHealthy.get(gateway);
        this.storeHealthy.set(gateway, store.healthy);
        if (before === undefined ? store.healthy : before === store.healthy) return;
        this.push({
          at,
          kind: 'store',
          gateway,
          subject: str(store.kind),
          text: store.healthy ? 'breaker store reachable again' : 'breaker store unreachable: breakers run locally',
          severity: store.healthy ? 'ok' : 'bad',
        });
        return;
      }
      default:
    }
  }
}
