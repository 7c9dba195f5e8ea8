import type { LedgerEvent } from '../../audit/event.ts';
import { readMfaSettings } from '../../identity/organization-settings.ts';
import type { Runtime } from '../../runtime.ts';
import type { CitedRow, CollectorFactory, Column, CriterionSection, EvidenceContext, Row, RowBuilder } from '../model.ts';
import { counted } from './evidence-values.ts';
import { AuthMethodCounter, METHOD_ACTIONS, METHOD_COLUMNS } from './cc6-1-sign-in-methods.ts';

/**
 * CC6.1 — logical access security over protected information assets: the
 * applications and integrations that reach the organization's identities and
 * how each authenticates, the sign-in methods people used, and the MFA policy
 * and its history.
 */

/** The lifecycle events of each kind of application, by the target type that names it. */
const APPLICATION_EVENTS: Record<string, string[]> = {
  oidc_application: ['oidc.application.created', 'oidc.application.updated', 'oidc.application.secret_rotated', 'oidc.application.disabled', 'oidc.application.enabled', 'oidc.application.deleted'],
  service_account: ['identity.service_account.created', 'identity.service_account.updated', 'identity.service_account.disabled', 'identity.service_account.enabled', 'identity.service_account.deleted'],
  sso_connection: ['sso.connection.created', 'sso.connection.updated', 'sso.connection.deleted'],
  scim_directory: ['scim.directory.created', 'scim.directory.updated'],
};
const KIND_OF = new Map(Object.entries(APPLICATION_EVENTS).flatMap(([kind, actions]) => actions.map((a) => [a, kind] as const)));

const APPLICATION_COLUMNS: Column[] = [
  { name: 'id', description: 'The application, service account, SSO connection or SCIM directory.' },
  { name: 'kind', description: 'oidc_application (an OAuth/OIDC client), service_account (a machine client), sso_connection (an inbound identity provider) or scim_directory (an identity provider’s provisioning connection).' },
  { name: 'name', description: 'Its name at the window end.' },
  { name: 'status', description: 'active, disabled or deleted at the window end.' },
  { name: 'requires_authentication', description: 'true when nothing reaches it without authenticating (every kind does; an OIDC client with no grant type would be the exception).' },
  { name: 'authentication', description: 'How access through it is authenticated: the OAuth grants allowed and how the client proves itself, the service account’s credentials, the identity provider’s signed assertion, or the directory’s bearer token.' },
  { name: 'required_acr', description: 'OIDC applications: the sign-in strength the application demands beyond the organization policy (mfa, phishing_resistant), or null.' },
  { name: 'created_at', description: 'When it was created, or null when its creation is older than the ledger.' },
  { name: 'last_changed_at', description: 'Its latest recorded change up to the window end.' },
];

const MFA_COLUMNS: Column[] = [
  { name: 'changed_at', description: 'When the organization’s MFA settings changed.' },
  { name: 'in_window', description: 'true when the change falls inside the window.' },
  { name: 'actor_type', description: 'Who changed them.' },
  { name: 'actor', description: 'The actor as the ledger displays it.' },
  { name: 'mfa_policy_before', description: 'Organization MFA level before: optional, required or phishing_resistant.' },
  { name: 'mfa_policy_after', description: 'Organization MFA level after.' },
  { name: 'grace_days_before', description: 'Days new members had to enroll before.' },
  { name: 'grace_days_after', description: 'Days new members have to enroll after.' },
  { name: 'step_up_minutes_before', description: 'How recent (minutes) a proof sensitive actions needed before.' },
  { name: 'step_up_minutes_after', description: 'How recent a proof they need after.' },
  { name: 'sso_enforced_before', description: 'Whether members had to sign in through SSO before.' },
  { name: 'sso_enforced_after', description: 'Whether they must after.' },
];

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);

/** How an OIDC client authenticates access, from its grant types and token endpoint method. */
function oidcAuthentication(grantTypes: string[], method: string | null): string {
  const parts: string[] = [];
  const client = method === 'none' || method === null ? 'public client' : `client authenticated by ${method}`;
  if (grantTypes.includes('authorization_code')) parts.push(`authorization code + PKCE: the user signs in to Keyledger (${client})`);
  if (grantTypes.includes('refresh_token')) parts.push('refresh tokens rotated on use');
  if (grantTypes.includes('client_credentials')) parts.push(`client credentials (${client})`);
  return parts.length > 0 ? parts.join('; ') : 'no grant type: issues nothing';
}

