import { KeyledgerError } from '../platform/errors.ts';
import type { RoleRow } from '../platform/schema.ts';

/** Who may approve a request for a role. */
export const APPROVER_KINDS = ['manager', 'owner', 'named'] as const;
export type ApproverKind = (typeof APPROVER_KINDS)[number];

export const GOVERNANCE_BOUNDS = Object.freeze({
  approvalsRequired: { min: 1, max: 5 },
  namedApprovers: { max: 20 },
  maxActivationMinutes: { min: 5, max: 1440 },
});

/** How requests for a role are approved. */
export interface ApprovalPolicy {
  approvers: ApproverKind[];
  namedApprovers: string[];
  /** Distinct approvals a request needs (the stored value, or the default: 2 for a privileged role, 1 otherwise). */
  approvalsRequired: number;
  /** Whether `approvalsRequired` is the default rather than set on the role. */
  approvalsRequiredDefault: boolean;
}

/** Just-in-time elevation limits of a role. */
export interface ElevationPolicy {
  maxActivationMinutes: number;
  activationRequiresApproval: boolean;
}

/** The governance settings a role definition can carry (create or update input). */
export interface RoleGovernanceInput {
  ownerId?: string | null;
  approval?: { approvers?: ApproverKind[]; namedApprovers?: string[]; approvalsRequired?: number | null };
  elevation?: { maxActivationMinutes?: number; activationRequiresApproval?: boolean };
  allowStanding?: boolean;
}

export function defaultApprovalsRequired(privileged: boolean): number {
  return privileged ? 2 : 1;
}

export function approvalPolicyOf(row: Pick<RoleRow, 'approvers' | 'named_approvers' | 'approvals_required' | 'privileged'>): ApprovalPolicy {
  return {
    approvers: JSON.parse(row.approvers) as ApproverKind[],
    namedApprovers: JSON.parse(row.named_approvers) as string[],
    approvalsRequired: row.approvals_required ?? defaultApprovalsRequired(row.privileged === 1),
    approvalsRequiredDefault: row.approvals_required === null,
  };
}

export function elevationPolicyOf(row: Pick<RoleRow, 'max_activation_minutes' | 'activation_requires_approval'>): ElevationPolicy {
  return { maxActivationMinutes: row.max_activation_minutes, activationRequiresApproval: row.activation_requires_approval === 1 };
}

function invalid(message: string): never {
  throw new KeyledgerError('role.governance_invalid', message);
}

/**
 * The governance columns for a role: `current` (null for a new role) with `input` applied.
 * Checks shapes and bounds (`role.governance_invalid`); whether the owner and named
 * approvers are members is the caller's check (it needs the database).
 */
export function governanceColumns(
  current: Pick<RoleRow, 'owner_id' | 'approvers' | 'named_approvers' | 'approvals_required' | 'max_activation_minutes' | 'activation_requires_approval' | 'allow_standing'> | null,
  input: RoleGovernanceInput,
): Pick<RoleRow, 'owner_id' | 'approvers' | 'named_approvers' | 'approvals_required' | 'max_activation_minutes' | 'activation_requires_approval' | 'allow_standing'> {
  const approval = input.approval ?? {};
  const approvers = approval.approvers ?? (current ? (JSON.parse(current.approvers) as ApproverKind[]) : [...APPROVER_KINDS]);
  if (approvers.length === 0) invalid('approval.approvers must name at least one kind of approver');
  for (const kind of approvers) if (!(APPROVER_KINDS as readonly string[]).includes(kind)) invalid(`approval.approvers: "${String(kind)}" is not one of ${APPROVER_KINDS.join(', ')}`);
  const named = approval.namedApprovers ?? (current ? (JSON.parse(current.named_approvers) as string[]) : []);
  if (named.length > GOVERNANCE_BOUNDS.namedApprovers.max) invalid(`approval.namedApprovers may list at most ${GOVERNANCE_BOUNDS.namedApprovers.max} users`);
  const required = approval.approvalsRequired !== undefined ? approval.approvalsRequired : (current?.approvals_required ?? null);
  const { min, max } = GOVERNANCE_BOUNDS.approvalsRequired;
  if (required !== null && (!Number.isInteger(required) || required < min || required > max)) invalid(`approval.approvalsRequired must be an integer from ${min} to ${max}, or null for the default`);
  const minutes = input.elevation?.maxActivationMinutes ?? current?.max_activation_minutes ?? 60;
  const b = GOVERNANCE_BOUNDS.maxActivationMinutes;
  if (!Number.isInteger(minutes) || minutes < b.min || minutes > b.max) invalid(`elevation.maxActivationMinutes must be an integer from ${b.min} to ${b.max}`);
  const needsApproval = input.elevation?.activationRequiresApproval ?? (current ? current.activation_requires_approval === 1 : false);
  const allowStanding = input.allowStanding ?? (current ? current.allow_standing === 1 : false);
  return {
    owner_id: input.ownerId !== undefined ? input.ownerId : (current?.owner_id ?? null),
    approvers: JSON.stringify([...new Set(approvers)]),
    named_approvers: JSON.stringify([...new Set(named)].sort()),
    approvals_required: required,
    max_activation_minutes: minutes,
    activation_requires_approval: needsApproval ? 1 : 0,
    allow_standing: allowStanding ? 1 : 0,
  };
}
