import { KeyledgerError } from '../../platform/errors.ts';

/**
 * The thresholds every detection rule runs with: deployment configuration
 * (environment variables, see docs/detections.md) over documented defaults.
 * Listed at GET /api/v1/detection-rules so an auditor sees the rules in force.
 */
export interface DetectionSettings {
  bruteForce: { threshold: number; windowMinutes: number };
  credentialStuffing: { accounts: number; windowMinutes: number };
  passwordSpraying: { accounts: number; maxPerAccount: number; windowMinutes: number; minSpreadMinutes: number };
  mfaFatigue: { threshold: number; windowMinutes: number };
  accountTakeover: { windowHours: number; newDeviceLookbackDays: number };
  impossibleTravel: { speedKmh: number; minDistanceKm: number; dedupHours: number };
  privilegeOutsideApproval: { dedupHours: number };
  /** Where sign-in addresses are placed on the map: the bundled GeoLite data (geoip-lite), or nowhere (impossible travel off). */
  geoip: 'bundled' | null;
}

/** The defaults, each explained in docs/detections.md. */
export const DEFAULT_DETECTION_SETTINGS: DetectionSettings = {
  bruteForce: { threshold: 8, windowMinutes: 15 },
  credentialStuffing: { accounts: 10, windowMinutes: 10 },
  passwordSpraying: { accounts: 5, maxPerAccount: 2, windowMinutes: 60, minSpreadMinutes: 10 },
  mfaFatigue: { threshold: 5, windowMinutes: 15 },
  accountTakeover: { windowHours: 24, newDeviceLookbackDays: 30 },
  impossibleTravel: { speedKmh: 900, minDistanceKm: 500, dedupHours: 24 },
  privilegeOutsideApproval: { dedupHours: 24 },
  geoip: null,
};

type Env = Record<string, string | undefined>;

/** Every tunable: its environment variable, and where it goes. */
const VARIABLES: Array<[string, keyof DetectionSettings, string]> = [
  ['KEYLEDGER_DETECT_BRUTE_FORCE_THRESHOLD', 'bruteForce', 'threshold'],
  ['KEYLEDGER_DETECT_BRUTE_FORCE_WINDOW_MINUTES', 'bruteForce', 'windowMinutes'],
  ['KEYLEDGER_DETECT_STUFFING_ACCOUNTS', 'credentialStuffing', 'accounts'],
  ['KEYLEDGER_DETECT_STUFFING_WINDOW_MINUTES', 'credentialStuffing', 'windowMinutes'],
  ['KEYLEDGER_DETECT_SPRAYING_ACCOUNTS', 'passwordSpraying', 'accounts'],
  ['KEYLEDGER_DETECT_SPRAYING_MAX_PER_ACCOUNT', 'passwordSpraying', 'maxPerAccount'],
  ['KEYLEDGER_DETECT_SPRAYING_WINDOW_MINUTES', 'passwordSpraying', 'windowMinutes'],
  ['KEYLEDGER_DETECT_SPRAYING_MIN_SPREAD_MINUTES', 'passwordSpraying', 'minSpreadMinutes'],
  ['KEYLEDGER_DETECT_MFA_FATIGUE_THRESHOLD', 'mfaFatigue', 'threshold'],
  ['KEYLEDGER_DETECT_MFA_FATIGUE_WINDOW_MINUTES', 'mfaFatigue', 'windowMinutes'],
  ['KEYLEDGER_DETECT_TAKEOVER_WINDOW_HOURS', 'accountTakeover', 'windowHours'],
  ['KEYLEDGER_DETECT_TAKEOVER_LOOKBACK_DAYS', 'accountTakeover', 'newDeviceLookbackDays'],
  ['KEYLEDGER_DETECT_TRAVEL_SPEED_KMH', 'impossibleTravel', 'speedKmh'],
  ['KEYLEDGER_DETECT_TRAVEL_MIN_DISTANCE_KM', 'impossibleTravel', 'minDistanceKm'],
];

/** Reads the detection settings; throws `config.invalid` for a value that is not a positive integer or an unknown GeoIP source. */
export function detectionSettingsFrom(env: Env): DetectionSettings {
  const out = structuredClone(DEFAULT_DETECTION_SETTINGS) as unknown as Record<string, Record<string, number>>;
  for (const [name, group, key] of VARIABLES) {
    const value = env[name];
    if (value === undefined || value === '') continue;
    const n = Number(value);
    if (!Number.isInteger(n) || n <= 0) throw new KeyledgerError('config.invalid', `${name} must be a positive integer (got "${value}")`);
    out[group][key] = n;
  }
  const settings = out as unknown as DetectionSettings;
  const geoip = env.KEYLEDGER_GEOIP;
  if (geoip !== undefined && geoip !== '' && geoip !== 'bundled' && geoip !== 'off') throw new KeyledgerError('config.invalid', `KEYLEDGER_GEOIP must be bundled or off (got "${geoip}")`);
  settings.geoip = geoip === 'bundled' ? 'bundled' : null;
  return settings;
}
