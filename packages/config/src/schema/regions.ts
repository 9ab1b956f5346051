import { z } from 'zod';
import { bounded, name, percentage } from './fields.js';

/**
 * The `regions` section: which region is local and the failover order. Servers name their region
 * with `servers[].region`. Traffic stays local while its healthy share × overprovisioning_factor
 * ≥ 1; the shortfall spills to the next region in `order`; below `panic_threshold` percent of the
 * fleet healthy, health is ignored (Envoy panic mode).
 */
export const regionsSchema = z.strictObject({
  local: name('Region of this process; it gets all traffic while healthy enough').optional(),
  order: z.array(name('Region')).min(1).meta({ description: 'Failover order, most preferred first' }).optional(),
  overprovisioning_factor: bounded(
    1,
    10,
    "Headroom factor like Envoy's 1.4 (a region counts as whole down to 1/factor healthy)",
  ).optional(),
  panic_threshold: percentage(
    'Below this percent of healthy servers, health is ignored (default 50, 0 disables)',
  ).optional(),
});