/** An application's row from its lifecycle events (ledger order). */
export const buildApplicationRow: RowBuilder = (cited: LedgerEvent[]): Row => {
  if (cited.length === 0) throw new RangeError('an application row cites its events');
  const kind = KIND_OF.get(cited[0].action) ?? null;
  let name: string | null = null;
  let status = 'active';
  let created: string | null = null;
  const oidc = { grantTypes: [] as string[], method: null as string | null, requiredAcr: null as string | null, connectionType: null as string | null };
  for (const e of cited) {
    const verb = e.action.slice(e.action.lastIndexOf('.') + 1);
    const fields = verb === 'updated' ? ((e.data.after ?? {}) as Record<string, unknown>) : e.data;
    if (verb === 'created') created = e.time;
    if (verb === 'created' || verb === 'updated') {
      if ('grantTypes' in fields) oidc.grantTypes = strings(fields.grantTypes);
      if ('tokenEndpointAuthMethod' in fields) oidc.method = str(fields.tokenEndpointAuthMethod);
      if ('requiredAcr' in fields) oidc.requiredAcr = str(fields.requiredAcr);
      if (kind === 'sso_connection' && 'type' in fields) oidc.connectionType = str(fields.type);
      if ('status' in fields && typeof fields.status === 'string') status = fields.status;
    }
    if (typeof fields.name === 'string') name = fields.name;
    if (verb === 'disabled') status = 'disabled';
    if (verb === 'enabled') status = 'active';
    if (verb === 'deleted') status = 'deleted';
  }
  const target = cited[0].targets.find((t) => t.type === kind);
  let authentication: string;
  let requires = true;
  if (kind === 'oidc_application') {
    authentication = oidcAuthentication(oidc.grantTypes, oidc.method);
    requires = oidc.grantTypes.length > 0 || created === null;
  } else if (kind === 'service_account') authentication = 'client credentials: a client secret (hashed at rest) or a registered public key (private_key_jwt), each expiring';
  else if (kind === 'sso_connection')
    authentication = `people sign in at the identity provider; Keyledger accepts only its ${oidc.connectionType === 'oidc' ? 'signed ID token (OIDC)' : oidc.connectionType === 'saml' ? 'signed SAML assertion' : 'signed assertion'} for verified domains`;
  else authentication = 'bearer directory token (hashed at rest, revocable)';
  return {
    id: target?.id ?? null,
    kind,
    name: name ?? target?.display ?? null,
    status,
    requires_authentication: requires,
    authentication,
    required_acr: kind === 'oidc_application' ? oidc.requiredAcr : null,
    created_at: created,
    last_changed_at: cited[cited.length - 1].time,
  };
};

interface MfaView {
  mfaPolicy: string;
  grace: number;
  stepUp: number;
  sso: boolean;
}

function mfaView(settings: unknown): MfaView | null {
  if (!settings || typeof settings !== 'object') return null;
  const s = settings as Record<string, unknown>;
  try {
    const m = readMfaSettings(s);
    return { mfaPolicy: m.mfaPolicy, grace: m.mfaGracePeriodDays, stepUp: m.stepUpFreshnessMinutes, sso: s.ssoEnforced === true };
  } catch {
    return null;
  }
}

/** Whether an `identity.organization.updated` event changed the MFA settings (the policy, its grace, step-up freshness or SSO enforcement). */
export function changesMfaPolicy(e: LedgerEvent): boolean {
  const after = mfaView((e.data.after as Record<string, unknown> | undefined)?.settings);
  const before = mfaView((e.data.before as Record<string, unknown> | undefined)?.settings ?? {});
  return after !== null && JSON.stringify(before) !== JSON.stringify(after);
}

/** One MFA settings change from its `identity.organization.updated` event (whose before/after carry the whole settings). */
export const buildMfaPolicyRow: RowBuilder = (cited, params): Row => {
  const e = cited[cited.length - 1];
  const before = mfaView((e.data.before as Record<string, unknown> | undefined)?.settings ?? {});
  const after = mfaView((e.data.after as Record<string, unknown> | undefined)?.settings ?? {});
  return {
    changed_at: e.time,
    in_window: e.time >= params.from,
    actor_type: e.actor.type,
    actor: e.actor.display,
    mfa_policy_before: before?.mfaPolicy ?? null,
    mfa_policy_after: after?.mfaPolicy ?? null,
    grace_days_before: before?.grace ?? null,
    grace_days_after: after?.grace ?? null,
    step_up_minutes_before: before?.stepUp ?? null,
    step_up_minutes_after: after?.stepUp ?? null,
    sso_enforced_before: before?.sso ?? null,
    sso_enforced_after: after?.sso ?? null,
  };
};

export const CC6_1_BUILDERS: Record<string, RowBuilder> = {
  'cc6.1/applications': buildApplicationRow,
  'cc6.1/mfa-policy': buildMfaPolicyRow,
};

