import type { Db } from '../../platform/database.ts';
import type { Clock } from '../../platform/clock.ts';
import { KeyledgerError } from '../../platform/errors.ts';
import type { OidcApplicationRow } from '../../platform/schema.ts';
import type { CommandRunner, CommandScope } from '../../audit/command-runner.ts';
import type { CommandContext } from '../../audit/event.ts';
import type { IdentityService } from '../../identity/service.ts';
import { diffFields } from '../../identity/views.ts';
import { decodeCursor, encodeCursor } from '../../platform/pagination.ts';
import * as repo from './repository.ts';
import { APPLICATION_DEFAULTS, MAX_SECRET_OVERLAP_SECONDS, checkApplicationSettings, defaultAuthMethod, type ApplicationSettings, type GrantType, type RequiredAcr, type TokenEndpointAuthMethod } from './check-application.ts';
import type { ApplicationType } from './check-redirect-uris.ts';
import { summarizeJwks, type Jwks } from './check-jwks.ts';
import { issueClientSecret, secretMatches } from './client-secrets.ts';
import { settingsColumns, settingsOf, toApplication, toApplicationClient, type Application, type ApplicationClient } from './views.ts';

export interface ApplicationInput {
  name: string;
  description?: string | null;
  type: ApplicationType;
  /** Defaults to client_secret_basic for web apps, none for spa and native. */
  tokenEndpointAuthMethod?: TokenEndpointAuthMethod;
  jwks?: Jwks | null;
  redirectUris?: string[];
  postLogoutRedirectUris?: string[];
  grantTypes?: string[];
  scopes?: string[];
  accessTokenTtlSeconds?: number;
  refreshTokenTtlSeconds?: number;
  idTokenTtlSeconds?: number;
  requiredAcr?: RequiredAcr;
  firstParty?: boolean;
}

/** What a change may touch: the type and the token endpoint method are fixed at creation. */
export type ApplicationPatch = Partial<Omit<ApplicationInput, 'type' | 'tokenEndpointAuthMethod'>> & { status?: OidcApplicationRow['status'] };

/**
 * Runs inside the command that disables or deletes an application (same
 * transaction), so that what was issued to it ends with it: the token store
 * purges its grants and tokens.
 */
export type ApplicationRevocationHook = (scope: CommandScope, target: { applicationId: string }) => Promise<void>;

export interface ApplicationServiceDeps {
  db: Db;
  runner: CommandRunner;
  clock: Clock;
  newId: () => string;
  identity: Pick<IdentityService, 'requireOrg'>;
  revocationHooks?: ApplicationRevocationHook[];
}

type Page = { limit: number; cursor?: string };

const MAX_CLIENT_ID_LENGTH = 100;

/** The settings an event records: the JWKS as kid + thumbprint per key, never a secret or a hash. */
function recordedFields(app: Application) {
  return { name: app.name, description: app.description, ...settingsOf(app), jwks: summarizeJwks(app.jwks) };
}

function checkName(name: unknown): string {
  if (typeof name !== 'string' || name.trim().length === 0 || name.length > 100) throw new KeyledgerError('request.invalid', 'name must be 1 to 100 characters');
  return name;
}

function checkDescription(description: unknown): string | null {
  if (description === undefined || description === null) return null;
  if (typeof description !== 'string' || description.length > 1000) throw new KeyledgerError('request.invalid', 'description must be at most 1000 characters');
  return description;
}

/** The settings a change may touch; the type and the token endpoint method are fixed at creation. */
const PATCHABLE_SETTINGS = ['jwks', 'redirectUris', 'postLogoutRedirectUris', 'grantTypes', 'scopes', 'accessTokenTtlSeconds', 'refreshTokenTtlSeconds', 'idTokenTtlSeconds', 'requiredAcr', 'firstParty'] as const;

/** The settings `patch` sets (undefined means "leave as is"). */
function patchedSettings(patch: ApplicationPatch): Partial<ApplicationSettings> {
  const out: Record<string, unknown> = {};
  for (const key of PATCHABLE_SETTINGS) if (patch[key] !== undefined) out[key] = patch[key];
  return out as Partial<ApplicationSettings>;
}

/**
 * OIDC applications (the OAuth clients of an organization's own apps):
 * registration and changes through the admin API, and the lookups the OIDC
 * provider makes on every request (findClient, verifySecret).
 */
