import { loadBalancer, roundRobin, type Policy } from '@breakwater/core';
import { onTestFinished } from 'vitest';
import { createFetch, type FetchPoolingOption, type ResilientFetch } from '../index.js';

/**
 * A fetch balanced over one endpoint (`a`, at `url`, round robin) with `policy` (and `o.fetch`,
 * `o.pooling` when given); the fetch and its balancer are closed when the test finishes.
 */
export function balancedFetch(
  url: string,
  policy: Policy,
  o: { fetch?: typeof fetch; pooling?: FetchPoolingOption } = {},
): ResilientFetch {
  const lb = loadBalancer({ endpoints: [{ id: 'a', url }], strategy: roundRobin() });
  const f = createFetch({ balancer: lb, policy, ...o });
  onTestFinished(async () => {
    await f.close();
    await lb.close();
  });
  return f;
}
