import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { emit, handled } from './output.ts';
import { cliContext, withRuntime } from './context.ts';
import { KeyledgerError } from '../platform/errors.ts';
import type { Runtime } from '../runtime.ts';
import type { ConnectionInput } from '../sso/connections.ts';
import type { Connection } from '../sso/connection-settings.ts';
import { checkDomain, type Domain } from '../sso/domains.ts';

interface CreateOptions {
  org: string;
  type: string;
  name?: string;
  metadata?: string;
  idpInitiated?: boolean;
  issuer?: string;
  clientId?: string;
  clientSecret?: string;
  domain?: string;
  json?: boolean;
}

/** What `sso create` prints: the values to enter at the identity provider. */
export interface CreatedConnectionOutput {
  id: string;
  type: 'saml' | 'oidc';
  spEntityId: string | null;
  acsUrl: string | null;
  metadataUrl: string | null;
  redirectUri: string | null;
  loginUrl: string;
  domain?: { id: string; domain: string; txtRecord: Domain['txtRecord'] };
}

function usage(message: string): KeyledgerError {
  return new KeyledgerError('request.invalid', message);
}

/** The connection the options describe; checks that each type got its own options and no other's. */
function readConnectionInput(opts: CreateOptions): ConnectionInput {
  if (opts.type === 'saml') {
    if (!opts.metadata) throw usage('--type saml needs --metadata FILE (the IdP metadata XML)');
    if (opts.issuer || opts.clientId || opts.clientSecret) throw usage('--issuer, --client-id and --client-secret belong to --type oidc');
    let metadataXml: string;
    try {
      metadataXml = readFileSync(opts.metadata, 'utf8');
    } catch (err) {
      throw usage(`cannot read --metadata ${opts.metadata}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    return { type: 'saml', name: opts.name ?? 'SAML', metadataXml, allowIdpInitiated: Boolean(opts.idpInitiated) };
  }
  if (opts.type === 'oidc') {
    if (!opts.issuer || !opts.clientId || !opts.clientSecret) throw usage('--type oidc needs --issuer URL, --client-id ID and --client-secret SECRET');
    if (opts.metadata || opts.idpInitiated) throw usage('--metadata and --idp-initiated belong to --type saml');
    return { type: 'oidc', name: opts.name ?? 'OIDC', issuer: opts.issuer, clientId: opts.clientId, clientSecret: opts.clientSecret };
  }
  throw usage(`--type must be saml or oidc, got "${opts.type}"`);
}

function toOutput(conn: Connection): CreatedConnectionOutput {
  return {
    id: conn.id,
    type: conn.type,
    spEntityId: conn.saml?.spEntityId ?? null,
    acsUrl: conn.saml?.acsUrl ?? null,
    metadataUrl: conn.saml?.spMetadataUrl ?? null,
    redirectUri: conn.oidc?.redirectUri ?? null,
    loginUrl: conn.loginUrl,
  };
}

/**
 * Creates the connection, then claims the domain; when the claim is refused
 * (another organization holds it) the connection just made is deleted again,
 * so a failed command leaves no half-configured organization behind.
 */
async function createConnection(rt: Runtime, opts: CreateOptions, input: ConnectionInput, domain: string | null): Promise<CreatedConnectionOutput> {
  const ctx = cliContext();
  const conn = await rt.sso.connections.create(ctx, opts.org, input);
  const out = toOutput(conn);
  if (domain === null) return out;
  try {
    const claimed = await rt.sso.domains.add(ctx, opts.org, domain);
    return { ...out, domain: { id: claimed.id, domain: claimed.domain, txtRecord: claimed.txtRecord } };
  } catch (err) {
    await rt.sso.connections.delete(ctx, opts.org, conn.id);
    throw err;
  }
}

function describeCreated(out: CreatedConnectionOutput): string {
  const lines = [`created ${out.type.toUpperCase()} connection ${out.id}`];
  if (out.type === 'saml') {
    lines.push('Give the identity provider:', `  SP entity id (audience): ${out.spEntityId}`, `  ACS URL:                 ${out.acsUrl}`, `  SP metadata:             ${out.metadataUrl}`);
  } else {
    lines.push(`Register this redirect URI at the provider: ${out.redirectUri}`);
  }
  lines.push(`Sign-in URL: ${out.loginUrl}`);
  if (out.domain) {
    const r = out.domain.txtRecord;
    lines.push(`Domain ${out.domain.domain} claimed (id ${out.domain.id}); publish this DNS record, then verify it:`, `  ${r.name} ${r.type} "${r.value}"`);
  }
  return lines.join('\n');
}

/** `keyledger sso create | list | setup-link`: enterprise SSO for an organization from the command line. */
export function ssoCommands(program: Command): void {
  const sso = program.command('sso').description('enterprise SSO connections (SAML 2.0, OIDC) of an organization');

  sso
    .command('create')
    .description('connect an organization to its identity provider (SAML from IdP metadata, or OIDC) and optionally claim its email domain')
    .requiredOption('--org <slug>', 'organization slug or id')
    .requiredOption('--type <type>', 'saml or oidc')
    .option('--name <name>', 'a name for the connection (default: SAML or OIDC)')
    .option('--metadata <file>', 'saml: the IdP metadata XML file')
    .option('--idp-initiated', 'saml: accept sign-ins started at the IdP (off by default)')
    .option('--issuer <url>', 'oidc: the issuer URL')
    .option('--client-id <id>', 'oidc: the client id registered at the provider')
    .option('--client-secret <secret>', 'oidc: the client secret (stored encrypted, never shown again)')
    .option('--domain <domain>', 'claim this email domain for the organization (verify it afterwards)')
    .option('--json', 'print { id, spEntityId, acsUrl, metadataUrl, redirectUri, loginUrl, domain? } as JSON')
    .action(
      handled(async (opts: CreateOptions) => {
        const input = readConnectionInput(opts);
        // A bad domain is refused before anything is created.
        const domain = opts.domain === undefined ? null : checkDomain(opts.domain);
        const out = await withRuntime((rt) => createConnection(rt, opts, input, domain));
        emit(Boolean(opts.json), out, () => describeCreated(out));
      }),
    );

  sso
    .command('list')
    .description("list the organization's SSO connections and domains")
    .requiredOption('--org <slug>', 'organization slug or id')
    .option('--json', 'print { connections, domains } as JSON')
    .action(
      handled(async (opts: { org: string; json?: boolean }) => {
        const out = await withRuntime(async (rt) => {
          const connections: Connection[] = [];
          let cursor: string | undefined;
          do {
            const page = await rt.sso.connections.list(opts.org, { limit: 200, cursor });
            connections.push(...page.items);
            cursor = page.nextCursor ?? undefined;
          } while (cursor);
          return { connections, domains: await rt.sso.domains.list(opts.org) };
        });
        emit(Boolean(opts.json), out, () =>
          [
            ...(out.connections.length ? out.connections.map((c) => `${c.id}\t${c.type}\t${c.status}\t${c.name}\t${c.loginUrl}`) : ['(no connections)']),
            ...out.domains.map((d) => `domain ${d.domain}\t${d.verified ? `verified (${d.verifiedVia})` : `unverified: publish ${d.txtRecord.name} TXT "${d.txtRecord.value}"`}`),
          ].join('\n'),
        );
      }),
    );

  sso
    .command('setup-link')
    .description("issue a setup link for the organization's own IT administrator (shown once)")
    .requiredOption('--org <slug>', 'organization slug or id')
    .option('--email <email>', 'who the link is meant for (recorded)')
    .option('--expires-in-days <days>', 'how long the link works, 1–30 (default 7)')
    .option('--json', 'print { id, url, email, expiresAt } as JSON')
    .action(
      handled(async (opts: { org: string; email?: string; expiresInDays?: string; json?: boolean }) => {
        if (opts.email !== undefined && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(opts.email)) throw usage(`--email "${opts.email}" is not an email address`);
        const days = opts.expiresInDays === undefined ? undefined : Number(opts.expiresInDays);
        const { link, url } = await withRuntime((rt) => rt.sso.setupLinks.create(cliContext(), opts.org, { email: opts.email ?? null, expiresInDays: days }));
        const out = { id: link.id, url, email: link.email, connectionId: link.connectionId, expiresAt: link.expiresAt };
        emit(Boolean(opts.json), out, () => `Setup link (shown once; valid until ${out.expiresAt}):\n${url}`);
      }),
    );
}
