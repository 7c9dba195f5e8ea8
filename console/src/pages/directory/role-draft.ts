import type { Role } from './types.ts';

/** A role definition as the form edits it (numbers and the "default" choices as text, as the controls hold them). */
export interface RoleDraft {
  key: string;
  name: string;
  description: string;
  permissions: string[];
  privileged: boolean;
  /** '' = the organization policy (null in the API). */
  mfaPolicy: string;
  ownerId: string | null;
  approvers: string[];
  namedApprovers: string[];
  /** '' = the default (null in the API). */
  approvalsRequired: string;
  maxActivationMinutes: string;
  activationRequiresApproval: boolean;
  allowStanding: boolean;
}

/** The draft for a new role (the API's defaults), or for editing `role`. */
export function draftOf(role?: Role): RoleDraft {
  if (!role) {
    return { key: '', name: '', description: '', permissions: [''], privileged: false, mfaPolicy: '', ownerId: null, approvers: ['manager', 'owner', 'named'], namedApprovers: [], approvalsRequired: '', maxActivationMinutes: '60', activationRequiresApproval: false, allowStanding: false };
  }
  return {
    key: role.key,
    name: role.name,
    description: role.description,
    permissions: [...role.permissions],
    privileged: role.privileged,
    mfaPolicy: role.mfaPolicy ?? '',
    ownerId: role.ownerId,
    approvers: [...role.approval.approvers],
    namedApprovers: [...role.approval.namedApprovers],
    approvalsRequired: role.approval.approvalsRequiredDefault ? '' : String(role.approval.approvalsRequired),
    maxActivationMinutes: String(role.elevation.maxActivationMinutes),
    activationRequiresApproval: role.elevation.activationRequiresApproval,
    allowStanding: role.allowStanding,
  };
}

/** The request body for POST (with `key`) or PATCH (without) /organizations/{org}/roles. */
export function bodyOf(d: RoleDraft, creating: boolean): Record<string, unknown> {
  return {
    ...(creating ? { key: d.key.trim() } : {}),
    name: d.name.trim(),
    description: d.description.trim(),
    permissions: [...new Set(d.permissions.map((p) => p.trim()).filter(Boolean))],
    privileged: d.privileged,
    mfaPolicy: d.mfaPolicy || null,
    ownerId: d.ownerId,
    approval: { approvers: d.approvers, namedApprovers: d.namedApprovers, approvalsRequired: d.approvalsRequired ? Number(d.approvalsRequired) : null },
    elevation: { maxActivationMinutes: Number(d.maxActivationMinutes), activationRequiresApproval: d.activationRequiresApproval },
    allowStanding: d.allowStanding,
  };
}
