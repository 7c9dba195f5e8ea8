import type { Command } from 'commander';
import { emit, handled } from './output.ts';
import { cliContext, withRuntime } from './context.ts';

/** `keyledger scim-token create`: connect an identity provider's SCIM provisioning in one step. */
export function scimCommands(program: Command): void {
  const token = program.command('scim-token').description('SCIM directory tokens');

  token
    .command('create')
    .description("issue a bearer token for the organization's SCIM directory (created if it has none); the token is shown once")
    .requiredOption('--org <slug>', 'organization slug or id')
    .option('--json', 'print { token, baseUrl, directoryId, tokenId } as JSON')
    .action(
      handled(async (opts: { org: string; json?: boolean }) => {
        const issued = await withRuntime((rt) => rt.scim.directories.issueTokenForOrganization(cliContext(), opts.org));
        const out = { token: issued.token, baseUrl: issued.baseUrl, directoryId: issued.directory.id, tokenId: issued.tokenInfo.id };
        emit(Boolean(opts.json), out, () => `SCIM base URL: ${out.baseUrl}\nBearer token (shown once): ${out.token}`);
      }),
    );
}
