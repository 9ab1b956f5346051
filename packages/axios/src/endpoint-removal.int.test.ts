import { describeEndpointRemoval } from '@breakwater/testkit/vitest';
import axios from 'axios';
import { withResilience } from './index.js';

describeEndpointRemoval(
  '@breakwater/axios closes the agent of an endpoint removed by balancer.update()',
  (lb) => {
    const api = axios.create();
    const eject = withResilience(api, { balancer: lb });
    return { get: async (path) => (await api.get<string>(path)).data, close: eject };
  },
  'eject',
);
