export { createFetch, type CreateFetchOptions, type ResilientFetch } from './create-fetch.js';
export type { FetchPoolingOption } from './pools.js';
