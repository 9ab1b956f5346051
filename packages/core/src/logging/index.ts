export {
  logEvents,
  type EventLogger,
  type BreakerStateChangeLog,
  type BreakerLike,
  type BalancerLike,
} from './log-events.js';
