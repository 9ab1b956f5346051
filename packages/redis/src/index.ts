// Public surface of @breakwater/redis; everything else is internal.
export { RedisBreakerStore, type RedisStoreStats } from './store.js';
export type { IoredisConnection } from './connections.js';
export { StoreNotReadyError, type StoreHealthEvent } from './health.js';
export { UnauthenticatedDataError } from './auth.js';
export type { RedisBreakerStoreOptions } from './options.js';
export { breakerKeys, eventsChannel, registryKey, type BreakerKeys } from './keys.js';
export { FleetAdmin, type FleetBreakerInfo, type FleetBreakerDetails } from './admin.js';
export { storeAclRules } from './acl.js';
export { runCli, type CliIo } from './cli/main.js';
