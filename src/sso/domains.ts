import { randomBytes } from 'node:crypto';
import type { Db } from '../platform/database.ts';
import { KeyledgerError } from '../platform/errors.ts';
import type { SsoConnectionRow, SsoDomainRow } from '../platform/schema-sso.ts';
import type { CommandRunner } from '../audit/command-runner.ts';
import type { CommandContext } from '../audit/event.ts';
import type { IdentityService } from '../identity/service.ts';
import { runUnlessUnchanged, Unchanged } from './unchanged.ts';

/** Where the verification TXT record is published, below the domain. */
export const TXT_RECORD_LABEL = '_keyledger-verification';
const TXT_VALUE_PREFIX = 'keyledger-domain-verification=';

/**
 * Mail domains shared by the public: nobody may route them to one
 * organization, whatever DNS or an administrator says.
 */
const SHARED_MAIL_DOMAINS = new Set([
  'gmail.com', 'googlemail.com', 'outlook.com', 'hotmail.com', 'live.com', 'msn.com', 'yahoo.com', 'ymail.com', 'icloud.com', 'me.com', 'mac.com',
  'aol.com', 'proton.me', 'protonmail.com', 'gmx.com', 'gmx.net', 'mail.com', 'yandex.com', 'zoho.com', 'fastmail.com', 'hey.com', 'qq.com', '163.com',
]);

/** Resolves TXT records (node:dns `resolveTxt` shape). */
export type TxtResolver = (name: string) => Promise<string[][]>;

export interface Domain {
  id: string;
  orgId: string;
  domain: string;
  verified: boolean;
  verifiedAt: string | null;
  verifiedVia: SsoDomainRow['verified_via'];
  /** The DNS record to publish for verification by DNS. */
  txtRecord: { name: string; type: 'TXT'; value: string };
  createdAt: string;
}

function domainView(row: SsoDomainRow): Domain {
  return {
    id: row.id,
    orgId: row.org_id,
    domain: row.domain,
    verified: row.verified_at !== null,
    verifiedAt: row.verified_at,
    verifiedVia: row.verified_via,
    txtRecord: { name: `${TXT_RECORD_LABEL}.${row.domain}`, type: 'TXT', value: `${TXT_VALUE_PREFIX}${row.verification_token}` },
    createdAt: row.created_at,
  };
}

/** A domain as routed: lower-case LDH labels, at least two, no wildcard, not a shared mail domain. Throws `sso.domain_invalid`. */
export function checkDomain(value: unknown): string {
  const domain = typeof value === 'string' ? value.trim().toLowerCase().replace(/\.$/, '') : '';
  const labels = domain.split('.');
  const ok = domain.length > 0 && domain.length <= 253 && labels.length >= 2 && labels.every((l) => /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/.test(l)) && !/^\d+$/.test(labels[labels.length - 1]);
  if (!ok) throw new KeyledgerError('sso.domain_invalid', `"${String(value).slice(0, 260)}" is not a domain name (e.g. example.com)`, { reason: 'syntax' });
  if (SHARED_MAIL_DOMAINS.has(domain)) throw new KeyledgerError('sso.domain_invalid', `${domain} is a public mail domain; it cannot route to one organization`, { reason: 'public_mail_domain' });
  return domain;
}

/** The domain part of an email address, lower-cased, or null. */
export function emailDomain(email: string): string | null {
  const at = email.lastIndexOf('@');
  return at > 0 ? email.slice(at + 1).toLowerCase() : null;
}

/**
 * The domains an organization routes to its SSO connection. A domain is
 * claimed, then verified by a DNS TXT record or by an administrator's
 * attestation (the ledger records who attested and what they stated); only a
 * verified domain routes sign-ins and lets an address be provisioned.
 */