/** Collects CC6.1 in one pass over the ledger; reads the MFA settings in force at export time. */
export const collectCc61: CollectorFactory = async (ctx: EvidenceContext, rt: Runtime) => {
  const { params } = ctx;
  const org = await rt.identity.requireOrg(ctx.org.id);
  const current = mfaView(org.settings) ?? { mfaPolicy: 'optional', grace: 7, stepUp: 10, sso: false };
  const applications = new Map<string, LedgerEvent[]>();
  const mfaRows: CitedRow[] = [];
  const methods = new AuthMethodCounter(params);
  return {
    actions: [...KIND_OF.keys(), 'identity.organization.updated', ...METHOD_ACTIONS],
    add(e: LedgerEvent) {
      if (METHOD_ACTIONS.includes(e.action)) return methods.add(e);
      if (e.org !== params.orgId) return;
      const kind = KIND_OF.get(e.action);
      if (kind) {
        const id = e.targets.find((t) => t.type === kind)?.id;
        if (id) applications.set(id, [...(applications.get(id) ?? []), e]);
        return;
      }
      if (e.action === 'identity.organization.updated' && changesMfaPolicy(e)) mfaRows.push({ row: buildMfaPolicyRow([e], params), cites: [e.id] });
    },
    async finish(): Promise<CriterionSection> {
      const rows: CitedRow[] = [...applications.values()].map((events) => ({ row: buildApplicationRow(events, params), cites: events.map((e) => e.id) }));
      const active = rows.filter((r) => r.row.status === 'active');
      const open = active.filter((r) => r.row.requires_authentication !== true);
      const methodRows = methods.rows();
      const signIns = methods.total();
      return {
        id: 'CC6.1',
        title: 'Logical access security',
        summary:
          'The entity implements logical access security over protected information assets: every application and integration that reaches the organization’s identities authenticates, people sign in with the methods shown, and the MFA policy is recorded with its history.',
        status: open.length > 0 ? 'attention' : 'pass',
        headline:
          open.length > 0
            ? `${open.length} of ${active.length} active applications can be reached without authenticating.`
            : `${active.length === 0 ? 'No applications or integrations are registered' : `All ${counted(active.length, 'active application or integration', 'active applications and integrations')} require authentication`}; ${counted(signIns, 'sign-in')} in the window under an MFA policy of ${current.mfaPolicy}.`,
        facts: [
          { label: 'Active applications and integrations', value: active.length },
          { label: 'Reachable without authentication', value: open.length, attention: open.length > 0 },
          { label: 'Successful sign-ins in the window', value: signIns },
          { label: 'MFA policy at export', value: current.mfaPolicy },
          { label: 'MFA enrollment grace (days) at export', value: current.grace },
          { label: 'SSO enforced at export', value: current.sso ? 'yes' : 'no' },
          { label: 'MFA policy changes in the window', value: mfaRows.filter((r) => r.row.in_window === true).length },
        ],
        tables: [
          {
            name: 'applications',
            title: 'Applications and integrations',
            description:
              'Every OIDC application, service account, SSO connection and SCIM directory of the organization known from the ledger (created, changed, disabled or deleted up to the window end), with its state at the window end and how access through it is authenticated. Each row cites all of its lifecycle events.',
            columns: APPLICATION_COLUMNS,
            rows,
            recompute: 'cc6.1/applications',
            sampleKey: 'id',
          },
          {
            name: 'authentication-methods',
            title: 'Sign-in methods used',
            description:
              'Successful sign-ins to the organization in the window (authn.login.succeeded), by method: password, TOTP, recovery code, passkey, SSO SAML, SSO OIDC. A sign-in with two factors counts under both. Each row cites only the first and last sign-in of its method (not every one), so its counts cannot be recomputed from its cites: this table has no row builder; the full population is the authn.login.succeeded events of the window in the ledger.',
            columns: METHOD_COLUMNS,
            rows: methodRows,
          },
          {
            name: 'mfa-policy',
            title: 'MFA policy history',
            description: `Every change to the organization’s MFA settings recorded up to the window end (identity.organization.updated events whose settings changed the MFA level, enrollment grace, step-up freshness or SSO enforcement). The settings in force at export time are: MFA ${current.mfaPolicy}, ${current.grace} days of enrollment grace, step-up proofs within ${current.stepUp} minutes, SSO ${current.sso ? 'enforced' : 'not enforced'}. Settings given when the organization was created are not in the ledger; the first row's "before" shows them.`,
            columns: MFA_COLUMNS,
            rows: mfaRows,
            recompute: 'cc6.1/mfa-policy',
          },
        ],
        charts: [],
        attachments: [],
      };
    },
  };
};
