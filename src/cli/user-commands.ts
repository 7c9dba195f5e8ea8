import type { Command } from 'commander';
import { KeyledgerError } from '../platform/errors.ts';
import { emit, handled } from './output.ts';
import { cliContext, withRuntime } from './context.ts';

/** A whole number option, or `request.invalid` saying which option was wrong. */
function parseWholeNumber(option: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,6}$/.test(value)) throw new KeyledgerError('request.invalid', `${option} must be a whole number of hours, got "${value}"`);
  return Number(value);
}

/** `keyledger user create | invite | list`. */
export function userCommands(program: Command): void {
  const user = program.command('user').description('users');

  user
    .command('create')
    .description('create a user as a member of an organization (the email counts as verified: an administrator vouches for it)')
    .requiredOption('--org <slug>', 'organization slug or id')
    .requiredOption('--email <email>', 'email address (unique across the deployment)')
    .option('--name <name>', 'display name')
    .option('--password <password>', "initial password, checked against the organization's policy before anything is created")
    .option('--json', 'print the user as JSON')
    .action(
      handled(async (opts: { org: string; email: string; name?: string; password?: string; json?: boolean }) => {
        const created = await withRuntime((rt) => rt.enrollment.createUserWithPassword(cliContext(), opts.org, { email: opts.email, name: opts.name ?? null, password: opts.password }));
        emit(Boolean(opts.json), created, () => `created user ${created.email} (${created.id}) in ${opts.org}`);
      }),
    );

  user
    .command('invite')
    .description('invite an email address to an organization: mails a one-time sign-up link and prints it')
    .requiredOption('--org <slug>', 'organization slug or id')
    .requiredOption('--email <email>', 'the address to invite')
    .option('--expires-in-hours <hours>', 'how long the link works (1 to 720, default 72)')
    .option('--json', 'print { invitation, link } as JSON')
    .action(
      handled(async (opts: { org: string; email: string; expiresInHours?: string; json?: boolean }) => {
        const expiresInHours = parseWholeNumber('--expires-in-hours', opts.expiresInHours);
        const { invitation, link } = await withRuntime((rt) => rt.enrollment.inviteUser(cliContext(), opts.org, { email: opts.email, expiresInHours }));
        emit(Boolean(opts.json), { invitation, link }, () => `${link}\n(invitation ${invitation.id} for ${invitation.email}, until ${invitation.expiresAt}; the link works once)`);
      }),
    );

  user
    .command('list')
    .description('list users, optionally of one organization')
    .option('--org <slug>', 'organization slug or id')
    .option('--json', 'machine-readable output')
    .action(
      handled(async (opts: { org?: string; json?: boolean }) => {
        const { items } = await withRuntime((rt) => rt.identity.listUsers({ orgRef: opts.org }, { limit: 200 }));
        emit(Boolean(opts.json), items, () => items.map((u) => `${u.email}\t${u.status}\t${u.id}`).join('\n') || '(none)');
      }),
    );
}
