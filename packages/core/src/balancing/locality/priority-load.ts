/**
 * Envoy's priority-level load split. Each level's health is min(1, overprovisioningFactor ×
 * healthy share); level 0 takes as much traffic as its health allows, the shortfall spills to
 * level 1, and so on. When the levels together are less than 100% healthy the loads are scaled up
 * to sum to 1 (Envoy's "normalized total health"). All zero when nothing is healthy.
 *
 * Example (factor 1.4): local 100% healthy → [1, 0]; local 2/3 healthy → [0.933, 0.067];
 * local 1/3 healthy, remote healthy → [0.467, 0.533]; local down → [0, 1].
 */
export function priorityLoads(healthyShares: ReadonlyArray<number>, overprovisioningFactor: number): number[] {
  const loads = new Array<number>(healthyShares.length).fill(0);
  let remaining = 1;
  let totalHealth = 0;
  for (let i = 0; i < healthyShares.length; i++) {
    const health = Math.min(1, overprovisioningFactor * healthyShares[i]!);
    totalHealth += health;
    const load = Math.min(remaining, health);
    loads[i] = load;
    remaining -= load;
  }
  if (totalHealth > 0 && totalHealth < 1) {
    for (let i = 0; i < loads.length; i++) loads[i] = loads[i]! / totalHealth;
  }
  return loads;
}
