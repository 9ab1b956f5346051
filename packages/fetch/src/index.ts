export { createFetch, type CreateFetchOptions, type ResilientFetch } from './create-fetch.js';
export type { FetchPoolingOption } from './pools.js';
export { breakwaterInterceptor, type BreakwaterInterceptorOptions } from './interceptor/interceptor.js';