export function createDomainService(deps: { db: Db; runner: CommandRunner; newId: () => string; identity: IdentityService; resolveTxt: TxtResolver }) {
  const { db, runner, newId, identity, resolveTxt } = deps;

  async function requireDomain(orgId: string, slug: string, id: string): Promise<SsoDomainRow> {
    const row = await db.selectFrom('sso_domains').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
    if (!row) throw new KeyledgerError('sso.domain_not_found', `no domain "${id}" in "${slug}"`);
    return row;
  }

  /** Marks a domain verified; one already verified keeps how it was verified first, and nothing is recorded. */
  async function markVerified(ctx: CommandContext, row: SsoDomainRow, via: 'dns' | 'attestation', statement: string | null): Promise<Domain> {
    return runUnlessUnchanged(runner, ctx, async ({ trx, now, record }) => {
      const current = await trx.selectFrom('sso_domains').selectAll().where('id', '=', row.id).executeTakeFirst();
      // Removed meanwhile.
      if (!current) throw new KeyledgerError('sso.domain_not_found', `no domain "${row.id}"`);
      if (current.verified_at) throw new Unchanged(domainView(current));
      // Several organizations may claim a domain; only one may hold it verified (a unique index backs this check).
      const holder = await trx.selectFrom('sso_domains').select('id').where('domain', '=', current.domain).where('verified_at', 'is not', null).executeTakeFirst();
      if (holder) throw new KeyledgerError('sso.domain_taken', `${current.domain} is verified by another organization`);
      const time = now.toISOString();
      await trx.updateTable('sso_domains').set({ verified_at: time, verified_via: via }).where('id', '=', row.id).execute();
      record({ action: 'sso.domain.verified', org: row.org_id, targets: [{ type: 'sso_domain', id: row.id, display: row.domain }], data: { domain: row.domain, via, statement } });
      return domainView({ ...current, verified_at: time, verified_via: via });
    });
  }

  return {
    /**
     * Claims a domain for the organization; it routes nobody until verified.
     * Other organizations may claim it too until one of them verifies it, so
     * an unverified claim cannot lock a domain away from its owner.
     * Throws `sso.domain_invalid`, `sso.domain_taken` (claimed by this
     * organization already, or verified by another).
     */
    async add(ctx: CommandContext, orgRef: string, value: string): Promise<Domain> {
      const domain = checkDomain(value);
      const { result } = await runner.run(ctx, async ({ trx, now, record }) => {
        const org = await identity.requireOrg(orgRef, trx);
        const claims = await trx.selectFrom('sso_domains').select(['org_id', 'verified_at']).where('domain', '=', domain).execute();
        if (claims.some((c) => c.org_id === org.id)) throw new KeyledgerError('sso.domain_taken', `${domain} is already claimed by this organization`);
        if (claims.some((c) => c.verified_at !== null)) throw new KeyledgerError('sso.domain_taken', `${domain} is verified by another organization`);
        const row: SsoDomainRow = { id: newId(), org_id: org.id, domain, verification_token: randomBytes(24).toString('base64url'), verified_at: null, verified_via: null, created_at: now.toISOString() };
        await trx.insertInto('sso_domains').values(row).execute();
        const view = domainView(row);
        record({ action: 'sso.domain.added', org: org.id, targets: [{ type: 'sso_domain', id: row.id, display: domain }], data: { domain, txtRecordName: view.txtRecord.name } });
        return view;
      });
      return result;
    },

    async list(orgRef: string): Promise<Domain[]> {
      const org = await identity.requireOrg(orgRef);
      return (await db.selectFrom('sso_domains').selectAll().where('org_id', '=', org.id).orderBy('domain').execute()).map(domainView);
    },

    /** Looks for the TXT record and marks the domain verified when it is there. Throws `sso.domain_verification_failed` (details.found). */
    async verifyByDns(ctx: CommandContext, orgRef: string, id: string): Promise<Domain> {
      const org = await identity.requireOrg(orgRef);
      const row = await requireDomain(org.id, org.slug, id);
      if (row.verified_at) return domainView(row);
      const name = `${TXT_RECORD_LABEL}.${row.domain}`;
      let found: string[] = [];
      try {
        found = (await resolveTxt(name)).map((chunks) => chunks.join(''));
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code ?? 'error';
        throw new KeyledgerError('sso.domain_verification_failed', `no TXT record could be read at ${name} (${code})`, { found: [], reason: code });
      }
      if (!found.includes(`${TXT_VALUE_PREFIX}${row.verification_token}`)) {
        throw new KeyledgerError('sso.domain_verification_failed', `the TXT records at ${name} do not contain ${TXT_VALUE_PREFIX}… for this organization`, { found: found.slice(0, 20), reason: 'record_missing' });
      }
      return markVerified(ctx, row, 'dns', null);
    },

    /** Marks the domain verified on the actor's word; the statement is kept in the ledger with who gave it. */
    async attest(ctx: CommandContext, orgRef: string, id: string, statement: string): Promise<Domain> {
      const org = await identity.requireOrg(orgRef);
      return markVerified(ctx, await requireDomain(org.id, org.slug, id), 'attestation', statement);
    },

    async remove(ctx: CommandContext, orgRef: string, id: string): Promise<void> {
      const org = await identity.requireOrg(orgRef);
      const row = await requireDomain(org.id, org.slug, id);
      await runner.run(ctx, async ({ trx, record }) => {
        await trx.deleteFrom('sso_domains').where('id', '=', row.id).execute();
        record({ action: 'sso.domain.removed', org: org.id, targets: [{ type: 'sso_domain', id: row.id, display: row.domain }], data: { domain: row.domain, wasVerified: row.verified_at !== null } });
      });
    },

    /** Whether `email` is in a verified domain of the organization. */
    async isVerifiedFor(orgId: string, email: string, reader: Db = db): Promise<boolean> {
      const domain = emailDomain(email);
      if (!domain) return false;
      const row = await reader.selectFrom('sso_domains').select('id').where('org_id', '=', orgId).where('domain', '=', domain).where('verified_at', 'is not', null).executeTakeFirst();
      return row !== undefined;
    },

    /** The active connection an email address routes to: its verified domain's organization, oldest active connection first; else null. */
    async route(email: string): Promise<SsoConnectionRow | null> {
      const domain = emailDomain(email);
      if (!domain) return null;
      const row = await db
        .selectFrom('sso_domains')
        .innerJoin('sso_connections', 'sso_connections.org_id', 'sso_domains.org_id')
        .selectAll('sso_connections')
        .where('sso_domains.domain', '=', domain)
        .where('sso_domains.verified_at', 'is not', null)
        .where('sso_connections.status', '=', 'active')
        .orderBy('sso_connections.created_at')
        .orderBy('sso_connections.id')
        .executeTakeFirst();
      return row ?? null;
    },
  };
}

export type DomainService = ReturnType<typeof createDomainService>;
