import { describeEndpointRemoval } from '@breakwater/testkit/vitest';
import { createFetch } from './index.js';

describeEndpointRemoval(
  '@breakwater/fetch closes the undici pool of an endpoint removed by balancer.update()',
  (lb) => {
    const f = createFetch({ balancer: lb });
    return { get: async (path) => (await f(path)).text(), close: () => f.close() };
  },
);
