import type { LedgerEvent } from '../../audit/event.ts';
import { APPLICATION_DEFAULTS, TTL_BOUNDS } from '../../oidc/applications/check-application.ts';
import { sessionCookieName } from '../../sessions/session-cookie.ts';
import { resolveSessionPolicy, DEFAULT_SESSION_POLICY } from '../../sessions/session-policy.ts';
import type { Runtime } from '../../runtime.ts';
import type { CitedRow, Column, CollectorFactory, CriterionSection, EvidenceTable, Row, RowBuilder } from '../model.ts';
import { isoOrNull, str } from './evidence-values.ts';

/**
 * CC6.7 — transmission and session security: how sessions, tokens, transport
 * and secrets at rest are configured at export time (read from the running
 * configuration, not the ledger), plus the history of signing keys from the
 * ledger.
 */

const OIDC_KEY_CREATED = 'oidc.signing_key.created';
const OIDC_KEY_RETIRED = 'oidc.signing_key.retired';
const LEDGER_KEY_CREATED = 'ledger.signing_key.created';

export const SIGNING_KEY_ROW = 'cc6.7.signing-key';

const SETTING_COLUMNS: Column[] = [
  { name: 'setting', description: 'What is configured.' },
  { name: 'value', description: 'Its value at export time.' },
  { name: 'source', description: 'Where the value comes from (code constant, environment variable, organization setting).' },
];

const SIGNING_KEY_COLUMNS: Column[] = [
  { name: 'key_id', description: 'Key id (the JWKS kid of a token-signing key, the signed-note key id of the ledger key).' },
  { name: 'purpose', description: 'oidc_tokens (signs ID and access tokens) or ledger_checkpoints (signs the audit ledger’s checkpoints).' },
  { name: 'event', description: 'created or retired (an emergency rotation).' },
  { name: 'at', description: 'When the event was recorded (RFC 3339).' },
  { name: 'algorithm', description: 'Signing algorithm (Ed25519 for the ledger key).' },
  { name: 'reason', description: 'initial, scheduled or manual for token-signing keys; empty otherwise.' },
  { name: 'activates_at', description: 'When a token-signing key starts signing.' },
  { name: 'retires_at', description: 'When it stops signing (for a retirement: when it stopped).' },
  { name: 'removes_at', description: 'When it leaves the published JWKS.' },
  { name: 'replaced_by', description: 'For a retirement: the key that signs from then on.' },
];

/** One signing-key event (pure). Cited: that event. */
export const buildSigningKeyRow: RowBuilder = (cited: LedgerEvent[]): Row => {
  const e = cited[0];
  if (e.action === LEDGER_KEY_CREATED) {
    return { key_id: str(e, 'keyId'), purpose: 'ledger_checkpoints', event: 'created', at: e.time, algorithm: 'Ed25519', reason: null, activates_at: e.time, retires_at: null, removes_at: null, replaced_by: null };
  }
  const retired = e.action === OIDC_KEY_RETIRED;
  return {
    key_id: str(e, 'kid'),
    purpose: 'oidc_tokens',
    event: retired ? 'retired' : 'created',
    at: e.time,
    algorithm: str(e, 'alg'),
    reason: str(e, 'reason'),
    activates_at: isoOrNull(e.data.activatesAt),
    retires_at: isoOrNull(retired ? e.data.retiredAt : e.data.retiresAt),
    removes_at: isoOrNull(e.data.removesAt),
    replaced_by: str(e, 'replacedBy'),
  };
};

export const CC6_7_ROW_BUILDERS: Record<string, RowBuilder> = { [SIGNING_KEY_ROW]: buildSigningKeyRow };

const setting = (name: string, value: string | number | boolean | null, source: string): CitedRow => ({ row: { setting: name, value, source }, cites: [] });

function configTable(name: string, title: string, description: string, rows: CitedRow[]): EvidenceTable {
  return { name, title, description: `${description} This is the configuration at export time, read from the running deployment (not from the ledger).`, columns: SETTING_COLUMNS, rows };
}

