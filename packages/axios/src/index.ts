export { withResilience, type WithResilienceOptions } from './with-resilience.js';
export type { AxiosPoolingOption } from './agents.js';
export type { BreakwaterRequestOptions } from './request-options.js';
