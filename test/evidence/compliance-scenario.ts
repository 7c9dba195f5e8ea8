import { expect } from 'vitest';
import type { ManualClock } from '../../src/platform/clock.ts';
import { systemContext } from '../../src/audit/event.ts';
import { generateTotpCode } from '../../src/authn/totp/totp.ts';
import { openTotpSecret } from '../../src/authn/totp-secret.ts';
import { createOrg, createRole, createUser, grantRole, ok, type HttpSuite } from '../support/http.ts';
import { openUserSession } from '../support/user-session.ts';
import { signedIn, allItems } from '../access/review-fixtures.ts';
import { ORIGIN } from '../support/passkeys.ts';
import { SoftAuthenticator } from '../support/soft-authenticator.ts';

type Json = Record<string, any>;

/** The times the scenario's steps happen at (the suite's ManualClock starts at T0). */
export const T = {
  start: '2026-03-02T09:00:00.000Z',
  suspended: '2026-03-02T10:00:00.000Z',
  deprovisioned: '2026-03-02T11:00:00.000Z',
  terminated: '2026-03-02T08:00:00.000Z',
  bobSignedIn: '2026-03-02T12:00:00.000Z',
  reviewed: '2026-03-02T13:00:00.000Z',
  evaluated: '2026-03-02T14:00:00.000Z',
};
export const PASSWORD = 'quartz-lantern-meadow-91-harbor';

/**
 * An organization an auditor would sample: ada (privileged "admin" role, password and TOTP),
 * erin (her manager, password only), bob (a passkey only, a viewer grant with a change ticket
 * and an expiry, signed in once), carol (suspended), dave (deprovisioned three hours after his
 * termination); a review campaign the reviewers and the owner signed off; findings evaluated
 * (one resolved as a false positive). A member of another organization must never appear.
 */