/** The session cookie and timeouts the organization's sessions get. */
function sessionSettings(rt: Runtime, settings: Record<string, unknown>): CitedRow[] {
  const https = rt.config.publicUrl.startsWith('https://');
  let policy = { ...DEFAULT_SESSION_POLICY };
  let policySource = 'default (src/sessions/session-policy.ts)';
  try {
    policy = resolveSessionPolicy(settings);
    if (settings.sessionPolicy) policySource = 'organization setting sessionPolicy';
  } catch {
    policySource = 'default (the organization setting sessionPolicy is invalid)';
  }
  return [
    setting('cookie_name', sessionCookieName(rt.config.publicUrl), 'src/sessions/session-cookie.ts: __Host- prefix on https'),
    setting('cookie_host_prefix', https, 'public URL scheme (KEYLEDGER_PUBLIC_URL)'),
    setting('cookie_http_only', true, 'src/sessions/session-cookie.ts'),
    setting('cookie_secure', https || !/^http:\/\/(localhost|127\.0\.0\.1|\[::1\])(:|\/|$)/.test(rt.config.publicUrl), 'src/sessions/session-cookie.ts: Secure except plain http on a loopback host'),
    setting('cookie_same_site', 'Lax', 'src/sessions/session-cookie.ts'),
    setting('cookie_path', '/', 'src/sessions/session-cookie.ts (no Domain attribute)'),
    setting('idle_timeout_minutes', policy.idleTimeoutMinutes, policySource),
    setting('absolute_timeout_hours', policy.absoluteTimeoutHours, policySource),
    setting('session_id_storage', 'SHA-256 hash of the token', 'src/sessions (the token is shown to the browser only)'),
  ];
}

