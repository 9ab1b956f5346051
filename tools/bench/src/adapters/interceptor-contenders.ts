import { Agent, request } from 'undici';
import { breakwaterInterceptor } from '@breakwater/fetch';
import { fullPolicy } from './contenders.js';
import type { Contender } from './run.js';

/**
 * A plain undici Agent vs the same Agent composed with breakwaterInterceptor (full policy for the
 * origin), both with undici's request().
 */
export function interceptorContenders(origin: string, path: string, connections: number): Contender[] {
  const plain = new Agent({ connections });
  const base = new Agent({ connections });
  const policy = fullPolicy('bench-interceptor');
  const composed = base.compose(breakwaterInterceptor({ policyFor: () => policy }));
  const url = origin + path;
  return [
    {
      name: 'undici request + Agent',
      call: () => request(url, { dispatcher: plain }).then((r) => r.body.text()),
      close: () => plain.close(),
    },
    {
      name: 'undici request + Agent.compose(breakwaterInterceptor) (retry+breaker+timeout)',
      call: () => request(url, { dispatcher: composed }).then((r) => r.body.text()),
      close: async () => {
        await base.close();
        policy.dispose?.();
      },
    },
  ];
}
