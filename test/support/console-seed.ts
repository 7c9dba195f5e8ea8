import type { ConsoleSuite } from './console.ts';
import { openUserSession, sessionHeaders } from './user-session.ts';
import { failSignIns } from './lockout.ts';
import { idpCertificatePem, samlBody } from './sso-admin.ts';

type Json = Record<string, any>;

/** The ids of a small but non-empty deployment, for visiting every console page with real data. */
export interface SeededConsole {
  /** The customer organization every org-scoped page shows (slug `acme`); the administrator is a member. */
  org: { id: string; slug: string };
  userId: string;
  serviceAccountId: string;
  roleKey: string;
  requestId: string;
  campaignId: string;
  findingId: string;
  alertId: string;
  incidentId: string;
  ssoConnectionId: string;
  scimDirectoryId: string;
  auditEventId: string;
  exportId: string;
  siemDestinationId: string;
}

/**
 * Seeds through the admin API (and the services for what only time or sign-in
 * attempts make: a finding, an alert): an organization with members, roles with
 * an assignment and an eligibility, a service account, a pending access request,
 * an open review campaign, an incident, an SSO connection, a SCIM directory and
 * an HR source, a SIEM destination, a finished evidence export. Everything org-scoped lives in `acme`.
 */
export async function seedConsole(s: ConsoleSuite): Promise<SeededConsole> {
  const admin = s.admin.userId;
  const o = await s.api('POST', '/api/v1/organizations', { slug: 'acme', name: 'Acme Corp' }, 201);
  const org = `/api/v1/organizations/acme`;
  await s.api('POST', `${org}/members`, { userId: admin });
  const ria = await s.api('POST', '/api/v1/users', { email: 'ria@acme.test', name: 'Ria Requester', org: 'acme' }, 201);
  const kim = await s.api('POST', '/api/v1/users', { email: 'kim@acme.test', name: 'Kim Keeper', org: 'acme' }, 201);
  const role = (key: string, extra: Json = {}) => s.api('POST', `${org}/roles`, { key, name: `Role ${key}`, description: `What ${key} may do`, permissions: [`${key}:read`], ownerId: admin, ...extra }, 201);
  await role('reports', { approval: { namedApprovers: [admin], approvalsRequired: 1 } });
  await role('wiki');
  await role('oncall', { privileged: true, permissions: ['db:write'], elevation: { maxActivationMinutes: 60 } });
  await s.api('POST', `${org}/role-assignments`, { role: 'wiki', principalType: 'user', principalId: kim.id }, 201);
  await s.api('POST', `${org}/role-eligibilities`, { role: 'oncall', principalId: admin, reason: 'on-call rota' }, 201);
  const sa = await s.api('POST', `${org}/service-accounts`, { name: 'report-exporter', description: 'Exports reports nightly', ownerUserId: kim.id }, 201);
  await s.api('POST', `${org}/role-assignments`, { role: 'wiki', principalType: 'service_account', principalId: sa.id, approvalRef: 'CHG-42' }, 201);

  // A pending request, filed by Ria through self-service, waiting for the administrator.
  const { cookie } = await openUserSession(s.t.rt, ria.id);
  const res = await fetch(`${s.baseUrl}/api/v1/me/access-requests`, { method: 'POST', headers: { ...sessionHeaders(cookie), 'content-type': 'application/json' }, body: JSON.stringify({ org: 'acme', role: 'reports', reason: 'Quarterly close reporting' }) });
  if (res.status !== 201) throw new Error(`access request: ${res.status} ${await res.text()}`);
  const request = (await res.json()) as Json;

  const dueAt = new Date(Date.now() + 14 * 86_400_000).toISOString();
  const campaign = await s.api('POST', `${org}/access-reviews`, { name: 'Q3 access review', ownerId: admin, dueAt }, 201);

  // A finding: a member without the second factor the organization requires (its own organization, so the administrator is not affected).
  await s.api('POST', '/api/v1/organizations', { slug: 'mfa-org', name: 'MFA Org' }, 201);
  const ada = await s.api('POST', '/api/v1/users', { email: 'ada@mfa.test', name: 'Ada', org: 'mfa-org' }, 201);
  await s.api('PATCH', '/api/v1/organizations/mfa-org', { settings: { mfaPolicy: 'required', mfaGracePeriodDays: 0 } });
  await s.t.rt.findings.evaluateChanged();
  const finding = (await s.api('GET', '/api/v1/findings?type=member_without_required_mfa')).items.find((f: Json) => f.subject.id === ada.id);
  if (!finding) throw new Error('no finding was opened');

  // An alert: password guessing against one account.
  const victim = await s.api('POST', '/api/v1/users', { email: 'victim@mfa.test', name: 'Victim', org: 'mfa-org' }, 201);
  await s.t.rt.authn.setPassword({ actor: { type: 'system', id: 'test', display: 'test' }, request: { requestId: 'seed', ip: null, userAgent: null } }, victim.id, 'quartz-lantern-orbit-meadow-42');
  await failSignIns(s.t.rt, 'victim@mfa.test', 8);
  await s.t.rt.detections.scan();
  const [alert] = (await s.api('GET', '/api/v1/alerts')).items;
  if (!alert) throw new Error('no alert was raised');
  const incident = await s.api('POST', '/api/v1/incidents', { title: 'Password guessing against victim', severity: 'high', ownerId: admin, alertIds: [alert.id], summary: 'Eight wrong passwords from rotating addresses' }, 201);

  const sso = await s.api('POST', `${org}/sso-connections`, samlBody('Okta', await idpCertificatePem('idp.acme.test')), 201);
  const scim = await s.api('POST', `${org}/scim-directories`, { name: 'Okta directory' }, 201);
  await s.api('POST', `${org}/hr-sources`, { name: 'Workday' }, 201);

  const [event] = (await s.api('GET', '/api/v1/audit/events?action=identity.user.created&limit=1')).items;
  // A signed checkpoint covering all of it (`keyledger start` runs the sequencer on a timer).
  await s.t.rt.sequencer.integrateAll();
  for (let i = 0; ; i++) {
    const res = await fetch(`${s.baseUrl}/api/v1/audit/events/${event.id}/proof`, { headers: { authorization: `Bearer ${s.apiKey}` } });
    if (res.ok) break;
    if (i >= 50) throw new Error(`no checkpoint covers event ${event.id}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  // A SIEM destination (a webhook on loopback; nothing is sent unless the streamer runs).
  const { destination } = await s.api('POST', '/api/v1/siem-destinations', { name: 'Loopback SOC', kind: 'webhook', config: { url: 'http://127.0.0.1:9/ingest', batchSize: 500 } }, 201);

  // An evidence export of the last week, run to its end.
  const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
  const requested = await s.api('POST', '/api/v1/evidence/exports', { org: 'acme', from: day(-7), to: day(0) }, 202);
  const exportId = (requested.export ?? requested).id as string;
  for (let i = 0; ; i++) {
    const job = await s.api('GET', `/api/v1/evidence/exports/${exportId}`);
    if (job.status === 'succeeded') break;
    if (job.status === 'failed' || i >= 200) throw new Error(`evidence export: ${JSON.stringify(job)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    exportId,
    siemDestinationId: destination.id,
    org: { id: o.id, slug: 'acme' },
    userId: ria.id,
    serviceAccountId: sa.id,
    roleKey: 'reports',
    requestId: request.id,
    campaignId: campaign.id,
    findingId: finding.id,
    alertId: alert.id,
    incidentId: incident.id,
    ssoConnectionId: (sso.connection ?? sso).id,
    scimDirectoryId: (scim.directory ?? scim).id,
    auditEventId: event.id,
  };
}
