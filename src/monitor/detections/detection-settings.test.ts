import { describe, expect, it } from 'vitest';
import { DEFAULT_DETECTION_SETTINGS, detectionSettingsFrom } from './detection-settings.ts';
import { distanceKm } from './geo.ts';
import { createDetectionService } from './service.ts';

describe('detection settings', () => {
  it('defaults with GeoIP off; environment variables override; bad values are refused', () => {
    expect(detectionSettingsFrom({})).toEqual(DEFAULT_DETECTION_SETTINGS);
    const tuned = detectionSettingsFrom({ KEYLEDGER_DETECT_BRUTE_FORCE_THRESHOLD: '20', KEYLEDGER_DETECT_SPRAYING_WINDOW_MINUTES: '240', KEYLEDGER_GEOIP: 'bundled' });
    expect(tuned.bruteForce).toEqual({ threshold: 20, windowMinutes: 15 });
    expect(tuned.passwordSpraying.windowMinutes).toBe(240);
    expect(tuned.geoip).toBe('bundled');
    expect(() => detectionSettingsFrom({ KEYLEDGER_DETECT_MFA_FATIGUE_THRESHOLD: '0' })).toThrow(/positive integer/);
    expect(() => detectionSettingsFrom({ KEYLEDGER_GEOIP: 'maxmind' })).toThrow(/bundled or off/);
  });

  it('lists impossible travel as off, with no thresholds, when GeoIP is not configured', () => {
    const service = createDetectionService({ db: null as never, runner: null as never, newId: () => '', ledger: null as never, identity: null as never, settings: detectionSettingsFrom({}) });
    const travel = service.listRules().find((r) => r.name === 'impossible_travel')!;
    expect(travel).toMatchObject({ enabled: false, thresholds: null });
    expect(service.listRules().filter((r) => !r.enabled).map((r) => r.name)).toEqual(['impossible_travel']);
  });

  it('measures great-circle distances (London to New York is about 5,570 km)', () => {
    expect(Math.round(distanceKm({ latitude: 51.5074, longitude: -0.1278 }, { latitude: 40.7128, longitude: -74.006 }))).toBeGreaterThan(5550);
    expect(Math.round(distanceKm({ latitude: 51.5074, longitude: -0.1278 }, { latitude: 40.7128, longitude: -74.006 }))).toBeLessThan(5600);
    expect(distanceKm({ latitude: 10, longitude: 10 }, { latitude: 10, longitude: 10 })).toBe(0);
  });
});
