import { createRequire } from 'node:module';

/** Where an address is, as far as GeoIP knows. */
export interface GeoPoint {
  latitude: number;
  longitude: number;
  country: string | null;
}

/** Looks an address up; null when it is private, unknown, or GeoIP is off. */
export type GeoLocator = (ip: string) => GeoPoint | null;

interface GeoipLite {
  lookup(ip: string): { ll?: [number, number]; country?: string } | null;
}

/**
 * The bundled GeoLite data through geoip-lite, loaded on the first lookup
 * (it holds ~100 MB in memory, so only deployments that turn it on pay).
 */
export function createBundledGeoLocator(): GeoLocator {
  let lib: GeoipLite | null = null;
  return (ip) => {
    lib ??= createRequire(import.meta.url)('geoip-lite') as GeoipLite;
    const hit = lib.lookup(ip.replace(/^::ffff:/, ''));
    if (!hit?.ll || (hit.ll[0] === 0 && hit.ll[1] === 0)) return null;
    return { latitude: hit.ll[0], longitude: hit.ll[1], country: hit.country || null };
  };
}

const EARTH_RADIUS_KM = 6371;

/** Great-circle distance in kilometres (haversine). */
export function distanceKm(a: Pick<GeoPoint, 'latitude' | 'longitude'>, b: Pick<GeoPoint, 'latitude' | 'longitude'>): number {
  const rad = (d: number) => (d * Math.PI) / 180;
  const dLat = rad(b.latitude - a.latitude);
  const dLon = rad(b.longitude - a.longitude);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(rad(a.latitude)) * Math.cos(rad(b.latitude)) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)));
}
