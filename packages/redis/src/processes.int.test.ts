import { afterEach, describe, expect, it } from 'vitest';
import { uniquePrefix } from '@breakwater/testkit';
import { testRedisUrl } from '@breakwater/testkit/vitest';
import { ChildReplica } from './test-support/child.js';

const children: ChildReplica[] = [];
afterEach(async () => {
  await Promise.all(children.splice(0).map((c) => c.kill()));
});

describe('separate Node processes', () => {
  it('share breaker state through Redis', async () => {
    const url = testRedisUrl();
    const prefix = uniquePrefix('procs');
    const a = new ChildReplica([url, prefix, 'orders', 'proc-A', '200']);
    const b = new ChildReplica([url, prefix, 'orders', 'proc-B', '200']);
    children.push(a, b);
    await Promise.all([a.next((l) => l['event'] === 'ready'), b.next((l) => l['event'] === 'ready')]);

    a.send('trip');
    const opened = await b.next((l) => l['event'] === 'stateChange' && l['to'] === 'open');
    expect(opened).toMatchObject({ from: 'closed', remote: true });
    const tripped = await a.next((l) => l['event'] === 'stateChange' && l['to'] === 'open');
    expect(Number(opened['t']) - Number(tripped['t'])).toBeLessThan(100);
    b.send('call');
    expect(await b.next((l) => l['reply'] === 'call')).toMatchObject({ ok: false, code: 'BW_CIRCUIT_OPEN' });

    // A opened the fleet, so A holds the probe lease when the open period ends; its probe closes B.
    await new Promise((r) => setTimeout(r, 250));
    a.send('call');
    expect(await a.next((l) => l['reply'] === 'call')).toMatchObject({ ok: true });
    expect(await b.next((l) => l['event'] === 'stateChange' && l['to'] === 'closed')).toMatchObject({ remote: true });
  }, 30_000);
});
