import type { CommandContext } from '../audit/event.ts';
import type { Runtime } from '../runtime.ts';
import { isKeyledgerError } from '../platform/errors.ts';
import { ADMINISTRATOR_ROLE_KEY, ALL_CONSOLE_PERMISSIONS } from './operator.ts';

export interface FirstAdministratorInput {
  email: string;
  name?: string | null;
  password: string;
}

/**
 * Sets up who administers Keyledger through the console: the operator
 * organization (if missing), its `keyledger-administrator` role (privileged,
 * every console permission), and a first administrator holding it with a
 * password. Each step is an ordinary command with its ledger event, so the
 * first grant of admin rights is on record like any later one. The password
 * policy applies (`authn.password_*` errors); the administrator adds a passkey
 * at the first change, since changes need one.
 */
export async function createFirstAdministrator(rt: Runtime, ctx: CommandContext, input: FirstAdministratorInput): Promise<{ orgId: string; userId: string }> {
  const slug = rt.config.operatorOrg;
  const existing = await rt.operatorOrgId();
  const orgId = existing ?? (await rt.identity.createOrganization(ctx, { slug, name: 'Keyledger operators' })).id;
  try {
    await rt.access.getRole(orgId, ADMINISTRATOR_ROLE_KEY);
  } catch (err) {
    if (!isKeyledgerError(err) || err.code !== 'role.not_found') throw err;
    await rt.access.createRole(ctx, orgId, {
      key: ADMINISTRATOR_ROLE_KEY,
      name: 'Keyledger administrator',
      description: 'Administers Keyledger through the console and the admin API: every keyledger:* permission.',
      permissions: ALL_CONSOLE_PERMISSIONS,
      privileged: true,
      allowStanding: true,
    });
  }
  const user = (await rt.identity.findUserByEmail(input.email)) ?? (await rt.identity.createUser(ctx, { email: input.email, name: input.name ?? null }, { orgRef: orgId }));
  if (!(await rt.identity.isMember(orgId, user.id))) await rt.identity.addMember(ctx, orgId, user.id);
  await rt.authn.setPassword(ctx, user.id, input.password);
  await rt.access.grant(ctx, orgId, { role: ADMINISTRATOR_ROLE_KEY, principalType: 'user', principalId: user.id, reason: 'first administrator, created with the bootstrap link' });
  return { orgId, userId: user.id };
}
