import type { Db } from '../platform/database.ts';
import type { Clock } from '../platform/clock.ts';
import { KeyledgerError } from '../platform/errors.ts';
import { decryptSecret, encryptSecret, type Envelope, type MasterKey } from '../platform/crypto.ts';
import { decodeCursor, encodeCursor } from '../platform/pagination.ts';
import type { SsoConnectionRow } from '../platform/schema-sso.ts';
import type { CommandRunner, CommandScope, Trx } from '../audit/command-runner.ts';
import type { CommandContext } from '../audit/event.ts';
import type { IdentityService } from '../identity/service.ts';
import type { Organization } from '../identity/views.ts';
import { checkAttributeMapping, checkClockSkew, checkScopes, readOidcSettings, readSamlSettings, toConnection, type AttributeMapping, type Connection, type OidcSettings, type SamlSettings, type TrustedCertificate } from './connection-settings.ts';
import { checkConnectionUrl, connectionUrls } from './urls.ts';
import { fetchIdpMetadata, parseIdpMetadata } from './saml/metadata.ts';
import { generateSpKeyPair, readCertificate } from './saml/certificates.ts';
import type { SamlConnectionConfig } from './saml/service-provider.ts';
import type { OidcConnectionConfig } from './oidc/index.ts';
import { runUnlessUnchanged, Unchanged } from './unchanged.ts';

const SP_KEY_PURPOSE = 'sso.sp_private_key';
const CLIENT_SECRET_PURPOSE = 'sso.oidc_client_secret';

/** Where a SAML connection's IdP settings come from: its metadata (XML or URL), or entered by hand. */
export type SamlIdpSource = { metadataXml: string } | { metadataUrl: string } | { idp: { entityId: string; ssoUrl: string; certificates: string[] } };

interface CommonInput {
  name: string;
  jitProvisioning?: boolean;
  attributeMapping?: AttributeMapping;
}
export type SamlConnectionInput = CommonInput & SamlIdpSource & { type: 'saml'; allowIdpInitiated?: boolean; clockSkewSeconds?: number };
export type OidcConnectionInput = CommonInput & { type: 'oidc'; issuer: string; clientId: string; clientSecret: string; scopes?: string[] };
export type ConnectionInput = SamlConnectionInput | OidcConnectionInput;

export interface ConnectionPatch {
  name?: string;
  status?: SsoConnectionRow['status'];
  allowIdpInitiated?: boolean;
  jitProvisioning?: boolean;
  attributeMapping?: AttributeMapping;
  clockSkewSeconds?: number;
  metadataXml?: string;
  metadataUrl?: string;
  issuer?: string;
  clientId?: string;
  clientSecret?: string;
  scopes?: string[];
}

export interface ConnectionDeps {
  db: Db;
  runner: CommandRunner;
  newId: () => string;
  clock: Clock;
  master: MasterKey;
  identity: IdentityService;
  publicUrl: string;
  /** Checks an OIDC issuer and client before they are saved (discovery); throws `sso.metadata_unreachable` or `sso.connection_invalid`. */
  checkOidc: (config: OidcConnectionConfig) => Promise<void>;
}

type Page = { limit: number; cursor?: string };

/** A connection of an organization, read in `reader`. Throws `sso.connection_not_found`. */
export async function requireConnection(reader: Db | Trx, org: Pick<Organization, 'id' | 'slug'>, id: string): Promise<SsoConnectionRow> {
  const row = await reader.selectFrom('sso_connections').selectAll().where('org_id', '=', org.id).where('id', '=', id).executeTakeFirst();
  if (!row) throw new KeyledgerError('sso.connection_not_found', `no SSO connection "${id}" in "${org.slug}"`);
  return row;
}

function checkName(name: unknown): string {
  if (typeof name !== 'string' || name.trim() === '' || name.length > 200) throw new KeyledgerError('sso.connection_invalid', 'name must be 1–200 characters', { field: 'name' });
  return name.trim();
}

