import type { Command } from 'commander';
import { emit, handled } from './output.ts';
import { cliContext, withRuntime } from './context.ts';

/** `keyledger user create | list`. */
export function userCommands(program: Command): void {
  const user = program.command('user').description('users');

  user
    .command('create')
    .description('create a user as a member of an organization')
    .requiredOption('--org <slug>', 'organization slug or id')
    .requiredOption('--email <email>', 'email address (unique across the deployment)')
    .option('--name <name>', 'display name')
    .option('--json', 'print the user as JSON')
    .action(
      handled(async (opts: { org: string; email: string; name?: string; json?: boolean }) => {
        const created = await withRuntime((rt) => rt.identity.createUser(cliContext(), { email: opts.email, name: opts.name ?? null }, { orgRef: opts.org }));
        emit(Boolean(opts.json), created, () => `created user ${created.email} (${created.id}) in ${opts.org}`);
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
