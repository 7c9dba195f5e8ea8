import type { RowBuilder } from './model.ts';
import { CC6_1_BUILDERS } from './criteria/cc6-1-applications.ts';
import { CC6_2_BUILDERS } from './criteria/cc6-2-new-users.ts';
import { CC6_3_BUILDERS } from './criteria/cc6-3-role-changes.ts';
import { CC6_5_ROW_BUILDERS } from './criteria/cc6-5-leavers.ts';
import { CC6_6_ROW_BUILDERS } from './criteria/cc6-6-mfa-rows.ts';
import { CC6_7_ROW_BUILDERS } from './criteria/cc6-7-transmission.ts';
import { CC7_ROW_BUILDERS } from './criteria/cc7-monitoring.ts';
import { PRIVILEGED_ACCESS_ROW_BUILDERS } from './criteria/privileged-access.ts';
import { LOG_INTEGRITY_ROW_BUILDERS } from './criteria/log-integrity.ts';

/**
 * Every row builder by name: a table's `recompute` names one, and the offline
 * verifier recomputes that table's rows from the embedded events with it.
 * Each criterion module contributes its own builders.
 */
export const ROW_BUILDERS: Record<string, RowBuilder> = {
  ...CC6_1_BUILDERS,
  ...CC6_2_BUILDERS,
  ...CC6_3_BUILDERS,
  ...CC6_5_ROW_BUILDERS,
  ...CC6_6_ROW_BUILDERS,
  ...CC6_7_ROW_BUILDERS,
  ...CC7_ROW_BUILDERS,
  ...PRIVILEGED_ACCESS_ROW_BUILDERS,
  ...LOG_INTEGRITY_ROW_BUILDERS,
};
