import { describeSaturation } from '@breakwater/testkit/vitest';
import axios from 'axios';
import { onTestFinished } from 'vitest';
import { withResilience } from './index.js';

describeSaturation('axios', (lb, policy) => {
  const api = axios.create();
  onTestFinished(withResilience(api, { balancer: lb, ...(policy === undefined ? {} : { policy }) }));
  return (path: string) => api.get(path).then((r) => r.status);
});