export function createApplicationService(deps: ApplicationServiceDeps) {
  const { db, runner, clock, newId, identity } = deps;
  const revocationHooks = deps.revocationHooks ?? [];

  async function requireApplication(reader: Db | CommandScope['trx'], orgId: string, id: string): Promise<OidcApplicationRow> {
    const row = await repo.findApplicationInOrg(reader, orgId, id);
    if (!row) throw new KeyledgerError('application.not_found', `no application "${id}" in this organization`);
    return row;
  }

  /** The application, locked for the running command (see lockApplicationInOrg). */
  async function lockApplication(scope: CommandScope, orgId: string, id: string): Promise<OidcApplicationRow> {
    const row = await repo.lockApplicationInOrg(scope.trx, orgId, id, scope.now.toISOString());
    if (!row) throw new KeyledgerError('application.not_found', `no application "${id}" in this organization`);
    return row;
  }

  async function revokeIssued(scope: CommandScope, applicationId: string): Promise<void> {
    for (const hook of revocationHooks) await hook(scope, { applicationId });
  }

  return {
    /** Called inside the command that disables or deletes an application; the token store adds its purge here. */
    revocationHooks,

    /**
     * Registers an application. For a web app with client_secret_basic the
     * plaintext `clientSecret` is returned here, once, and never again.
     * Throws `organization.not_found`, `request.invalid` and the `application.*` rule codes.
     */
    async create(ctx: CommandContext, orgRef: string, input: ApplicationInput): Promise<{ application: Application; clientSecret?: string }> {
      const org = await identity.requireOrg(orgRef);
      const name = checkName(input.name);
      const description = checkDescription(input.description);
      const settings = checkApplicationSettings({
        type: input.type,
        tokenEndpointAuthMethod: input.tokenEndpointAuthMethod ?? defaultAuthMethod(input.type),
        jwks: input.jwks ?? null,
        redirectUris: input.redirectUris ?? [],
        postLogoutRedirectUris: input.postLogoutRedirectUris ?? [],
        grantTypes: (input.grantTypes ?? APPLICATION_DEFAULTS.grantTypes) as GrantType[],
        scopes: input.scopes ?? [...APPLICATION_DEFAULTS.scopes],
        accessTokenTtlSeconds: input.accessTokenTtlSeconds ?? APPLICATION_DEFAULTS.accessTokenTtlSeconds,
        refreshTokenTtlSeconds: input.refreshTokenTtlSeconds ?? APPLICATION_DEFAULTS.refreshTokenTtlSeconds,
        idTokenTtlSeconds: input.idTokenTtlSeconds ?? APPLICATION_DEFAULTS.idTokenTtlSeconds,
        requiredAcr: input.requiredAcr ?? null,
        firstParty: input.firstParty ?? APPLICATION_DEFAULTS.firstParty,
      });
      const { result } = await runner.run(ctx, async ({ trx, now, record }) => {
        const id = newId();
        const issued = settings.tokenEndpointAuthMethod === 'client_secret_basic' ? issueClientSecret() : null;
        const time = now.toISOString();
        const row: OidcApplicationRow = {
          id,
          org_id: org.id,
          name,
          description,
          client_id: id,
          ...settingsColumns(settings),
          secret_hash: issued?.hash ?? null,
          secret_prefix: issued?.prefix ?? null,
          previous_secret_hash: null,
          previous_secret_expires_at: null,
          status: 'active',
          created_at: time,
          updated_at: time,
        };
        await trx.insertInto('oidc_applications').values(row).execute();
        const application = toApplication(row);
        record({
          action: 'oidc.application.created',
          org: org.id,
          targets: [{ type: 'oidc_application', id, display: name }],
          data: { clientId: row.client_id, ...recordedFields(application), secretPrefix: row.secret_prefix },
        });
        return { application, ...(issued ? { clientSecret: issued.secret } : {}) };
      });
      return result;
    },

    /**
     * Changes an application; the result is checked as a whole (grant types
     * against redirect URIs and so on). Disabling it runs the revocation hooks
     * in the same transaction. Throws `application.not_found` and the rule codes.
     */
    async update(ctx: CommandContext, orgRef: string, id: string, patch: ApplicationPatch): Promise<Application> {
      const org = await identity.requireOrg(orgRef);
      const { status, name, description } = patch;
      if (status !== undefined && status !== 'active' && status !== 'disabled') throw new KeyledgerError('request.invalid', `status must be active or disabled, got ${JSON.stringify(status)}`);
      const { result } = await runner.run(ctx, async (scope) => {
        const { trx, now, record } = scope;
        const before = toApplication(await lockApplication(scope, org.id, id));
        const settings = checkApplicationSettings({ ...settingsOf(before), jwks: before.jwks, ...patchedSettings(patch) });
        const after: Application = {
          ...before,
          ...settings,
          name: name !== undefined ? checkName(name) : before.name,
          description: description !== undefined ? checkDescription(description) : before.description,
          status: status ?? before.status,
          updatedAt: now.toISOString(),
        };
        await trx
          .updateTable('oidc_applications')
          .set({ name: after.name, description: after.description, ...settingsColumns(settings), status: after.status, updated_at: after.updatedAt })
          .where('id', '=', id)
          .execute();
        const target = [{ type: 'oidc_application', id, display: after.name }];
        const diff = diffFields(recordedFields(before), recordedFields(after));
        const statusChanged = after.status !== before.status;
        if (Object.keys(diff.after).length > 0 || !statusChanged) record({ action: 'oidc.application.updated', org: org.id, targets: target, data: diff });
        if (statusChanged) {
          record({ action: after.status === 'disabled' ? 'oidc.application.disabled' : 'oidc.application.enabled', org: org.id, targets: target, data: { clientId: after.clientId, name: after.name } });
          if (after.status === 'disabled') await revokeIssued(scope, id);
        }
        return after;
      });
      return result;
    },

    /**
     * Replaces the client secret of a client_secret_basic app; the new secret is
     * returned once. The replaced one stays valid for `overlapSeconds` (0 to 7 days,
     * default 0: ends now); a rotation ends any older overlap.
     * Throws `application.not_found`, `application.secret_not_applicable`, `request.invalid`.
     */
    async rotateSecret(ctx: CommandContext, orgRef: string, id: string, options: { overlapSeconds?: number } = {}): Promise<{ application: Application; clientSecret: string }> {
      const org = await identity.requireOrg(orgRef);
      const overlap = options.overlapSeconds ?? 0;
      if (!Number.isInteger(overlap) || overlap < 0 || overlap > MAX_SECRET_OVERLAP_SECONDS) {
        throw new KeyledgerError('request.invalid', `overlapSeconds must be a whole number from 0 to ${MAX_SECRET_OVERLAP_SECONDS} (7 days), got ${overlap}`);
      }
      const { result } = await runner.run(ctx, async (scope) => {
        const { trx, now, record } = scope;
        const row = await lockApplication(scope, org.id, id);
        if (row.token_endpoint_auth_method !== 'client_secret_basic') {
          throw new KeyledgerError('application.secret_not_applicable', `application "${id}" authenticates with ${row.token_endpoint_auth_method}; only client_secret_basic apps have a client secret`, { tokenEndpointAuthMethod: row.token_endpoint_auth_method });
        }
        const issued = issueClientSecret();
        const expiresAt = overlap > 0 ? new Date(now.getTime() + overlap * 1000).toISOString() : null;
        const changes = {
          secret_hash: issued.hash,
          secret_prefix: issued.prefix,
          previous_secret_hash: overlap > 0 ? row.secret_hash : null,
          previous_secret_expires_at: expiresAt,
          updated_at: now.toISOString(),
        };
        await trx.updateTable('oidc_applications').set(changes).where('id', '=', id).execute();
        record({
          action: 'oidc.application.secret_rotated',
          org: org.id,
          targets: [{ type: 'oidc_application', id, display: row.name }],
          data: { clientId: row.client_id, secretPrefix: issued.prefix, previousSecretPrefix: row.secret_prefix, overlapSeconds: overlap, previousSecretExpiresAt: expiresAt },
        });
        return { application: toApplication({ ...row, ...changes }), clientSecret: issued.secret };
      });
      return result;
    },

    /** Removes an application; the revocation hooks run first, in the same transaction. Throws `application.not_found`. */
    async delete(ctx: CommandContext, orgRef: string, id: string): Promise<void> {
      const org = await identity.requireOrg(orgRef);
      await runner.run(ctx, async (scope) => {
        const row = await requireApplication(scope.trx, org.id, id);
        await revokeIssued(scope, id);
        await scope.trx.deleteFrom('oidc_applications').where('id', '=', id).execute();
        scope.record({ action: 'oidc.application.deleted', org: org.id, targets: [{ type: 'oidc_application', id, display: row.name }], data: { clientId: row.client_id, name: row.name, type: row.type } });
      });
    },

    async get(orgRef: string, id: string): Promise<Application> {
      const org = await identity.requireOrg(orgRef);
      return toApplication(await requireApplication(db, org.id, id));
    },

    async list(orgRef: string, p: Page): Promise<{ items: Application[]; nextCursor: string | null }> {
      const org = await identity.requireOrg(orgRef);
      const afterId = p.cursor ? decodeCursor(p.cursor, 'application') : undefined;
      const rows = await repo.listApplicationsByOrg(db, org.id, afterId, p.limit + 1);
      const items = rows.slice(0, p.limit).map(toApplication);
      return { items, nextCursor: rows.length > p.limit ? encodeCursor('application', items[items.length - 1].id) : null };
    },

    /** The client the provider may serve under this client id: only an active application of an existing organization. */
    async findClient(clientId: string): Promise<ApplicationClient | undefined> {
      if (typeof clientId !== 'string' || clientId.length === 0 || clientId.length > MAX_CLIENT_ID_LENGTH) return undefined;
      const row = await repo.findActiveApplicationByClientId(db, clientId);
      return row ? toApplicationClient(row) : undefined;
    },

    /**
     * Whether `presented` is the client secret of this active client_secret_basic
     * client: the current secret, or the previous one inside its overlap window.
     * Compared in constant time; an unknown or disabled client does the same work and fails.
     */
    async verifySecret(clientId: string, presented: string): Promise<boolean> {
      const row = typeof clientId === 'string' && clientId.length > 0 && clientId.length <= MAX_CLIENT_ID_LENGTH ? await repo.findActiveApplicationByClientId(db, clientId) : undefined;
      const stored = row?.token_endpoint_auth_method === 'client_secret_basic' ? row : undefined;
      return secretMatches(stored, presented, clock.now());
    },
  };
}

export type ApplicationService = ReturnType<typeof createApplicationService>;
