export { memoryBreakerStore, type MemoryBreakerStore } from './memory-store.js';
export { nextGeneration, isNewerGeneration, sequenceGeneration } from './generation.js';
