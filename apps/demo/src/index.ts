export { runDemo, type DemoOptions, type DemoSummary } from './run.js';
export {
  percentile,
  regionShare,
  timeToShare,
  phaseNumbers,
  maxConcurrentHalfOpen,
  type PhaseNumbers,
} from './stats.js';
export { scenario, type Phase } from './scenario.js';
export { LoadGenerator, type Sample } from './loadgen.js';
