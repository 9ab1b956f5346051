import { describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.js';
import { NoHealthyEndpointError } from '../errors.js';
import { loadBalancer } from './load-balancer.js';
import { p2cEwma } from './strategies/p2c-ewma.js';
import { roundRobin } from './strategies/round-robin.js';
import type { Endpoint } from './types.js';

const eps = (ids: string[], region?: string): Endpoint[] =>
  ids.map((id) => ({ id, url: `http://${id}.test`, ...(region === undefined ? {} : { region }) }));

describe('balancer execute({ avoid })', () => {
  it('never picks an avoided endpoint, whatever the strategy would choose', async () => {
    for (const strategy of [roundRobin(), p2cEwma()]) {
      const lb = loadBalancer({ endpoints: eps(['a', 'b', 'c']), strategy, clock: new ManualClock() });
      const picked = new Set<string>();
      for (let i = 0; i < 50; i++) picked.add(await lb.execute((ep) => ep.id, { avoid: new Set(['a', 'b']) }));
      expect([...picked]).toEqual(['c']);
      await lb.close();
    }
  });

  it('rejects with NoHealthyEndpointError when every endpoint is avoided, instead of repeating one', async () => {
    const lb = loadBalancer({ endpoints: eps(['a', 'b']), clock: new ManualClock() });
    let ran = 0;
    const err = await lb.execute(() => ++ran, { avoid: new Set(['a', 'b']) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NoHealthyEndpointError);
    expect((err as NoHealthyEndpointError).message).toMatch(/already tried/);
    expect(ran).toBe(0);
    await lb.close();
  });

  it('spills to the next region when the local one is avoided (failover with locality)', async () => {
    const lb = loadBalancer({
      endpoints: [...eps(['eu-1'], 'eu'), ...eps(['us-1'], 'us')],
      locality: { local: 'eu', order: ['eu', 'us'] },
      clock: new ManualClock(),
    });
    expect(await lb.execute((ep) => ep.id)).toBe('eu-1');
    expect(await lb.execute((ep) => ep.id, { avoid: new Set(['eu-1']) })).toBe('us-1');
    await lb.close();
  });

  it('an empty avoid set changes nothing', async () => {
    const lb = loadBalancer({ endpoints: eps(['a']), clock: new ManualClock() });
    expect(await lb.execute((ep) => ep.id, { avoid: new Set() })).toBe('a');
    await lb.close();
  });
});
