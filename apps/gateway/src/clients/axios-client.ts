import axios, { AxiosError } from 'axios';
import { withResilience } from '@breakwater/axios';
import type { LoadBalancer, Policy } from '@breakwater/core';
import type { UpstreamReply } from './reply.js';

/** REST calls to replicas through `@breakwater/axios` (an axios instance with resilience installed). */
export function axiosClient(balancer: LoadBalancer, policy: Policy): { call: (n: number, signal: AbortSignal) => Promise<UpstreamReply>; eject: () => void } {
  const instance = axios.create({ responseType: 'text', transformResponse: (d: unknown) => d });
  const eject = withResilience(instance, { policy, balancer });
  const call = async (n: number, signal: AbortSignal): Promise<UpstreamReply> => {
    try {
      const res = await instance.get<string>(`/api/work?n=${n}`, { signal });
      return { status: res.status, replica: header(res.headers['x-replica-id']), region: header(res.headers['x-region']), body: String(res.data) };
    } catch (e) {
      if (e instanceof AxiosError && e.response) {
        return { status: e.response.status, replica: header(e.response.headers['x-replica-id']), region: header(e.response.headers['x-region']), body: String(e.response.data) };
      }
      throw e;
    }
  };
  return { call, eject };
}

function header(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}
