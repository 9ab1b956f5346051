export { memoryBreakerStore, MemoryBreakerStore } from './memory-store.js';
export { nextGeneration, isNewerGeneration, sequenceGeneration } from './generation.js';
