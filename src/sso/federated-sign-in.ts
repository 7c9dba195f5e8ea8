import { createHmac, randomBytes } from 'node:crypto';
import type { Db } from '../platform/database.ts';
import type { Clock } from '../platform/clock.ts';
import { KeyledgerError, isKeyledgerError } from '../platform/errors.ts';
import { hashToken } from '../platform/ids.ts';
import type { SsoConnectionRow, SsoLoginStateRow } from '../platform/schema-sso.ts';
import type { CommandRunner, CommandScope } from '../audit/command-runner.ts';
import type { CommandContext } from '../audit/event.ts';
import type { Session } from '../sessions/session.ts';
import type { User } from '../identity/views.ts';
import { acrForAmr } from '../authn/mfa-policy.ts';
import type { SessionOrg } from '../authn/sign-in.ts';
import type { FederatedIdentity } from './federated-identity.ts';
import type { ConnectionService } from './connections.ts';
import type { AccountLinker } from './account-link.ts';
import type { SsoGroupMappings } from './group-mappings.ts';
import { applyAttributeMapping } from './attribute-mapping.ts';
import { createAuthnRequest, validateSamlResponse } from './saml/service-provider.ts';
import { claimedInResponseTo } from './saml/response-structure.ts';
import { completeOidcCallback, createOidcAuthorizationUrl, flowSecrets, type OidcDiscoveryCache } from './oidc/index.ts';

/** How long a started sign-in may take at the IdP. */
export const LOGIN_STATE_TTL_MS = 10 * 60 * 1000;
/** How long an accepted token id is remembered when the token names no expiry. */
const DEFAULT_REPLAY_TTL_MS = 60 * 60 * 1000;

/** Where the browser goes to sign in at the IdP: a redirect, or a form to post (SAML POST binding). */
export type StartedSignIn = { connection: SsoConnectionRow; state: string } & ({ redirectUrl: string } | { form: { action: string; fields: Record<string, string> } });

/** What a "test connection" sign-in received. */
export interface ConnectionTestResult {
  id: string;
  connectionId: string;
  outcome: 'succeeded' | 'failed';
  subject: string | null;
  email: string | null;
  attributes: Record<string, string[]>;
  errorCode: string | null;
  createdAt: string;
}

export type SignInCompletion =
  | { kind: 'session'; user: User; session: Session; sessionToken: string; returnTo: string; provisioned: boolean; idpInitiated: boolean }
  | { kind: 'test'; result: ConnectionTestResult; setupLinkId: string | null; returnTo: string };

export interface FederatedSignInDeps {
  db: Db;
  runner: CommandRunner;
  clock: Clock;
  newId: () => string;
  /** Derives per-sign-in OIDC nonces and PKCE verifiers (never stored). */
  flowKey: Buffer;
  connections: ConnectionService;
  linker: AccountLinker;
  groups: SsoGroupMappings;
  discovery: OidcDiscoveryCache;
  openSessionInScope: (scope: CommandScope, ctx: CommandContext, user: Pick<User, 'id' | 'email'>, org: SessionOrg | null, amr: string[], acr: string) => Promise<{ session: Session; sessionToken: string }>;
}

/** A refusal decided inside the completing command: rolled back, then recorded in its own. */
interface FailureFacts {
  subject: string | null;
  tokenId: string | null;
  email: string | null;
}

/**
 * Signing in through an organization's IdP: `start` records a pending sign-in
 * (only the SHA-256 of its state) and sends the browser to the IdP; the
 * `complete…` functions check what came back (the protocol checks in
 * `saml/` and `oidc/`, then the pending sign-in consumed once, the token id
 * never seen before), link or provision the account, sync group roles and
 * open the session, all in one command with `sso.login.succeeded`. Every
 * refusal is `sso.login.failed` and opens nothing. A "test connection"
 * sign-in stops after the checks and records what it received.
 */
