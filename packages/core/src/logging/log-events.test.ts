import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { circuitBreaker } from '../breaker/circuit-breaker.js';
import { consecutiveFailures } from '../breaker/trip/consecutive-failures.js';
import { ManualClock } from '../clock.js';
import { ConfigError } from '../errors.js';
import { Emitter } from '../events.js';
import { loadBalancer } from '../balancing/load-balancer.js';
import { logEvents } from './log-events.js';

function pinoToArray() {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString('utf8').split('\n'))
        if (line.trim() !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
      cb();
    },
  });
  const logger = pino({ level: 'info' }, stream);
  return { logger, lines };
}

const flush = () => new Promise<void>((r) => setImmediate(r));

describe('logEvents', () => {
  it('logs one JSON object per breaker transition through a real pino logger', async () => {
    const { logger, lines } = pinoToArray();
    const clock = new ManualClock(5_000);
    const breaker = circuitBreaker({ name: 'payments', trip: consecutiveFailures(1), halfOpenAfterMs: 100, clock });
    const stop = logEvents(breaker, logger);
    await breaker
      .execute(() => {
        throw new Error('down');
      })
      .catch(() => undefined);
    clock.advance(100);
    await breaker.execute(() => 'ok');
    breaker.isolate().release();
    await flush();
    expect(lines.map((l) => [l['level'], l['event'], l['from'], l['to'], l['reason']])).toEqual([
      [40, 'circuit_breaker_state_change', 'closed', 'open', '1 consecutive failures'],
      [30, 'circuit_breaker_state_change', 'open', 'half-open', 'open for 100ms'],
      [30, 'circuit_breaker_state_change', 'half-open', 'closed', 'probe succeeded'],
      [40, 'circuit_breaker_state_change', 'closed', 'isolated', 'isolated'],
      [30, 'circuit_breaker_state_change', 'isolated', 'closed', 'released'],
    ]);
    expect(lines[0]).toMatchObject({
      name: 'payments',
      remote: false,
      generation: 1,
      at: 5_000,
      msg: 'circuit breaker "payments" closed → open: 1 consecutive failures',
    });
    stop();
    breaker.isolate();
    await flush();
    expect(lines).toHaveLength(5);
  });

  it('logs balancer health, ejection and region changes without credentials', async () => {
    const { logger, lines } = pinoToArray();
    const events = new Emitter<{
      health: Record<string, unknown>;
      ejection: Record<string, unknown>;
      regionChange: Record<string, unknown>;
    }>();
    const balancer = { name: 'api', on: events.on.bind(events) as never };
    const stop = logEvents(balancer, logger);
    events.emit('health', {
      endpoint: 'eu-1',
      healthy: false,
      reason: '3 failed checks',
      at: 1,
      url: 'http://user:secret@10.0.0.1:8080/',
    });
    events.emit('health', { endpoint: 'eu-1', healthy: true, reason: '2 passed checks', at: 2 });
    events.emit('ejection', {
      endpoint: 'eu-2',
      ejected: true,
      untilMs: 30_000,
      count: 1,
      reason: '5 consecutive failures',
      at: 3,
      error: new Error('ECONNRESET'),
      authorization: 'Bearer x',
    });
    events.emit('regionChange', {
      from: 'eu',
      to: 'us',
      reason: 'eu healthy share 0.33 (last error: GET https://bob:hunter2@eu.example/x)',
      at: 4,
    });
    await flush();
    expect(lines.map((l) => [l['level'], l['event'], l['endpoint'] ?? l['to']])).toEqual([
      [40, 'endpoint_health_change', 'eu-1'],
      [30, 'endpoint_health_change', 'eu-1'],
      [40, 'endpoint_ejection', 'eu-2'],
      [40, 'region_change', 'us'],
    ]);
    expect(lines[0]).toMatchObject({ balancer: 'api', healthy: false, url: 'http://10.0.0.1:8080/' });
    expect(JSON.stringify(lines)).not.toContain('secret');
    expect(JSON.stringify(lines)).not.toContain('Bearer');
    expect(JSON.stringify(lines)).not.toContain('hunter2');
    expect(lines[3]).toMatchObject({ reason: 'eu healthy share 0.33 (last error: GET https://eu.example/x)' });
    expect(lines[2]).toMatchObject({ error: { type: 'Error', message: 'ECONNRESET' }, untilMs: 30_000 });
    stop();
    events.emit('health', { endpoint: 'x', healthy: false, reason: 'r', at: 5 });
    await flush();
    expect(lines).toHaveLength(4);
  });

  it("logs a balancer's per-endpoint breaker transitions (its 'breaker' event), warn when one opens", async () => {
    const { logger, lines } = pinoToArray();
    const clock = new ManualClock();
    const lb = loadBalancer({
      name: 'api',
      endpoints: [{ id: 'a', url: 'http://svc:secret@10.0.0.1:8080' }],
      clock,
      breaker: { trip: consecutiveFailures(1), halfOpenAfterMs: 1_000 },
    });
    const stop = logEvents(lb, logger);
    await lb
      .execute(() => {
        throw new Error('down');
      })
      .catch(() => undefined);
    clock.advance(1_000);
    await lb.execute(() => 'ok');
    await flush();
    const breakerLines = lines.filter((l) => l['event'] === 'endpoint_breaker_state_change');
    expect(breakerLines.map((l) => [l['level'], l['balancer'], l['endpoint'], l['from'], l['to']])).toEqual([
      [40, 'api', 'a', 'closed', 'open'],
      [30, 'api', 'a', 'open', 'half-open'],
      [30, 'api', 'a', 'half-open', 'closed'],
    ]);
    expect(JSON.stringify(lines)).not.toContain('secret');
    stop();
    await lb.close();
  });

  it('validates its arguments', () => {
    expect(() => logEvents(circuitBreaker({ name: 'x' }), {} as never)).toThrow(ConfigError);
    expect(() => logEvents(null as never, console)).toThrow(/logEvents\.source/);
  });
});