export async function complianceScenario(s: HttpSuite, clock: ManualClock) {
  const setup = systemContext('test', 'compliance scenario');
  clock.set(T.start);
  await createOrg(s, 'acme');
  await createOrg(s, 'globex');
  const erin = await createUser(s, { email: 'erin@acme.test', name: 'Erin Manager', org: 'acme' });
  const ada = await createUser(s, { email: 'ada@acme.test', name: 'Ada Lovelace', org: 'acme', managerId: erin.id });
  const bob = await createUser(s, { email: 'bob@acme.test', org: 'acme', managerId: ada.id });
  const carol = await createUser(s, { email: 'carol@acme.test', name: 'Carol', org: 'acme' });
  const dave = await createUser(s, { email: 'dave@acme.test', name: 'Dave', org: 'acme' });
  const gus = await createUser(s, { email: 'gus@globex.test', org: 'globex' });
  const adminRole = await createRole(s, 'acme', 'admin', { name: 'Administrator', privileged: true });
  const viewerRole = await createRole(s, 'acme', 'viewer', { name: 'Viewer' });
  const adminGrant = await grantRole(s, 'acme', 'admin', ada.id);
  const viewerGrant = await grantRole(s, 'acme', 'viewer', bob.id, { approvalRef: 'CHG-42', expiresAt: '2026-12-31T00:00:00.000Z' });
  const daveGrant = await grantRole(s, 'acme', 'viewer', dave.id);

  await s.rt.authn.setPassword(setup, ada.id, PASSWORD);
  await s.rt.authn.setPassword(setup, erin.id, PASSWORD);
  const start = await s.rt.authn.startTotpEnrollment(setup, ada.id, { issuer: 'Keyledger' });
  const row = await s.rt.database.db.selectFrom('totp_factors').select('secret').where('id', '=', start.factorId).executeTakeFirstOrThrow();
  await s.rt.authn.confirmTotpEnrollment(setup, ada.id, start.factorId, generateTotpCode({ secret: openTotpSecret(s.rt.master, row.secret), now: clock.now() }));
  const { challengeId, options } = await s.rt.passkeys.startRegistration(setup, bob.id);
  await s.rt.passkeys.finishRegistration(setup, bob.id, challengeId, new SoftAuthenticator().create(options, ORIGIN), 'laptop');

  clock.set(T.suspended);
  await ok(s, 200, 'PATCH', `/api/v1/users/${carol.id}`, { status: 'suspended', statusReason: 'extended leave' });
  clock.set(T.deprovisioned);
  const removal = await ok(s, 200, 'POST', `/api/v1/organizations/acme/users/${dave.id}/deprovision`, { terminatedAt: T.terminated, reason: 'left the company' });
  clock.set(T.bobSignedIn);
  await openUserSession(s.rt, bob.id, { orgId: null });

  // The review: erin reviews ada's access (her manager), ada reviews bob's, then ada signs off as owner.
  clock.set(T.reviewed);
  const campaign = await ok(s, 201, 'POST', '/api/v1/organizations/acme/access-reviews', { name: 'Q1 review', ownerId: ada.id, dueAt: '2026-03-16T13:00:00.000Z' });
  const items = await allItems(s, 'acme', campaign.id);
  expect(items.map((i) => [i.principal.id, i.reviewerId]).sort()).toEqual([[ada.id, erin.id], [bob.id, ada.id]].sort());
  const reviewers = { [erin.id]: await signedIn(s, erin.id), [ada.id]: await signedIn(s, ada.id) };
  for (const item of items) expect((await reviewers[item.reviewerId].post('/api/v1/me/access-reviews/decisions', { decisions: [{ itemId: item.id, decision: 'keep' }] })).statusCode).toBe(200);
  for (const id of [erin.id, ada.id, ada.id]) expect((await reviewers[id].post(`/api/v1/me/access-reviews/${campaign.id}/sign-off`, {})).statusCode).toBe(200);

  clock.set(T.evaluated);
  await s.rt.findings.evaluate();
  const findings: Json[] = (await ok(s, 200, 'GET', '/api/v1/findings?org=acme&limit=200')).items;
  const mfaFinding = findings.find((f) => f.type === 'privileged_without_phishing_resistant_mfa' && f.subject.id === ada.id);
  expect(mfaFinding).toBeDefined();
  const resolvable = findings.find((f) => f.id !== mfaFinding!.id && f.status === 'open')!;
  expect(resolvable).toBeDefined();
  await ok(s, 200, 'POST', `/api/v1/findings/${resolvable.id}/resolve`, { resolution: 'false_positive', note: 'reviewed with the auditor' });

  return { erin, ada, bob, carol, dave, gus, adminRole, viewerRole, adminGrant, viewerGrant, daveGrant, removal, campaign, resolvedFindingId: resolvable.id as string };
}

export type Scenario = Awaited<ReturnType<typeof complianceScenario>>;

/** The user records the compliance API must answer for the scenario, ordered by id. */
export function expectedUsers(sc: Scenario): Json[] {
  const base = { createdAt: T.start, deactivatedAt: null, lastSignInAt: null, roles: [], permissionLevel: 'USER', status: 'ACTIVE', mfaEnabled: false, mfaMethods: [], authMethod: 'none' };
  return [
    { ...base, id: sc.ada.id, displayName: 'Ada Lovelace', email: 'ada@acme.test', permissionLevel: 'ADMIN', roles: ['Administrator'], mfaEnabled: true, mfaMethods: ['totp'], authMethod: 'password', lastSignInAt: T.reviewed },
    { ...base, id: sc.erin.id, displayName: 'Erin Manager', email: 'erin@acme.test', authMethod: 'password', lastSignInAt: T.reviewed },
    { ...base, id: sc.bob.id, displayName: 'bob@acme.test', email: 'bob@acme.test', roles: ['Viewer'], mfaEnabled: true, mfaMethods: ['passkey'], authMethod: 'passkey-only', lastSignInAt: T.bobSignedIn },
    { ...base, id: sc.carol.id, displayName: 'Carol', email: 'carol@acme.test', status: 'SUSPENDED', deactivatedAt: T.suspended },
    { ...base, id: sc.dave.id, displayName: 'Dave', email: 'dave@acme.test', status: 'DEPROVISIONED', deactivatedAt: T.deprovisioned },
  ].sort((a, b) => (a.id < b.id ? -1 : 1));
}
