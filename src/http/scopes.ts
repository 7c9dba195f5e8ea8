/** Scopes an admin API key can hold. `all` on the command line means every one of them. */
export const SCOPES = {
  'admin:read': 'Read organizations, users, service accounts, applications, roles, assignments and signing keys.',
  'admin:write': 'Create and change organizations, users, service accounts, applications, roles and assignments; revoke access; rotate signing keys.',
  'audit:read': 'Read ledger events, checkpoints and proofs.',
  'api_keys:manage': 'Issue, list and revoke admin API keys (never beyond the caller’s own scopes).',
  'compliance:read': 'Read-only evidence for GRC platforms.',
} as const;

export type Scope = keyof typeof SCOPES;
export const ALL_SCOPES = Object.keys(SCOPES) as Scope[];

export function isScope(value: string): value is Scope {
  return Object.prototype.hasOwnProperty.call(SCOPES, value);
}
