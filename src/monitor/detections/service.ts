import type { CommandRunner } from '../../audit/command-runner.ts';
import type { LedgerQueries } from '../../audit/ledger-queries.ts';
import type { Db } from '../../platform/database.ts';
import type { Logger } from '../../platform/logger.ts';
import type { IdentityService } from '../../identity/service.ts';
import { accountTakeoverSequence, impossibleTravel, privilegeOutsideApproval } from './account-rules.ts';
import { createAlertService } from './alerts.ts';
import { createDetectionScanner } from './detection-scan.ts';
import type { DetectionSettings } from './detection-settings.ts';
import { createBundledGeoLocator, type GeoLocator } from './geo.ts';
import type { DetectionRule } from './rule.ts';
import { bruteForce, credentialStuffing, mfaFatigue, passwordSpraying } from './sign-in-rules.ts';

/** Every detection rule, in the order a scan runs them (stuffing before spraying: spraying defers to an open stuffing alert). */
export const DETECTION_RULES: readonly DetectionRule[] = [bruteForce, credentialStuffing, passwordSpraying, mfaFatigue, accountTakeoverSequence, impossibleTravel, privilegeOutsideApproval];

/** A rule as GET /api/v1/detection-rules lists it. */
export interface DetectionRuleView {
  name: string;
  enabled: boolean;
  severity: string;
  description: string;
  events: string[];
  thresholds: Record<string, unknown> | null;
}

export interface DetectionServiceDeps {
  db: Db;
  runner: CommandRunner;
  newId: () => string;
  ledger: LedgerQueries;
  identity: IdentityService;
  settings: DetectionSettings;
  logger?: Logger;
  /** Overrides the GeoIP source (tests); by default the bundled data when settings.geoip is "bundled". */
  geo?: GeoLocator | null;
}

/** Security detections: the scan (a scheduler job), the rules in force, and alerts. */
export function createDetectionService(deps: DetectionServiceDeps) {
  const geo = deps.geo !== undefined ? deps.geo : deps.settings.geoip === 'bundled' ? createBundledGeoLocator() : null;
  const scanner = createDetectionScanner({ ...deps, rules: DETECTION_RULES, geo });
  return {
    ...scanner,
    ...createAlertService(deps),
    /** The rules and the thresholds in force in this deployment (a rule that is off says so, with null thresholds). */
    listRules(): DetectionRuleView[] {
      return DETECTION_RULES.map((r) => {
        const thresholds = r.thresholds(deps.settings);
        return { name: r.name, enabled: thresholds !== null, severity: r.severity, description: r.description, events: [...r.events], thresholds };
      });
    },
  };
}

export type DetectionService = ReturnType<typeof createDetectionService>;
