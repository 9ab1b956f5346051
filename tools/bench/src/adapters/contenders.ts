import { Agent as HttpAgent } from 'node:http';
import { circuitBreaker, loadBalancer, pipeline, retry, roundRobin, timeout, type Policy } from '@breakwater/core';
import { withResilience } from '@breakwater/axios';
import { createFetch } from '@breakwater/fetch';
import axios from 'axios';
import { Pool, fetch as undiciFetch } from 'undici';
import type { Contender } from './run.js';

/** The policy of every "full" contender: retry → breaker → timeout, defaults otherwise. */
export function fullPolicy(name: string): Policy & { dispose?: () => void } {
  const breaker = circuitBreaker({ name });
  return Object.assign(pipeline(retry(), breaker, timeout(2000)), { dispose: () => breaker.dispose() });
}

const text = (res: { text(): Promise<string> }): Promise<string> => res.text();

/** Raw undici fetch on a Pool vs createFetch (same undici fetch) with the full policy and a one-endpoint balancer. */
export function fetchContenders(origin: string, path: string, connections: number): Contender[] {
  const pool = new Pool(origin, { connections });
  const raw: Contender = {
    name: 'undici fetch + Pool',
    call: () => undiciFetch(origin + path, { dispatcher: pool }).then(text),
    close: () => pool.close(),
  };
  const balancer = loadBalancer({
    endpoints: [{ id: 'a', url: origin, maxConnections: connections }],
    strategy: roundRobin(),
  });
  const policy = fullPolicy('bench-fetch');
  const wrapped = createFetch({ fetch: undiciFetch as unknown as typeof fetch, balancer, policy });
  const full: Contender = {
    name: 'createFetch (retry+breaker+timeout, 1-endpoint balancer)',
    call: () => wrapped(path).then(text),
    close: async () => {
      await wrapped.close();
      await balancer.close();
      policy.dispose?.();
    },
  };
  return [raw, full];
}

/** Plain axios vs withResilience (full policy), both on an identical keep-alive agent. */
export function axiosContenders(url: string, connections: number): Contender[] {
  const agents: HttpAgent[] = [];
  const make = () => {
    const agent = new HttpAgent({ keepAlive: true, maxSockets: connections });
    agents.push(agent);
    return axios.create({ httpAgent: agent, responseType: 'text' });
  };
  const plainApi = make();
  const wrappedApi = make();
  const policy = fullPolicy('bench-axios');
  const eject = withResilience(wrappedApi, { policy });
  return [
    { name: 'axios', call: () => plainApi.get(url), close: () => agents[0]!.destroy() },
    {
      name: 'axios + withResilience (retry+breaker+timeout)',
      call: () => wrappedApi.get(url),
      close: () => {
        eject();
        agents[1]!.destroy();
        policy.dispose?.();
      },
    },
  ];
}
