import { ALL_SCOPES, isScope, type Scope } from '../http/scopes.ts';

/**
 * The console's administrators are members of one organization, the operator
 * organization (`KEYLEDGER_OPERATOR_ORG`, default `keyledger`). What each may do
 * comes from the roles they hold there: a role permission `keyledger:<scope>`
 * gives the API scope `<scope>` (`keyledger:admin:write` → `admin:write`). So
 * who held admin rights, and when, is the role-assignment history, with its
 * approvals, just-in-time elevations and access reviews like any other role.
 */
export const CONSOLE_CLIENT_ID = 'keyledger-console';
export const CONSOLE_PERMISSION_PREFIX = 'keyledger:';
/** The role the first administrator receives at bootstrap: every console permission, privileged. */
export const ADMINISTRATOR_ROLE_KEY = 'keyledger-administrator';

export function consolePermission(scope: Scope): string {
  return `${CONSOLE_PERMISSION_PREFIX}${scope}`;
}

export const ALL_CONSOLE_PERMISSIONS: string[] = ALL_SCOPES.map(consolePermission);

/** The API scopes a set of role permissions gives in the console (anything else is ignored). */
export function scopesOfPermissions(permissions: Iterable<string>): Set<Scope> {
  const scopes = new Set<Scope>();
  for (const p of permissions) {
    if (!p.startsWith(CONSOLE_PERMISSION_PREFIX)) continue;
    const scope = p.slice(CONSOLE_PERMISSION_PREFIX.length);
    if (isScope(scope)) scopes.add(scope);
  }
  return scopes;
}
