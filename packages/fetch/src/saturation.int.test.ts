import { describeSaturation } from '@breakwater/testkit/vitest';
import { onTestFinished } from 'vitest';
import { createFetch } from './index.js';

describeSaturation('fetch', (lb, policy) => {
  const f = createFetch({ balancer: lb, ...(policy === undefined ? {} : { policy }) });
  onTestFinished(() => f.close());
  return (path: string) =>
    f(path).then(async (r) => {
      await r.text();
      return r.status;
    });
});
