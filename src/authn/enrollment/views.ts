import type { InvitationRow } from '../../platform/schema.ts';
import type { InvitationStatus } from './repository.ts';

/** An invitation as administrators see it: never its link. */
export interface InvitationView {
  id: string;
  orgId: string;
  email: string;
  status: InvitationStatus;
  invitedBy: { type: string; id: string };
  createdAt: string;
  expiresAt: string;
  acceptedAt: string | null;
  acceptedUserId: string | null;
  revokedAt: string | null;
}

/** What the sign-up page shows about an invitation link before it is accepted. */
export interface InvitationDescription {
  orgName: string;
  orgSlug: string;
  email: string;
  expiresAt: string;
}

/** The status of an invitation at `now`: accepted and revoked are final; otherwise pending until it expires. */
export function invitationStatus(row: Pick<InvitationRow, 'accepted_at' | 'revoked_at' | 'expires_at'>, now: Date): InvitationStatus {
  if (row.accepted_at) return 'accepted';
  if (row.revoked_at) return 'revoked';
  return now.toISOString() >= row.expires_at ? 'expired' : 'pending';
}

export function toInvitation(row: InvitationRow, now: Date): InvitationView {
  return {
    id: row.id,
    orgId: row.org_id,
    email: row.email,
    status: invitationStatus(row, now),
    invitedBy: { type: row.invited_by_type, id: row.invited_by_id },
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    acceptedAt: row.accepted_at,
    acceptedUserId: row.accepted_user_id,
    revokedAt: row.revoked_at,
  };
}
