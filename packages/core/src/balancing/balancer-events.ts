import type {
  BreakerEvent,
  EjectionEvent,
  HealthEvent,
  RegionChangeEvent,
  RequestEvent,
  UpdateEvent,
} from './types.js';

/** Events a balancer emits. */
export interface BalancerEvents extends Record<string, unknown> {
  health: HealthEvent;
  ejection: EjectionEvent;
  regionChange: RegionChangeEvent;
  request: RequestEvent;
  update: UpdateEvent;
  breaker: BreakerEvent;
}
