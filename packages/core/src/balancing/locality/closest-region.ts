import { ConfigError } from '../../errors.js';
import { describeValue } from '../../kernel/options.js';

/** A point on Earth in decimal degrees. */
export interface GeoPoint {
  lat: number;
  lon: number;
}

const EARTH_RADIUS_KM = 6371.0088;

/** Great-circle distance in km (haversine formula). */
export function greatCircleKm(a: GeoPoint, b: GeoPoint): number {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLon = (b.lon - a.lon) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)));
}

/**
 * The region nearest to a client location by great-circle distance (geographic
 * balancing), used to set `locality.local`:
 * `loadBalancer({ ..., locality: { local: closestRegion(client, REGIONS) } })`.
 * Throws ConfigError for malformed coordinates or an empty region map.
 */
export function closestRegion(client: GeoPoint, regions: Record<string, GeoPoint>): string {
  checkPoint('closestRegion.client', client);
  const names = typeof regions === 'object' && regions !== null ? Object.keys(regions) : [];
  if (names.length === 0)
    throw new ConfigError(
      'closestRegion.regions',
      `expected a map of region name to {lat, lon}, got ${describeValue(regions)}`,
    );
  let best = names[0]!;
  let bestKm = Infinity;
  for (const name of names) {
    const p = regions[name]!;
    checkPoint(`closestRegion.regions.${name}`, p);
    const km = greatCircleKm(client, p);
    if (km < bestKm) {
      best = name;
      bestKm = km;
    }
  }
  return best;
}

function checkPoint(path: string, p: unknown): void {
  const o = p as Partial<GeoPoint> | null;
  const ok =
    typeof o === 'object' &&
    o !== null &&
    typeof o.lat === 'number' &&
    typeof o.lon === 'number' &&
    Math.abs(o.lat) <= 90 &&
    Math.abs(o.lon) <= 180;
  if (!ok) throw new ConfigError(path, `expected {lat: -90..90, lon: -180..180}, got ${describeValue(p)}`);
}