/** An IdP endpoint URL as stored: https, or http on this machine only. Throws `sso.connection_invalid`. */
export function checkEndpointUrl(value: unknown, field: string): string {
  return checkConnectionUrl(String(value), field).toString();
}

/**
 * SSO connections of an organization: SAML 2.0 (IdP metadata imported from
 * XML, a URL, or entered by hand; an SP key pair generated per connection;
 * IdP signing certificates with rollover) and OIDC (issuer checked by
 * discovery before saving). The SP private key and the client secret are
 * envelope-encrypted and never leave the service except to the protocol code.
 */
export function createConnectionService(deps: ConnectionDeps) {
  const { db, runner, newId, clock, master, identity, publicUrl } = deps;
  const seal = (secret: string, purpose: string): string => JSON.stringify(encryptSecret(master, Buffer.from(secret, 'utf8'), purpose));
  const unseal = (text: string, purpose: string): string => decryptSecret(master, JSON.parse(text) as Envelope, purpose).toString('utf8');
  const view = (row: SsoConnectionRow) => toConnection(row, publicUrl);

  /** The IdP half of a SAML connection's settings, from whichever source was given. */
  async function samlIdp(source: Partial<SamlIdpSource>, now: Date): Promise<Pick<SamlSettings, 'idpEntityId' | 'ssoUrl' | 'ssoBinding' | 'certificates' | 'metadataUrl'>> {
    let xml: string | null = null;
    let metadataUrl: string | null = null;
    if ('metadataXml' in source && source.metadataXml !== undefined) xml = source.metadataXml;
    else if ('metadataUrl' in source && source.metadataUrl !== undefined) {
      metadataUrl = checkEndpointUrl(source.metadataUrl, 'metadataUrl');
      xml = await fetchIdpMetadata(metadataUrl);
    }
    const parsed = xml !== null ? parseIdpMetadata(xml) : null;
    const manual = 'idp' in source ? source.idp : undefined;
    if (!parsed && !manual) throw new KeyledgerError('sso.connection_invalid', 'a SAML connection needs metadataXml, metadataUrl or idp', { field: 'metadataXml' });
    const entityId = parsed?.entityId ?? manual!.entityId;
    if (typeof entityId !== 'string' || entityId.trim() === '' || entityId.length > 1024) throw new KeyledgerError('sso.connection_invalid', 'the IdP entity id must be 1–1024 characters', { field: 'idp.entityId' });
    const pems = parsed?.certificates ?? manual!.certificates;
    if (!Array.isArray(pems) || pems.length === 0) throw new KeyledgerError('sso.connection_invalid', 'a SAML connection needs at least one IdP signing certificate', { field: 'idp.certificates' });
    return {
      idpEntityId: entityId.trim(),
      ssoUrl: checkEndpointUrl(parsed?.ssoUrl ?? manual!.ssoUrl, 'idp.ssoUrl'),
      ssoBinding: parsed?.ssoBinding ?? 'redirect',
      certificates: dedupe(pems.map((pem) => trusted(pem, now))),
      metadataUrl,
    };
  }

  function trusted(pem: string, now: Date): TrustedCertificate {
    const info = readCertificate(pem, now);
    return { pem: info.pem, fingerprint: info.fingerprint, subject: info.subject, notBefore: info.notBefore, notAfter: info.notAfter, addedAt: now.toISOString() };
  }

  async function loadOrg(trx: Trx, orgRef: string): Promise<Organization> {
    return identity.requireOrg(orgRef, trx);
  }

  async function update(scope: CommandScope, row: SsoConnectionRow, set: Partial<SsoConnectionRow>, before: Record<string, unknown>, after: Record<string, unknown>): Promise<SsoConnectionRow> {
    const next = { ...row, ...set, updated_at: scope.now.toISOString() };
    await scope.trx.updateTable('sso_connections').set({ ...set, updated_at: next.updated_at }).where('id', '=', row.id).execute();
    if (Object.keys(after).length > 0) scope.record({ action: 'sso.connection.updated', org: row.org_id, targets: [{ type: 'sso_connection', id: row.id, display: next.name }], data: { before, after } });
    return next;
  }

  return {
    view,

    /** Creates a connection (with the id a setup link reserved, when given); SAML connections get their own SP key pair. Throws `sso.connection_invalid`, `sso.metadata_invalid`, `sso.metadata_unreachable`, `sso.certificate_invalid`, `organization.not_found`. */
    async create(ctx: CommandContext, orgRef: string, input: ConnectionInput, options: { id?: string } = {}): Promise<Connection> {
      const name = checkName(input.name);
      const attributeMapping = checkAttributeMapping(input.attributeMapping);
      // An unknown organization is refused before any metadata is fetched or key generated.
      await identity.requireOrg(orgRef);
      // A setup link reserved its connection's id, so the SP addresses it showed stay true.
      const id = options.id ?? newId();
      // Network and key generation happen before the transaction opens.
      let settings: SamlSettings | OidcSettings;
      let secret: string;
      let spCertificate: string | null = null;
      const now = clock.now();
      if (input.type === 'saml') {
        const idp = await samlIdp(input, now);
        settings = { ...idp, clockSkewSeconds: checkClockSkew(input.clockSkewSeconds) };
        const keys = await generateSpKeyPair(`Keyledger SSO ${id}`, now);
        secret = seal(keys.privateKeyPem, SP_KEY_PURPOSE);
        spCertificate = keys.certificatePem;
      } else {
        const issuer = checkEndpointUrl(input.issuer, 'issuer').replace(/\/$/, '');
        if (typeof input.clientId !== 'string' || input.clientId === '' || typeof input.clientSecret !== 'string' || input.clientSecret === '') {
          throw new KeyledgerError('sso.connection_invalid', 'an OIDC connection needs clientId and clientSecret', { field: 'clientId' });
        }
        settings = { issuer, clientId: input.clientId, scopes: checkScopes(input.scopes) };
        await deps.checkOidc({ ...settings, clientSecret: input.clientSecret, redirectUri: connectionUrls(publicUrl, id).redirectUri });
        secret = seal(input.clientSecret, CLIENT_SECRET_PURPOSE);
      }
      const { result } = await runner.run(ctx, async ({ trx, now: at, record }) => {
        const org = await loadOrg(trx, orgRef);
        // A setup link configures one connection: saving it twice (two tabs, a double click) is refused, not a database error.
        if (options.id && (await trx.selectFrom('sso_connections').select('id').where('id', '=', id).executeTakeFirst())) {
          throw new KeyledgerError('sso.connection_invalid', 'this setup link has configured its connection already; change it from the setup page or the admin API', { field: 'id', reason: 'exists' });
        }
        const time = at.toISOString();
        const row: SsoConnectionRow = {
          id,
          org_id: org.id,
          type: input.type,
          name,
          status: 'active',
          allow_idp_initiated: input.type === 'saml' && input.allowIdpInitiated ? 1 : 0,
          jit_provisioning: input.jitProvisioning === false ? 0 : 1,
          settings: JSON.stringify(settings),
          secret,
          sp_certificate: spCertificate,
          attribute_mapping: JSON.stringify(attributeMapping),
          created_at: time,
          updated_at: time,
          last_login_at: null,
        };
        await trx.insertInto('sso_connections').values(row).execute();
        const saml = input.type === 'saml' ? (settings as SamlSettings) : null;
        record({
          action: 'sso.connection.created',
          org: org.id,
          targets: [{ type: 'sso_connection', id, display: name }],
          data: {
            type: input.type,
            name,
            idp: saml ? saml.idpEntityId : (settings as OidcSettings).issuer,
            spEntityId: saml ? connectionUrls(publicUrl, id).spEntityId : null,
            allowIdpInitiated: row.allow_idp_initiated === 1,
            jitProvisioning: row.jit_provisioning === 1,
            certificates: saml ? saml.certificates.map((c) => c.fingerprint) : [],
          },
        });
        return view(row);
      });
      return result;
    },

    async get(orgRef: string, id: string): Promise<Connection> {
      const org = await identity.requireOrg(orgRef);
      return view(await requireConnection(db, org, id));
    },

    /** A connection of the organization (by id), or null. */
    async find(orgId: string, id: string): Promise<Connection | null> {
      const row = await db.selectFrom('sso_connections').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
      return row ? view(row) : null;
    },

    async list(orgRef: string, p: Page): Promise<{ items: Connection[]; nextCursor: string | null }> {
      const org = await identity.requireOrg(orgRef);
      const after = p.cursor ? decodeCursor(p.cursor, 'sso_connection') : null;
      let q = db.selectFrom('sso_connections').selectAll().where('org_id', '=', org.id).orderBy('id').limit(p.limit + 1);
      if (after) q = q.where('id', '>', after);
      const rows = await q.execute();
      const items = rows.slice(0, p.limit).map(view);
      return { items, nextCursor: rows.length > p.limit ? encodeCursor('sso_connection', items[items.length - 1].id) : null };
    },

    /** Changes a connection; a new metadata import replaces the IdP endpoints and certificates. Throws as `create`, and `sso.connection_not_found`. */
    async update(ctx: CommandContext, orgRef: string, id: string, patch: ConnectionPatch): Promise<Connection> {
      const org = await identity.requireOrg(orgRef);
      const current = await requireConnection(db, org, id);
      const now = clock.now();
      const set: Partial<SsoConnectionRow> = {};
      const before: Record<string, unknown> = {};
      const after: Record<string, unknown> = {};
      const change = (field: string, was: unknown, is: unknown) => {
        if (JSON.stringify(was) === JSON.stringify(is)) return;
        before[field] = was;
        after[field] = is;
      };
      if (patch.name !== undefined) change('name', current.name, (set.name = checkName(patch.name)));
      if (patch.status !== undefined) change('status', current.status, (set.status = patch.status));
      if (patch.jitProvisioning !== undefined) change('jitProvisioning', current.jit_provisioning === 1, (set.jit_provisioning = patch.jitProvisioning ? 1 : 0) === 1);
      if (patch.attributeMapping !== undefined) {
        const mapping = checkAttributeMapping(patch.attributeMapping);
        change('attributeMapping', JSON.parse(current.attribute_mapping), mapping);
        set.attribute_mapping = JSON.stringify(mapping);
      }
      if (current.type === 'saml') {
        if (patch.issuer !== undefined || patch.clientId !== undefined || patch.clientSecret !== undefined || patch.scopes !== undefined) throw new KeyledgerError('sso.connection_invalid', 'issuer, clientId, clientSecret and scopes belong to OIDC connections', { field: 'issuer' });
        if (patch.allowIdpInitiated !== undefined) change('allowIdpInitiated', current.allow_idp_initiated === 1, (set.allow_idp_initiated = patch.allowIdpInitiated ? 1 : 0) === 1);
        const saml = readSamlSettings(current);
        let next: SamlSettings = { ...saml };
        if (patch.clockSkewSeconds !== undefined) next.clockSkewSeconds = checkClockSkew(patch.clockSkewSeconds);
        if (patch.metadataXml !== undefined || patch.metadataUrl !== undefined) {
          next = { ...next, ...(await samlIdp(patch.metadataXml !== undefined ? { metadataXml: patch.metadataXml } : { metadataUrl: patch.metadataUrl! }, now)) };
        }
        change('clockSkewSeconds', saml.clockSkewSeconds, next.clockSkewSeconds);
        change('idpEntityId', saml.idpEntityId, next.idpEntityId);
        change('ssoUrl', saml.ssoUrl, next.ssoUrl);
        change('certificates', saml.certificates.map((c) => c.fingerprint), next.certificates.map((c) => c.fingerprint));
        change('metadataUrl', saml.metadataUrl, next.metadataUrl);
        set.settings = JSON.stringify(next);
      } else {
        if (patch.allowIdpInitiated || patch.clockSkewSeconds !== undefined || patch.metadataXml !== undefined || patch.metadataUrl !== undefined) throw new KeyledgerError('sso.connection_invalid', 'IdP-initiated sign-in, clock skew and metadata belong to SAML connections', { field: 'metadataXml' });
        const oidc = readOidcSettings(current);
        const next: OidcSettings = {
          issuer: patch.issuer !== undefined ? checkEndpointUrl(patch.issuer, 'issuer').replace(/\/$/, '') : oidc.issuer,
          clientId: patch.clientId !== undefined ? patch.clientId : oidc.clientId,
          scopes: patch.scopes !== undefined ? checkScopes(patch.scopes) : oidc.scopes,
        };
        if (next.clientId === '') throw new KeyledgerError('sso.connection_invalid', 'clientId must not be empty', { field: 'clientId' });
        const clientSecret = patch.clientSecret ?? unseal(current.secret!, CLIENT_SECRET_PURPOSE);
        if (clientSecret === '') throw new KeyledgerError('sso.connection_invalid', 'clientSecret must not be empty', { field: 'clientSecret' });
        if (patch.issuer !== undefined || patch.clientId !== undefined || patch.clientSecret !== undefined || patch.scopes !== undefined) {
          await deps.checkOidc({ ...next, clientSecret, redirectUri: connectionUrls(publicUrl, id).redirectUri });
        }
        change('issuer', oidc.issuer, next.issuer);
        change('clientId', oidc.clientId, next.clientId);
        change('scopes', oidc.scopes, next.scopes);
        if (patch.clientSecret !== undefined) {
          before.clientSecret = 'unchanged';
          after.clientSecret = 'changed';
          set.secret = seal(patch.clientSecret, CLIENT_SECRET_PURPOSE);
        }
        set.settings = JSON.stringify(next);
      }
      // Nothing differs (the same name, the same metadata again): nothing is written or recorded.
      if (Object.keys(after).length === 0) return view(current);
      const { result } = await runner.run(ctx, async (scope) => view(await update(scope, await requireConnection(scope.trx, org, id), set, before, after)));
      return result;
    },

    /** Trusts one more IdP signing certificate (rollover); one already trusted records nothing. Throws `sso.certificate_invalid`, `sso.connection_invalid` on an OIDC connection. */
    async addCertificate(ctx: CommandContext, orgRef: string, id: string, certificate: string): Promise<Connection> {
      const org = await identity.requireOrg(orgRef);
      // Which connection before what certificate: an unknown one is 404 whatever the body says.
      await requireConnection(db, org, id);
      const cert = trusted(certificate, clock.now());
      return runUnlessUnchanged(runner, ctx, async (scope) => {
        const row = await requireConnection(scope.trx, org, id);
        if (row.type !== 'saml') throw new KeyledgerError('sso.connection_invalid', 'certificates belong to SAML connections', { field: 'certificate' });
        const saml = readSamlSettings(row);
        if (saml.certificates.some((c) => c.fingerprint === cert.fingerprint)) throw new Unchanged(view(row));
        const next = await update(scope, row, { settings: JSON.stringify({ ...saml, certificates: [...saml.certificates, cert] }) }, {}, {});
        scope.record({ action: 'sso.certificate.added', org: org.id, targets: [{ type: 'sso_connection', id, display: row.name }], data: { connectionId: id, fingerprint: cert.fingerprint, subject: cert.subject, notAfter: cert.notAfter } });
        return view(next);
      });
    },

    /** Stops trusting a certificate; the last one cannot go. Throws `sso.certificate_not_found`, `sso.certificate_last`. */
    async removeCertificate(ctx: CommandContext, orgRef: string, id: string, fingerprint: string): Promise<Connection> {
      const org = await identity.requireOrg(orgRef);
      const { result } = await runner.run(ctx, async (scope) => {
        const row = await requireConnection(scope.trx, org, id);
        const saml = row.type === 'saml' ? readSamlSettings(row) : null;
        const wanted = fingerprint.toLowerCase().replace(/:/g, '');
        if (!saml || !saml.certificates.some((c) => c.fingerprint === wanted)) throw new KeyledgerError('sso.certificate_not_found', `no certificate "${fingerprint}" on connection "${id}"`);
        const remaining = saml.certificates.filter((c) => c.fingerprint !== wanted);
        if (remaining.length === 0) throw new KeyledgerError('sso.certificate_last', 'a SAML connection keeps at least one signing certificate; add the new one first');
        const next = await update(scope, row, { settings: JSON.stringify({ ...saml, certificates: remaining }) }, {}, {});
        scope.record({ action: 'sso.certificate.removed', org: org.id, targets: [{ type: 'sso_connection', id, display: row.name }], data: { connectionId: id, fingerprint: wanted } });
        return view(next);
      });
      return result;
    },

    /** Deletes a connection with its rules, pending sign-ins and linked subjects; accounts and their sessions stay. */
    async delete(ctx: CommandContext, orgRef: string, id: string): Promise<void> {
      const org = await identity.requireOrg(orgRef);
      await runner.run(ctx, async ({ trx, record }) => {
        const row = await requireConnection(trx, org, id);
        const linked = await trx.deleteFrom('sso_identities').where('connection_id', '=', id).executeTakeFirst();
        for (const table of ['sso_group_role_mappings', 'sso_login_states', 'sso_replays', 'sso_connection_tests', 'sso_test_links'] as const) await trx.deleteFrom(table).where('connection_id', '=', id).execute();
        await trx.deleteFrom('sso_connections').where('id', '=', id).execute();
        record({ action: 'sso.connection.deleted', org: org.id, targets: [{ type: 'sso_connection', id, display: row.name }], data: { type: row.type, name: row.name, unlinkedIdentities: Number(linked.numDeletedRows) } });
      });
    },

    /** The SAML SP metadata of a connection (public). Throws `sso.connection_not_found` for unknown or OIDC connections. */
    async findSamlConnection(id: string): Promise<SsoConnectionRow | undefined> {
      const row = await db.selectFrom('sso_connections').selectAll().where('id', '=', id).executeTakeFirst();
      return row?.type === 'saml' ? row : undefined;
    },

    /** Everything the SAML protocol code needs for a connection, the SP private key decrypted. */
    samlConfig(row: SsoConnectionRow): SamlConnectionConfig {
      const saml = readSamlSettings(row);
      const urls = connectionUrls(publicUrl, row.id);
      return {
        idpEntityId: saml.idpEntityId,
        ssoUrl: saml.ssoUrl,
        ssoBinding: saml.ssoBinding,
        certificates: saml.certificates.map((c) => c.pem),
        spEntityId: urls.spEntityId,
        acsUrl: urls.acsUrl,
        spPrivateKeyPem: unseal(row.secret!, SP_KEY_PURPOSE),
        spCertificatePem: row.sp_certificate!,
        clockSkewSeconds: saml.clockSkewSeconds,
        allowIdpInitiated: row.allow_idp_initiated === 1,
      };
    },

    /** Everything the OIDC protocol code needs for a connection, the client secret decrypted. */
    oidcConfig(row: SsoConnectionRow): OidcConnectionConfig {
      const oidc = readOidcSettings(row);
      return { issuer: oidc.issuer, clientId: oidc.clientId, clientSecret: unseal(row.secret!, CLIENT_SECRET_PURPOSE), scopes: oidc.scopes, redirectUri: connectionUrls(publicUrl, row.id).redirectUri };
    },
  };
}

function dedupe(certs: TrustedCertificate[]): TrustedCertificate[] {
  const seen = new Set<string>();
  return certs.filter((c) => !seen.has(c.fingerprint) && seen.add(c.fingerprint) !== undefined);
}

export type ConnectionService = ReturnType<typeof createConnectionService>;
