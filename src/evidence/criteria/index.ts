import type { CollectorFactory } from '../model.ts';
import { cc65Leavers } from './cc6-5-leavers.ts';
import { cc66Mfa } from './cc6-6-mfa.ts';
import { cc67Transmission } from './cc6-7-transmission.ts';
import { privilegedAccess } from './privileged-access.ts';

/** The criteria of a package, in the order the report shows them. */
export const CRITERION_FACTORIES: CollectorFactory[] = [cc65Leavers, cc66Mfa, cc67Transmission, privilegedAccess];
