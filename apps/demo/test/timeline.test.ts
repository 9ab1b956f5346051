import { describe, expect, it } from 'vitest';
import { Timeline } from '../src/timeline.js';

describe('Timeline', () => {
  it('tells breaker transitions per pod with their reason, ejections, health, region and store changes', () => {
    const t = new Timeline();
    t.fromGateway('gw-a', 'state', { store: { kind: 'redis', healthy: true }, at: 1 });
    t.fromGateway('gw-a', 'breaker', {
      name: 'replicas/eu-1',
      from: 'closed',
      to: 'open',
      reason: '3 consecutive failures',
      remote: false,
      at: 10,
    });
    t.fromGateway('gw-b', 'breaker', {
      name: 'replicas/eu-1',
      from: 'closed',
      to: 'open',
      reason: 'opened on gw-a',
      remote: true,
      at: 12,
    });
    t.fromGateway('gw-a', 'breaker', { name: 'pinned-eu/eu-1', from: 'closed', to: 'open', reason: 'x', at: 13 });
    t.fromGateway('gw-a', 'breaker', { name: 'demo/propagation', from: 'closed', to: 'open', reason: 'x', at: 14 });
    t.fromGateway('gw-a', 'ejection', { endpoint: 'eu-1', ejected: true, reason: '2 consecutive failures', at: 11 });
    t.fromGateway('gw-a', 'health', {
      endpoint: 'eu-1',
      healthy: false,
      reason: '3 consecutive checks failed',
      at: 15,
    });
    t.fromGateway('gw-a', 'regionChange', { from: 'eu', to: 'us', reason: 'healthy share 0 < 1', at: 16 });
    t.fromGateway('gw-a', 'state', { store: { kind: 'redis', healthy: false }, at: 17 });
    t.fromGateway('gw-a', 'state', { store: { kind: 'redis', healthy: false }, at: 18 });
    t.fromGateway('gw-a', 'state', { store: { kind: 'redis', healthy: true }, at: 19 });
    const events = t.recent();
    expect(events.map((e) => [e.at, e.kind, e.gateway, e.subject])).toEqual([
      [10, 'breaker', 'gw-a', 'eu-1'],
      [11, 'ejection', 'gw-a', 'eu-1'],
      [12, 'breaker', 'gw-b', 'eu-1'],
      [15, 'health', 'gw-a', 'eu-1'],
      [16, 'region', 'gw-a', 'us'],
      [17, 'store', 'gw-a', 'redis'],
      [19, 'store', 'gw-a', 'redis'],
    ]);
    expect(events[0]).toMatchObject({ text: 'closed → open: 3 consecutive failures', severity: 'bad' });
    expect(events[2]!.text).toContain('from another pod via the store');
    expect(events[5]).toMatchObject({ severity: 'bad', text: expect.stringContaining('unreachable') });
  });

  it('is bounded', () => {
    const t = new Timeline(5);
    for (let i = 0; i < 20; i++) t.push({ at: i, kind: 'phase', subject: `p${i}`, text: '', severity: 'info' });
    expect(t.recent().map((e) => e.at)).toEqual([15, 16, 17, 18, 19]);
  });
});
