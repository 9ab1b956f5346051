export { memoryBreakerStore, MemoryBreakerStore } from './memory-store.js';
