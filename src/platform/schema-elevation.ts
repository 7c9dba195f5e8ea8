import type { Selectable } from 'kysely';

/** Just-in-time elevation tables (migration 0019); see `src/access/eligibilities.ts` and `src/access/elevation.ts`. */
export interface ElevationTables {
  role_eligibilities: RoleEligibilitiesTable;
}

/**
 * A standing permission to ACTIVATE a role for a while (just-in-time), not to hold it:
 * activating creates a role assignment of kind `activation` with its own expiry.
 */
export interface RoleEligibilitiesTable {
  id: string;
  org_id: string;
  role_id: string;
  /** Only users activate roles (they sign in and step up); service accounts hold standing assignments. */
  principal_type: 'user';
  principal_id: string;
  granted_by_type: string;
  granted_by_id: string;
  approval_ref: string | null;
  reason: string | null;
  created_at: string;
  expires_at: string | null;
  ended_at: string | null;
  end_reason: string | null;
}
export type RoleEligibilityRow = Selectable<RoleEligibilitiesTable>;

/** How a role assignment came to be: granted outright (`standing`) or activated from an eligibility for a while (`activation`). */
export type AssignmentKind = 'standing' | 'activation';
