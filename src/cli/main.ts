import { Command } from 'commander';
import { loadConfig } from '../platform/config.ts';
import { cliContext, withRuntime } from './context.ts';
import { ALL_SCOPES } from '../http/scopes.ts';
import { emit, handled } from './output.ts';
import { KeyledgerError } from '../platform/errors.ts';
import { auditCommands } from './audit-commands.ts';
import { evidenceCommands } from './evidence-commands.ts';
import { exportCommand } from './evidence-export-command.ts';
import { pushCommand } from './evidence-push-command.ts';
import { userCommands } from './user-commands.ts';
import { scimCommands } from './scim-commands.ts';
import { ssoCommands } from './sso-commands.ts';
import { hrSourceCommands } from './hr-source-commands.ts';
import { openDatabase } from '../platform/database.ts';
import { migrateToLatest } from '../platform/migrations/index.ts';

const program = new Command('keyledger').description('Keyledger: identity controls with a tamper-evident ledger').showHelpAfterError();

program
  .command('start')
  .description('serve everything on one port (SQLite under ./data unless DATABASE_URL is set)')
  .option('--port <port>', 'port to listen on (default: PORT or 8080)')
  .option('--host <host>', 'address to bind (default: KEYLEDGER_HOST or 127.0.0.1)')
  .option('--data <dir>', 'data directory (default: KEYLEDGER_DATA_DIR or ./data)')
  .option('--json', 'print the listening address and bootstrap link as JSON')
  .action(
    handled(async (opts: { port?: string; host?: string; data?: string; json?: boolean }) => {
      const config = loadConfig(process.env, { port: opts.port === undefined ? undefined : Number(opts.port), host: opts.host, dataDir: opts.data });
      const { startServer } = await import('./start.ts');
      await startServer(config, { json: Boolean(opts.json) });
    }),
  );

program
  .command('migrate')
  .description('create or upgrade the database schema')
  .option('--json', 'machine-readable output')
  .action(
    handled(async (opts: { json?: boolean }) => {
      const config = loadConfig(process.env);
      const db = openDatabase(config);
      try {
        const applied = await migrateToLatest(db.db, db.dialect);
        emit(Boolean(opts.json), { applied, database: db.describe }, () => (applied.length ? `applied: ${applied.join(', ')}` : 'schema is current') + ` (${db.describe})`);
      } finally {
        await db.destroy();
      }
    }),
  );

const apiKey = program.command('api-key').description('admin API keys');
apiKey
  .command('create')
  .requiredOption('--name <name>', 'what the key is for')
  .requiredOption('--scopes <scopes>', `comma-separated scopes, or "all" (${ALL_SCOPES.join(', ')})`)
  .option('--expires-at <time>', 'RFC 3339 expiry')
  .option('--json', 'print { id, key } as JSON')
  .action(
    handled(async (opts: { name: string; scopes: string; expiresAt?: string; json?: boolean }) => {
      const scopes = opts.scopes === 'all' ? [...ALL_SCOPES] : opts.scopes.split(',').map((s) => s.trim()).filter(Boolean);
      const { key, apiKey: view } = await withRuntime((rt) => rt.apiKeys.create(cliContext(), { name: opts.name, scopes, expiresAt: opts.expiresAt ?? null }));
      emit(Boolean(opts.json), { id: view.id, key, name: view.name, scopes: view.scopes, expiresAt: view.expiresAt }, () => `${key}\n(id ${view.id}; shown once, store it now)`);
    }),
  );
apiKey
  .command('revoke <id>')
  .option('--json', 'machine-readable output')
  .action(
    handled(async (id: string, opts: { json?: boolean }) => {
      const view = await withRuntime((rt) => rt.apiKeys.revoke(cliContext(), id));
      emit(Boolean(opts.json), view, () => `revoked ${view.id} (${view.name})`);
    }),
  );

const org = program.command('org').description('organizations');
org
  .command('create')
  .requiredOption('--slug <slug>', 'short unique name, e.g. acme')
  .requiredOption('--name <name>', 'display name')
  .option('--json', 'print the organization as JSON')
  .action(
    handled(async (opts: { slug: string; name: string; json?: boolean }) => {
      if (!/^[a-z0-9][a-z0-9-]{1,62}$/.test(opts.slug)) {
        throw new KeyledgerError('request.invalid', `slug "${opts.slug}" must be 2-63 lowercase letters, digits or dashes`);
      }
      const created = await withRuntime((rt) => rt.identity.createOrganization(cliContext(), { slug: opts.slug, name: opts.name }));
      emit(Boolean(opts.json), created, () => `created organization ${created.slug} (${created.id})`);
    }),
  );
org
  .command('list')
  .option('--json', 'machine-readable output')
  .action(
    handled(async (opts: { json?: boolean }) => {
      const { items } = await withRuntime((rt) => rt.identity.listOrganizations({ limit: 200 }));
      emit(Boolean(opts.json), items, () => items.map((o) => `${o.slug}\t${o.name}\t${o.id}`).join('\n') || '(none)');
    }),
  );

userCommands(program);
scimCommands(program);
ssoCommands(program);
hrSourceCommands(program);
auditCommands(program);
const evidence = evidenceCommands(program);
exportCommand(evidence);
pushCommand(evidence);

await program.parseAsync(process.argv);
