import type { RowBuilder } from './model.ts';
import { CC6_5_ROW_BUILDERS } from './criteria/cc6-5-leavers.ts';
import { CC6_6_ROW_BUILDERS } from './criteria/cc6-6-mfa-rows.ts';
import { CC6_7_ROW_BUILDERS } from './criteria/cc6-7-transmission.ts';
import { PRIVILEGED_ACCESS_ROW_BUILDERS } from './criteria/privileged-access.ts';

/**
 * Every row builder by name: a table's `recompute` names one, and the offline
 * verifier recomputes that table's rows from the embedded events with it.
 * Each criterion module contributes its own builders.
 */
export const ROW_BUILDERS: Record<string, RowBuilder> = {
  ...CC6_5_ROW_BUILDERS,
  ...CC6_6_ROW_BUILDERS,
  ...CC6_7_ROW_BUILDERS,
  ...PRIVILEGED_ACCESS_ROW_BUILDERS,
};
