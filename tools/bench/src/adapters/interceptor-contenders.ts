import type { Contender } from './run.js';

/** Plain undici Agent vs Agent.compose(breakwaterInterceptor(...)) — filled in with the interceptor. */
export function interceptorContenders(_origin: string, _path: string, _connections: number): Contender[] {
  return [];
}