export function createFederatedSignIn(deps: FederatedSignInDeps) {
  const { db, runner, clock, newId, connections, linker, groups, discovery } = deps;
  const secretsFor = (state: string) => flowSecrets(deps.flowKey, state);

  async function requireActive(id: string): Promise<SsoConnectionRow> {
    const row = await db.selectFrom('sso_connections').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new KeyledgerError('sso.connection_not_found', `no SSO connection "${id}"`);
    if (row.status !== 'active') throw new KeyledgerError('sso.connection_disabled', 'this SSO connection is disabled');
    return row;
  }

  /** Records a refusal in its own command; a test's refusal is its (failed) result, returned. */
  async function recordFailure(ctx: CommandContext, conn: SsoConnectionRow, purpose: SsoLoginStateRow['purpose'], err: KeyledgerError, facts: FailureFacts): Promise<ConnectionTestResult | null> {
    const { result } = await runner.run(ctx, async ({ trx, now, record }): Promise<ConnectionTestResult | null> => {
      const details = (err.details ?? {}) as { reason?: unknown };
      const reason = typeof details.reason === 'string' ? details.reason : null;
      if (purpose === 'test') {
        const tested: ConnectionTestResult = { id: newId(), connectionId: conn.id, outcome: 'failed', subject: facts.subject, email: facts.email, attributes: {}, errorCode: err.code, createdAt: now.toISOString() };
        await trx.insertInto('sso_connection_tests').values({ id: tested.id, connection_id: conn.id, org_id: conn.org_id, outcome: 'failed', subject: facts.subject, email: facts.email, attributes: '{}', error_code: err.code, created_at: tested.createdAt }).execute();
        record({ action: 'sso.connection.tested', org: conn.org_id, targets: [{ type: 'sso_connection', id: conn.id, display: conn.name }], data: { connectionId: conn.id, outcome: 'failed', subject: facts.subject, email: facts.email, attributes: [], code: err.code, reason } });
        return tested;
      }
      record({
        action: 'sso.login.failed',
        outcome: 'failure',
        reason: err.code,
        org: conn.org_id,
        targets: [{ type: 'sso_connection', id: conn.id, display: conn.name }],
        data: { connectionId: conn.id, type: conn.type, code: err.code, reason, subject: facts.subject, tokenId: facts.tokenId, email: facts.email },
      });
      return null;
    });
    return result;
  }

  /**
   * A refusal (only the `sso.*` ones; anything else is rethrown untouched) is recorded; a test's
   * comes back as its failed result for the browser to land on, a sign-in's is rethrown.
   */
  async function refuse(ctx: CommandContext, conn: SsoConnectionRow, state: SsoLoginStateRow | null, err: unknown, facts: FailureFacts): Promise<SignInCompletion> {
    if (!isKeyledgerError(err) || !err.code.startsWith('sso.')) throw err;
    const tested = await recordFailure(ctx, conn, state?.purpose ?? 'login', err, facts);
    if (tested) return { kind: 'test', result: tested, setupLinkId: state?.setup_link_id ?? null, returnTo: state?.return_to ?? '/' };
    throw err;
  }

  /** Marks the pending sign-in used; false when it was used, expired or unknown meanwhile. */
  async function consumeState(scope: CommandScope, where: { id: string }): Promise<boolean> {
    const r = await scope.trx.updateTable('sso_login_states').set({ consumed_at: scope.now.toISOString() }).where('id', '=', where.id).where('consumed_at', 'is', null).where('expires_at', '>', scope.now.toISOString()).executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /** Remembers an accepted token id; false when it was accepted before. Forgets expired ones on the way. */
  async function rememberToken(scope: CommandScope, conn: SsoConnectionRow, fid: FederatedIdentity): Promise<boolean> {
    const time = scope.now.toISOString();
    await scope.trx.deleteFrom('sso_replays').where('expires_at', '<', time).execute();
    const expires = fid.expiresAt && Date.parse(fid.expiresAt) > scope.now.getTime() ? fid.expiresAt : new Date(scope.now.getTime() + DEFAULT_REPLAY_TTL_MS).toISOString();
    // Kept past the token's expiry by the clock skew the checks allow, so a replay inside the skew is still caught.
    const keepUntil = new Date(Date.parse(expires) + 5 * 60 * 1000).toISOString();
    const r = await scope.trx.insertInto('sso_replays').values({ connection_id: conn.id, token_id: fid.tokenId, created_at: time, expires_at: keepUntil }).onConflict((oc) => oc.columns(['connection_id', 'token_id']).doNothing()).executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0n) === 1;
  }

  async function finish(ctx: CommandContext, conn: SsoConnectionRow, state: SsoLoginStateRow | null, raw: FederatedIdentity): Promise<SignInCompletion> {
    const fid = applyAttributeMapping(raw, JSON.parse(conn.attribute_mapping));
    const purpose = state?.purpose ?? 'login';
    const replayCode = conn.type === 'saml' ? 'sso.saml_replayed' : 'sso.oidc_callback_invalid';
    try {
      const { result } = await runner.run(ctx, async (scope): Promise<SignInCompletion> => {
        const { trx, now, record } = scope;
        if (state && !(await consumeState(scope, state))) throw new KeyledgerError(conn.type === 'saml' ? 'sso.saml_request_unknown' : 'sso.state_invalid', 'this sign-in was already completed or has expired', { reason: 'state_consumed' });
        if (!(await rememberToken(scope, conn, fid))) throw new KeyledgerError(replayCode, 'this assertion was already used to sign in', { reason: 'replayed' });
        if (purpose === 'test') {
          const result: ConnectionTestResult = { id: newId(), connectionId: conn.id, outcome: 'succeeded', subject: fid.subject, email: fid.email, attributes: fid.attributes, errorCode: null, createdAt: now.toISOString() };
          await trx.insertInto('sso_connection_tests').values({ id: result.id, connection_id: conn.id, org_id: conn.org_id, outcome: 'succeeded', subject: fid.subject, email: fid.email, attributes: JSON.stringify(fid.attributes), error_code: null, created_at: result.createdAt }).execute();
          record({ action: 'sso.connection.tested', org: conn.org_id, targets: [{ type: 'sso_connection', id: conn.id, display: conn.name }], data: { connectionId: conn.id, outcome: 'succeeded', subject: fid.subject, email: fid.email, attributes: Object.keys(fid.attributes), code: null, reason: null } });
          return { kind: 'test', result, setupLinkId: state?.setup_link_id ?? null, returnTo: state?.return_to ?? '/' };
        }
        const linked = await linker.linkInScope(scope, conn, fid);
        await groups.syncInScope(scope, conn, linked.user.id, fid.groups);
        const org = await trx.selectFrom('organizations').select(['id', 'settings']).where('id', '=', conn.org_id).executeTakeFirstOrThrow();
        const amr = fid.mfa ? ['fed', 'mfa'] : ['fed'];
        const opened = await deps.openSessionInScope(scope, ctx, linked.user, org, amr, acrForAmr(amr));
        await trx.updateTable('sso_connections').set({ last_login_at: now.toISOString() }).where('id', '=', conn.id).execute();
        record({
          action: 'sso.login.succeeded',
          org: conn.org_id,
          targets: [{ type: 'user', id: linked.user.id, display: linked.user.email }, { type: 'sso_connection', id: conn.id, display: conn.name }, { type: 'session', id: opened.session.id }],
          data: { connectionId: conn.id, type: conn.type, subject: fid.subject, issuer: fid.issuer, tokenId: fid.tokenId, userId: linked.user.id, sessionId: opened.session.id, provisioned: linked.provisioned, idpMfa: fid.mfa, idpInitiated: state === null },
        });
        return { kind: 'session', user: linked.user, ...opened, returnTo: state?.return_to ?? '/account', provisioned: linked.provisioned, idpInitiated: state === null };
      });
      return result;
    } catch (err) {
      return refuse(ctx, conn, state, err, { subject: fid.subject, tokenId: fid.tokenId, email: fid.email });
    }
  }

  /** Runs the protocol checks, then `finish`; a refusal by the checks is recorded as one of `state`'s purpose (`refuse`). */
  async function checked(ctx: CommandContext, conn: SsoConnectionRow, stateOnRefusal: () => SsoLoginStateRow | null, run: () => Promise<{ fid: FederatedIdentity; state: SsoLoginStateRow | null }>): Promise<SignInCompletion> {
    let checks: { fid: FederatedIdentity; state: SsoLoginStateRow | null };
    try {
      checks = await run();
    } catch (err) {
      return refuse(ctx, conn, stateOnRefusal(), err, { subject: null, tokenId: null, email: null });
    }
    return finish(ctx, conn, checks.state, checks.fid);
  }

  /** The pending (unused, unexpired) sign-in of a connection with this SAML request id, or null. */
  async function findPendingSamlState(conn: SsoConnectionRow, requestId: string | null): Promise<SsoLoginStateRow | null> {
    if (!requestId) return null;
    const row = await db.selectFrom('sso_login_states').selectAll().where('connection_id', '=', conn.id).where('request_id', '=', requestId).where('consumed_at', 'is', null).where('expires_at', '>', clock.now().toISOString()).executeTakeFirst();
    return row ?? null;
  }

  return {
    /** Records a pending sign-in and says where to send the browser. Throws `sso.connection_not_found`, `sso.connection_disabled`. */
    async start(ctx: CommandContext, connectionId: string, input: { returnTo: string; purpose?: SsoLoginStateRow['purpose']; setupLinkId?: string | null; loginHint?: string | null }): Promise<StartedSignIn> {
      const conn = await requireActive(connectionId);
      const state = randomBytes(32).toString('base64url');
      let requestId: string | null = null;
      let target: { redirectUrl: string } | { form: { action: string; fields: Record<string, string> } };
      if (conn.type === 'saml') {
        const request = await createAuthnRequest(connections.samlConfig(conn), state);
        requestId = request.requestId;
        target = 'redirectUrl' in request ? { redirectUrl: request.redirectUrl } : { form: request.form };
      } else {
        const config = connections.oidcConfig(conn);
        const configuration = await discovery.get(config);
        const { nonce, codeVerifier } = secretsFor(state);
        target = { redirectUrl: createOidcAuthorizationUrl(configuration, config, { state, nonce, codeVerifier, loginHint: input.loginHint ?? undefined }).toString() };
      }
      const now = clock.now();
      // Sign-ins abandoned at the IdP are forgotten an hour after they expired.
      await db.deleteFrom('sso_login_states').where('expires_at', '<', new Date(now.getTime() - 60 * 60 * 1000).toISOString()).execute();
      await db
        .insertInto('sso_login_states')
        .values({ id: newId(), connection_id: conn.id, org_id: conn.org_id, state_hash: hashToken(state), purpose: input.purpose ?? 'login', request_id: requestId, return_to: input.returnTo, setup_link_id: input.setupLinkId ?? null, created_at: now.toISOString(), expires_at: new Date(now.getTime() + LOGIN_STATE_TTL_MS).toISOString(), consumed_at: null })
        .execute();
      return { connection: conn, state, ...target };
    },

    /** Completes a SAML sign-in from the ACS (SP- or, when allowed, IdP-initiated). Throws the `sso.saml_*` codes. */
    async completeSaml(ctx: CommandContext, connectionId: string, input: { samlResponse: string }): Promise<SignInCompletion> {
      const conn = await requireActive(connectionId);
      // Read before anything is verified, the claimed request only says whether a refusal belongs to a pending
      // "test connection" (recorded as its failed result); the sign-in itself is accepted only by the checks.
      const claimed = await findPendingSamlState(conn, claimedInResponseTo(input.samlResponse));
      let state: SsoLoginStateRow | null = null;
      return checked(
        ctx,
        conn,
        () => state ?? (claimed?.purpose === 'test' ? claimed : null),
        async () => {
          const fid = await validateSamlResponse(connections.samlConfig(conn), input.samlResponse, {
            now: clock.now(),
            expectedRequestId: async (requestId) => {
              state = await findPendingSamlState(conn, requestId);
              return state !== null;
            },
          });
          return { fid, state: fid.inResponseTo ? state : null };
        },
      );
    },

    /** Completes an OIDC sign-in from its callback; `browserState` is the state cookie this browser got at start. Throws `sso.state_invalid` and the `sso.oidc_*` codes. */
    async completeOidc(ctx: CommandContext, connectionId: string, input: { callbackUrl: URL; browserState: string | null }): Promise<SignInCompletion> {
      const conn = await requireActive(connectionId);
      const given = input.callbackUrl.searchParams.get('state');
      const row = given ? await db.selectFrom('sso_login_states').selectAll().where('state_hash', '=', hashToken(given)).executeTakeFirst() : undefined;
      return checked(
        ctx,
        conn,
        () => (row && row.connection_id === conn.id ? row : null),
        async () => {
          // The state must be one this connection started in this very browser, unused and in time.
          if (!given || !row || row.connection_id !== conn.id || input.browserState !== given || row.consumed_at || row.expires_at <= clock.now().toISOString()) {
            throw new KeyledgerError('sso.state_invalid', 'this sign-in is unknown, expired, already completed, or was started in another browser', { reason: !given ? 'missing' : !row || row.connection_id !== conn.id ? 'unknown' : input.browserState !== given ? 'browser_mismatch' : row.consumed_at ? 'consumed' : 'expired' });
          }
          const config = connections.oidcConfig(conn);
          const { nonce, codeVerifier } = secretsFor(given);
          return { fid: await completeOidcCallback(await discovery.get(config), config, { callbackUrl: input.callbackUrl, expectedState: given, nonce, codeVerifier }), state: row };
        },
      );
    },

    /** The last "test connection" results of a connection, newest first. */
    async listTests(connectionId: string, limit = 10): Promise<ConnectionTestResult[]> {
      const rows = await db.selectFrom('sso_connection_tests').selectAll().where('connection_id', '=', connectionId).orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
      return rows.map((r) => ({ id: r.id, connectionId: r.connection_id, outcome: r.outcome, subject: r.subject, email: r.email, attributes: JSON.parse(r.attributes), errorCode: r.error_code, createdAt: r.created_at }));
    },
  };
}

/** The key OIDC nonces and PKCE verifiers are derived under, from the master key. */
export function deriveFlowKey(masterKey: Buffer): Buffer {
  return createHmac('sha256', masterKey).update('keyledger:sso-flow', 'utf8').digest();
}

export type FederatedSignIn = ReturnType<typeof createFederatedSignIn>;