/** Token lifetimes: the provider's fixed ones, then each application's. */
async function tokenLifetimes(rt: Runtime, orgId: string): Promise<CitedRow[]> {
  const rows = [
    setting('authorization_code_seconds', 60, 'src/oidc/provider.ts (ttl.AuthorizationCode)'),
    setting('default_access_token_seconds', APPLICATION_DEFAULTS.accessTokenTtlSeconds, `application default; per application ${TTL_BOUNDS.accessTokenTtlSeconds.min}–${TTL_BOUNDS.accessTokenTtlSeconds.max}`),
    setting('default_id_token_seconds', APPLICATION_DEFAULTS.idTokenTtlSeconds, `application default; per application ${TTL_BOUNDS.idTokenTtlSeconds.min}–${TTL_BOUNDS.idTokenTtlSeconds.max}`),
    setting('default_refresh_token_seconds', APPLICATION_DEFAULTS.refreshTokenTtlSeconds, `application default; per application ${TTL_BOUNDS.refreshTokenTtlSeconds.min}–${TTL_BOUNDS.refreshTokenTtlSeconds.max}`),
    setting('refresh_token_rotation', true, 'src/oidc/provider.ts (rotateRefreshToken; a replayed refresh token revokes the grant)'),
    setting('provider_session_seconds', 14 * 86_400, 'src/oidc/provider.ts (ttl.Session)'),
  ];
  let cursor: string | undefined;
  do {
    const page = await rt.applications.list(orgId, { limit: 100, cursor });
    for (const app of page.items) {
      const source = `application ${app.name} (${app.clientId}), status ${app.status}`;
      rows.push(setting(`application:${app.clientId}:access_token_seconds`, app.accessTokenTtlSeconds, source));
      rows.push(setting(`application:${app.clientId}:id_token_seconds`, app.idTokenTtlSeconds, source));
      rows.push(setting(`application:${app.clientId}:refresh_token_seconds`, app.refreshTokenTtlSeconds, source));
    }
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return rows;
}

function transport(rt: Runtime): CitedRow[] {
  const url = new URL(rt.config.publicUrl);
  const https = url.protocol === 'https:';
  return [
    setting('public_url', rt.config.publicUrl, 'KEYLEDGER_PUBLIC_URL'),
    setting('public_url_https', https, 'KEYLEDGER_PUBLIC_URL scheme'),
    setting('hsts', https ? 'Strict-Transport-Security (helmet default: max-age=31536000; includeSubDomains)' : 'off (public URL is not https)', 'src/http/app.ts (@fastify/helmet hsts)'),
    setting('upgrade_insecure_requests', https, 'src/http/app.ts (Content-Security-Policy)'),
    setting('frame_ancestors', "'none'", 'src/http/app.ts (Content-Security-Policy, X-Frame-Options DENY)'),
    setting('trust_proxy', rt.config.trustProxy, 'KEYLEDGER_TRUST_PROXY (client address from X-Forwarded-For)'),
    setting('webauthn_origins', rt.config.webauthnOrigins.join(' '), 'KEYLEDGER_WEBAUTHN_ORIGINS or the public URL origin'),
    setting('syslog_transport', 'TLS (RFC 5425)', 'src/stream (syslog sink)'),
  ];
}

function encryptionAtRest(rt: Runtime): CitedRow[] {
  const hashed = 'hashed (SHA-256 of a random token; never stored in clear)';
  const sealed = 'envelope-encrypted (AES-256-GCM under the master key, purpose-bound)';
  return [
    setting('api_keys', hashed, 'src/platform/ids.ts hashToken'),
    setting('session_ids', hashed, 'src/sessions'),
    setting('oidc_client_secrets', hashed, 'src/oidc/applications/client-secrets.ts'),
    setting('scim_tokens', hashed, 'src/scim/directories.ts'),
    setting('recovery_codes', 'hashed (keyed HMAC per user)', 'src/authn/password/recovery-codes.ts'),
    setting('passwords', 'argon2id', 'src/authn/password'),
    setting('totp_secrets', sealed, 'purpose authn.totp_secret'),
    setting('oidc_signing_keys', sealed, 'src/oidc/signing-keys.ts'),
    setting('ledger_signing_key', sealed, 'src/audit/ledger-signer.ts'),
    setting('webhook_secrets', sealed, 'purposes notify.webhook_secret, stream.destination_secret, lifecycle.hr_source_secret'),
    setting('sso_secrets', sealed, 'purposes sso.sp_private_key, sso.oidc_client_secret'),
    setting('master_key_source', rt.config.masterKey ? 'environment (KEYLEDGER_MASTER_KEY)' : 'file (<data dir>/master.key, mode 0600)', 'src/platform/crypto.ts loadMasterKey'),
    setting('master_key_id', rt.master.id, 'fingerprint of the master key (never the key)'),
  ];
}

export const cc67Transmission: CollectorFactory = async (ctx, rt) => {
  const org = await rt.identity.requireOrg(ctx.org.id);
  const settings = (org.settings ?? {}) as Record<string, unknown>;
  const config = {
    session: sessionSettings(rt, settings),
    tokens: await tokenLifetimes(rt, ctx.org.id),
    transport: transport(rt),
    rest: encryptionAtRest(rt),
  };
  const keys: CitedRow[] = [];
  return {
    actions: [OIDC_KEY_CREATED, OIDC_KEY_RETIRED, LEDGER_KEY_CREATED],
    add(event) {
      if (event.org !== null && event.org !== ctx.org.id) return;
      keys.push({ row: buildSigningKeyRow([event], ctx.params), cites: [event.id] });
    },
    async finish(): Promise<CriterionSection> {
      const https = rt.config.publicUrl.startsWith('https://');
      return {
        id: 'CC6.7',
        title: 'CC6.7 — Transmission and session security',
        summary: 'The entity restricts the transmission of information to authorized parties and protects it in transit and at rest: sessions, tokens, transport and secrets at rest, and the keys that sign tokens and the audit ledger.',
        status: https ? 'pass' : 'attention',
        headline: https
          ? `The public URL is https with HSTS, session cookies are __Host- HttpOnly Secure, and ${keys.length} signing-key events are on record.`
          : `The public URL ${rt.config.publicUrl} is not https: sessions and tokens would travel unencrypted outside a development machine.`,
        facts: [
          { label: 'Public URL is https', value: https ? 'yes' : 'no', ...(https ? {} : { attention: true }) },
          { label: 'Session idle timeout (minutes)', value: Number(config.session.find((r) => r.row.setting === 'idle_timeout_minutes')!.row.value) },
          { label: 'Session absolute timeout (hours)', value: Number(config.session.find((r) => r.row.setting === 'absolute_timeout_hours')!.row.value) },
          { label: 'Signing-key events', value: keys.length },
        ],
        tables: [
          configTable('session-settings', 'Session cookie and timeouts', 'The browser session cookie’s attributes and the idle and absolute timeouts of this organization’s sessions.', config.session),
          configTable('token-lifetimes', 'Token lifetimes', 'Lifetimes of authorization codes and of the access, ID and refresh tokens of the OpenID Connect provider, by default and for each application of the organization.', config.tokens),
          configTable('transport', 'Transport security', 'Whether the service is reached over https, its HSTS and framing headers, and whether client addresses are taken from a proxy.', config.transport),
          configTable('encryption-at-rest', 'Secrets at rest', 'How each kind of credential is stored: hashed (cannot be recovered) or envelope-encrypted under the master key; where the master key comes from (its fingerprint only).', config.rest),
          {
            name: 'signing-keys',
            title: 'Signing keys',
            description: 'Every creation and emergency retirement of a token-signing key and the creation of the ledger’s checkpoint key, from the ledger up to the window end. Check that token-signing keys rotate on schedule and that emergency rotations are explained.',
            columns: SIGNING_KEY_COLUMNS,
            rows: keys,
            recompute: SIGNING_KEY_ROW,
          },
        ],
        charts: [],
        attachments: [],
      };
    },
  };
};
