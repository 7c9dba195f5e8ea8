import type { CollectorFactory } from '../model.ts';
import { collectMonitoring } from './cc7-monitoring.ts';
import { collectLogIntegrity } from './log-integrity.ts';

/** The criteria of a package, in the order the report shows them. */
export const CRITERION_FACTORIES: CollectorFactory[] = [
  collectMonitoring,
  collectLogIntegrity,
];
