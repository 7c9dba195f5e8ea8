import type { CollectorFactory } from '../model.ts';
import { collectCc61 } from './cc6-1-applications.ts';
import { collectCc62 } from './cc6-2-new-users.ts';
import { collectCc63 } from './cc6-3-role-changes.ts';
import { cc65Leavers } from './cc6-5-leavers.ts';
import { cc66Mfa } from './cc6-6-mfa.ts';
import { cc67Transmission } from './cc6-7-transmission.ts';
import { collectMonitoring } from './cc7-monitoring.ts';
import { privilegedAccess } from './privileged-access.ts';
import { collectLogIntegrity } from './log-integrity.ts';

/** The criteria of a package, in the order the report shows them. */
export const CRITERION_FACTORIES: CollectorFactory[] = [collectCc61, collectCc62, collectCc63, cc65Leavers, cc66Mfa, cc67Transmission, collectMonitoring, privilegedAccess, collectLogIntegrity];
