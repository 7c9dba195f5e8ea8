import type { Command } from 'commander';
import { emit, handled } from './output.ts';
import { cliContext, withRuntime } from './context.ts';

/** `keyledger hr-source create`: registers an HR system and prints its signing secret once. */
export function hrSourceCommands(program: Command): void {
  const hrSource = program.command('hr-source').description('HR systems that post signed termination and rehire events');

  hrSource
    .command('create')
    .description('register an HR source for an organization; prints its id, its signing secret (once) and the URL it posts to')
    .requiredOption('--org <slug>', 'organization slug or id')
    .requiredOption('--name <name>', 'what the source is, e.g. Workday')
    .option('--json', 'print { id, secret, url } as JSON')
    .action(
      handled(async (opts: { org: string; name: string; json?: boolean }) => {
        const { source, secret, url } = await withRuntime((rt) => rt.lifecycle.createHrSource(cliContext(), opts.org, { name: opts.name }));
        emit(Boolean(opts.json), { id: source.id, secret, url }, () => `${secret}\n(HR source ${source.id} "${source.name}"; posts to ${url} with Keyledger-Source: ${source.id}; the secret is shown once, store it now)`);
      }),
    );
}
