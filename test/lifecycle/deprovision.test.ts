import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/databases.ts';
import { createOrg, createRole, createServiceAccount, createUser, eventsDuring, expectError, expectNothingChanged, grantRole, ok, startHttpSuite, type HttpSuite } from '../support/http.ts';
import { refresh, signInToApplication, userinfoStatus, type UserTokens } from '../support/oidc-tokens.ts';
import { ManualClock } from '../../src/platform/clock.ts';
import { systemContext } from '../../src/audit/event.ts';

const CALLBACK = 'https://wiki.acme.test/cb';
const HOUR = 3_600_000;

/**
 * Deprovisioning through the admin API and through an administrator's PATCH of
 * the status: everything the user held ends in one transaction, one leaver
 * record says when, and the organization's SLA judges it.
 */
for (const dialect of DIALECTS) {
  describe(`deprovisioning a user, on ${dialect}`, () => {
    const clock = new ManualClock(new Date());
    let s: HttpSuite;
    let acme: Record<string, any>;
    let globex: Record<string, any>;
    let wiki: { clientId: string; clientSecret: string };
    const setup = systemContext('test', 'lifecycle test setup');

    beforeAll(async () => {
      s = await startHttpSuite(dialect, { clock });
      acme = await createOrg(s, 'acme');
      globex = await createOrg(s, 'globex');
      await createRole(s, 'acme', 'viewer');
      await createRole(s, 'acme', 'editor');
      await createRole(s, 'globex', 'viewer');
      await createRole(s, 'acme', 'admin');
      const created = await ok(s, 201, 'POST', '/api/v1/organizations/acme/applications', { name: 'Wiki', type: 'web', redirectUris: [CALLBACK], grantTypes: ['authorization_code', 'refresh_token'] });
      wiki = { clientId: created.application.clientId, clientSecret: created.clientSecret };
    }, 60_000);
    afterAll(async () => s?.close());

    /** A member of acme (and globex) holding roles in both, owning a service account, with a pending request and live tokens. */
    async function leaverWithAccess(email: string, employeeNumber: string) {
      const user = await createUser(s, { email, org: 'acme', employeeNumber });
      await ok(s, 201, 'POST', '/api/v1/organizations/globex/members', { userId: user.id });
      const assignments = [await grantRole(s, 'acme', 'viewer', user.id), await grantRole(s, 'acme', 'editor', user.id), await grantRole(s, 'globex', 'viewer', user.id)];
      const bot = await createServiceAccount(s, 'acme', `${employeeNumber}-bot`, user.id);
      const admin = await ok(s, 200, 'GET', '/api/v1/organizations/acme/roles/admin');
      const { result } = await s.rt.runner.run(setup, (scope) =>
        s.rt.accessRequests.createPendingInScope(scope, { orgId: acme.id, roleId: admin.id, principalType: 'user', principalId: user.id, requestedBy: { type: 'user', id: user.id }, reason: 'on call', source: 'api' }),
      );
      const tokens = await signInToApplication(s.rt, s.app, { userId: user.id, orgId: acme.id, redirectUri: CALLBACK, ...wiki });
      return { user, assignments, bot, request: result.request, tokens };
    }

    /** Asserts that nothing the user held still works or stays open. */
    async function expectEverythingGone(x: Awaited<ReturnType<typeof leaverWithAccess>>, tokens: UserTokens) {
      // The browser session is refused: the account page sends the cookie's holder to sign in.
      const account = await s.app.inject({ method: 'GET', url: '/account', headers: { cookie: tokens.cookie } });
      expect(account.statusCode).toBe(303);
      expect(account.headers.location).toMatch(/^\/login/);
      // The application's refresh token and access token are refused by the provider.
      expect(await refresh(s.app, wiki, tokens.refreshToken)).toEqual({ status: 400, error: 'invalid_grant' });
      expect(await userinfoStatus(s.app, tokens.accessToken)).toBe(401);
      for (const org of ['acme', 'globex']) {
        const active = await ok(s, 200, 'GET', `/api/v1/organizations/${org}/role-assignments?principalId=${x.user.id}&active=true`);
        expect(active.items).toEqual([]);
      }
      const request = (await ok(s, 200, 'GET', '/api/v1/organizations/acme/access-requests?status=cancelled')).items.find((r: { id: string }) => r.id === x.request.id);
      expect(request).toMatchObject({ status: 'cancelled', decisionReason: 'user deprovisioned', decidedAt: clock.now().toISOString() });
      const bot = await ok(s, 200, 'GET', `/api/v1/organizations/acme/service-accounts/${x.bot.id}`);
      expect(bot).toMatchObject({ ownerUserId: null, status: 'active' });
      const findings = (await ok(s, 200, 'GET', '/api/v1/organizations/acme/service-accounts/findings')).items;
      expect(findings).toContainEqual(expect.objectContaining({ kind: 'owner_missing', serviceAccountId: x.bot.id }));
    }

    it('the admin API removes everything in one transaction and records one leaver within the SLA', async () => {
      const x = await leaverWithAccess('ada@acme.test', 'E100');
      // Before: everything works.
      expect(await userinfoStatus(s.app, x.tokens.accessToken)).toBe(200);
      clock.advance(1000);
      const { res, events } = await eventsDuring(s, () => s.request('POST', `/api/v1/organizations/acme/users/${x.user.id}/deprovision`, { body: { reason: 'resigned' } }));
      expect(res.statusCode).toBe(200);
      const now = clock.now().toISOString();
      const removal = res.json();
      expect(removal).toEqual({ userId: x.user.id, leaverId: expect.any(String), terminatedAt: now, accessRemovedAt: now, elapsedSeconds: 0, slaHours: 24, withinSla: true, alreadyDeprovisioned: false });

      // One command: every event in one transaction, the leaver record last.
      const actions = events.map((e) => e.action);
      expect(actions[0]).toBe('identity.user.status_changed');
      expect(actions.at(-1)).toBe('lifecycle.user.deprovisioned');
      expect(actions.filter((a) => a === 'access.assignment.revoked')).toHaveLength(3);
      expect(actions.filter((a) => a === 'access.request.cancelled')).toHaveLength(1);
      expect(actions.filter((a) => a === 'identity.service_account.owner_removed')).toHaveLength(1);
      expect(actions.filter((a) => a === 'sessions.session.revoked')).toHaveLength(1);
      expect(actions.filter((a) => a === 'lifecycle.sla.breached')).toHaveLength(0);
      expect(new Set(events.map((e) => e.context.requestId)).size).toBe(1);
      const revoked = events.filter((e) => e.action === 'access.assignment.revoked');
      expect(revoked.map((e) => e.org).sort()).toEqual([acme.id, acme.id, globex.id].sort());
      const deprovisioned = events.at(-1)!;
      expect(deprovisioned).toMatchObject({ org: acme.id, actor: { type: 'api_key', id: s.adminKeyId } });
      expect(deprovisioned.data).toEqual({
        leaverId: removal.leaverId,
        userId: x.user.id,
        terminatedAt: now,
        accessRemovedAt: now,
        elapsedSeconds: 0,
        slaHours: 24,
        source: 'admin',
        sourceRef: null,
        reason: 'resigned',
        withinSla: true,
        endedAssignments: x.assignments.map((a) => a.id).sort(),
        cancelledRequests: [x.request.id],
      });
      expect(events[0].data).toEqual({ before: 'active', after: 'deprovisioned', reason: 'resigned' });

      await expectEverythingGone(x, x.tokens);
      const user = await ok(s, 200, 'GET', `/api/v1/users/${x.user.id}`);
      expect(user.status).toBe('deprovisioned');
      const leavers = (await ok(s, 200, 'GET', '/api/v1/organizations/acme/leavers')).items.filter((l: { userId: string }) => l.userId === x.user.id);
      expect(leavers).toEqual([
        { id: removal.leaverId, orgId: acme.id, userId: x.user.id, email: 'ada@acme.test', employeeNumber: 'E100', source: 'admin', sourceRef: null, reason: 'resigned', terminatedAt: now, accessRemovedAt: now, elapsedSeconds: 0, slaHours: 24, verdict: 'within_sla', reactivatedAt: null },
      ]);

      // Asking again changes nothing but leaves a trace, and answers the first removal's numbers.
      clock.advance(60_000);
      const again = await eventsDuring(s, () => s.request('POST', `/api/v1/organizations/acme/users/${x.user.id}/deprovision`, { body: { reason: 'duplicate ticket' } }));
      expect(again.res.json()).toEqual({ ...removal, alreadyDeprovisioned: true });
      expect(again.events.map((e) => [e.action, e.data])).toEqual([['lifecycle.deprovisioning.skipped', { userId: x.user.id, source: 'admin', reason: 'duplicate ticket', leaverId: removal.leaverId }]]);
      expect((await ok(s, 200, 'GET', '/api/v1/organizations/acme/leavers')).items.filter((l: { userId: string }) => l.userId === x.user.id)).toHaveLength(1);
    }, 60_000);

    it('an administrator’s PATCH status=deprovisioned ends roles and requests too, with exactly one leaver record', async () => {
      const x = await leaverWithAccess('bob@acme.test', 'E200');
      clock.advance(1000);
      const { res, events } = await eventsDuring(s, () => s.request('PATCH', `/api/v1/users/${x.user.id}`, { body: { status: 'deprovisioned', statusReason: 'contract ended' } }));
      expect(res.statusCode).toBe(200);
      expect(events.filter((e) => e.action === 'lifecycle.user.deprovisioned')).toHaveLength(1);
      // The user belongs to two organizations: the removal counts against none in particular, and shows in both reports.
      const event = events.find((e) => e.action === 'lifecycle.user.deprovisioned')!;
      expect(event.org).toBeNull();
      expect(event.data).toMatchObject({ source: 'admin', reason: 'contract ended', withinSla: true, slaHours: 24, endedAssignments: x.assignments.map((a) => a.id).sort(), cancelledRequests: [x.request.id] });
      await expectEverythingGone(x, x.tokens);
      for (const org of ['acme', 'globex']) {
        const mine = (await ok(s, 200, 'GET', `/api/v1/organizations/${org}/leavers`)).items.filter((l: { userId: string }) => l.userId === x.user.id);
        expect(mine).toHaveLength(1);
        expect(mine[0]).toMatchObject({ orgId: null, source: 'admin', verdict: 'within_sla' });
      }
      // A member of one organization only is counted against it.
      const solo = await createUser(s, { email: 'solo@acme.test', org: 'acme' });
      const soloRun = await eventsDuring(s, () => s.request('PATCH', `/api/v1/users/${solo.id}`, { body: { status: 'deprovisioned' } }));
      expect(soloRun.events.find((e) => e.action === 'lifecycle.user.deprovisioned')!.org).toBe(acme.id);
      // Suspending is not deprovisioning: roles stay, no leaver.
      const paused = await createUser(s, { email: 'paused@acme.test', org: 'acme' });
      const kept = await grantRole(s, 'acme', 'viewer', paused.id);
      const suspended = await eventsDuring(s, () => s.request('PATCH', `/api/v1/users/${paused.id}`, { body: { status: 'suspended' } }));
      expect(suspended.events.map((e) => e.action)).not.toContain('lifecycle.user.deprovisioned');
      expect((await ok(s, 200, 'GET', `/api/v1/organizations/acme/role-assignments/${kept.id}`)).active).toBe(true);
    }, 60_000);

    it('a termination 30 hours ago is an SLA breach and a finding; a recent one is within; the organization’s SLA decides', async () => {
      const late = await createUser(s, { email: 'late@acme.test', org: 'acme', employeeNumber: 'E300' });
      const terminatedAt = new Date(clock.now().getTime() - 30 * HOUR).toISOString();
      const { res, events } = await eventsDuring(s, () => s.request('POST', `/api/v1/organizations/acme/users/${late.id}/deprovision`, { body: { reason: 'HR ticket came late', terminatedAt } }));
      const now = clock.now().toISOString();
      expect(res.json()).toMatchObject({ terminatedAt, accessRemovedAt: now, elapsedSeconds: 30 * 3600, slaHours: 24, withinSla: false });
      const breach = events.find((e) => e.action === 'lifecycle.sla.breached')!;
      expect(breach.data).toEqual({ leaverId: res.json().leaverId, userId: late.id, terminatedAt, accessRemovedAt: now, elapsedSeconds: 30 * 3600, slaHours: 24, deadline: new Date(Date.parse(terminatedAt) + 24 * HOUR).toISOString(), overdueSeconds: 6 * 3600 });
      expect(events.map((e) => e.action).slice(-2)).toEqual(['lifecycle.user.deprovisioned', 'lifecycle.sla.breached']);
      const findings = (await ok(s, 200, 'GET', '/api/v1/organizations/acme/lifecycle/findings')).items;
      expect(findings).toContainEqual({ kind: 'removal_late', userId: late.id, leaverId: res.json().leaverId, scheduledTerminationId: null, terminatedAt, accessRemovedAt: now, slaHours: 24, since: breach.data.deadline, detail: expect.stringContaining('late@acme.test') });

      const recent = await createUser(s, { email: 'recent@acme.test', org: 'acme' });
      const twoHoursAgo = new Date(clock.now().getTime() - 2 * HOUR).toISOString();
      const inTime = await eventsDuring(s, () => s.request('POST', `/api/v1/organizations/acme/users/${recent.id}/deprovision`, { body: { reason: 'left', terminatedAt: twoHoursAgo } }));
      expect(inTime.res.json()).toMatchObject({ elapsedSeconds: 7200, slaHours: 24, withinSla: true });
      expect(inTime.events.map((e) => e.action)).not.toContain('lifecycle.sla.breached');

      // The organization tightens its SLA to one hour: the same two hours are now a breach.
      await ok(s, 200, 'PATCH', '/api/v1/organizations/globex', { settings: { deprovisioningSlaHours: 1 } });
      const strict = await createUser(s, { email: 'strict@globex.test', org: 'globex' });
      const judged = await s.request('POST', `/api/v1/organizations/globex/users/${strict.id}/deprovision`, { body: { reason: 'left', terminatedAt: twoHoursAgo } });
      expect(judged.json()).toMatchObject({ elapsedSeconds: 7200, slaHours: 1, withinSla: false });
      expect((await ok(s, 200, 'GET', '/api/v1/organizations/globex/lifecycle/findings')).items.map((f: { userId: string }) => f.userId)).toEqual([strict.id]);
      // The earlier leavers keep the SLA of their day.
      expect((await ok(s, 200, 'GET', '/api/v1/organizations/acme/leavers')).items.find((l: { userId: string }) => l.userId === late.id).slaHours).toBe(24);
    });

    it('refuses an SLA setting out of bounds, a future termination and a non-member, changing nothing', async () => {
      const user = await createUser(s, { email: 'stays@acme.test', org: 'acme' });
      await expectNothingChanged(s.rt, async () => {
        for (const value of [0, 721, 1.5, '24', null]) {
          const res = await s.request('PATCH', '/api/v1/organizations/acme', { body: { settings: { deprovisioningSlaHours: value } } });
          expectError(res, 422, 'organization.settings_invalid');
          expect(res.json().error.details).toEqual({ field: 'deprovisioningSlaHours', got: value });
        }
        const tomorrow = new Date(clock.now().getTime() + 24 * HOUR).toISOString();
        expectError(await s.request('POST', `/api/v1/organizations/acme/users/${user.id}/deprovision`, { body: { reason: 'leaves tomorrow', terminatedAt: tomorrow } }), 422, 'lifecycle.terminated_at_invalid');
        const outsider = await s.rt.identity.findUserByEmail('stays@acme.test');
        expectError(await s.request('POST', `/api/v1/organizations/globex/users/${outsider!.id}/deprovision`, { body: { reason: 'not theirs' } }), 404, 'membership.not_found');
        expectError(await s.request('POST', `/api/v1/organizations/acme/users/${user.id}/reactivate`, { body: { reason: 'never left' } }), 409, 'lifecycle.not_deprovisioned');
      });
      expect((await ok(s, 200, 'GET', `/api/v1/users/${user.id}`)).status).toBe('active');
      for (const value of [1, 720]) await ok(s, 200, 'PATCH', '/api/v1/organizations/acme', { settings: { deprovisioningSlaHours: value } });
      await ok(s, 200, 'PATCH', '/api/v1/organizations/acme', { settings: {} });
    });

    it('reactivation makes the user active again, audited, without giving back their roles', async () => {
      const x = await leaverWithAccess('carol@acme.test', 'E400');
      const removal = await ok(s, 200, 'POST', `/api/v1/organizations/acme/users/${x.user.id}/deprovision`, { reason: 'left' });
      clock.advance(HOUR);
      const { res, events } = await eventsDuring(s, () => s.request('POST', `/api/v1/organizations/acme/users/${x.user.id}/reactivate`, { body: { reason: 'rehired' } }));
      expect(res.json()).toEqual({ userId: x.user.id, leaverId: removal.leaverId });
      expect(events.map((e) => [e.action, e.data])).toEqual([
        ['identity.user.status_changed', { before: 'deprovisioned', after: 'active', reason: 'rehired' }],
        ['lifecycle.user.reactivated', { userId: x.user.id, source: 'admin', reason: 'rehired', leaverId: removal.leaverId }],
      ]);
      expect((await ok(s, 200, 'GET', `/api/v1/users/${x.user.id}`)).status).toBe('active');
      expect((await ok(s, 200, 'GET', `/api/v1/organizations/acme/role-assignments?principalId=${x.user.id}&active=true`)).items).toEqual([]);
      const leaver = (await ok(s, 200, 'GET', '/api/v1/organizations/acme/leavers')).items.find((l: { id: string }) => l.id === removal.leaverId);
      expect(leaver.reactivatedAt).toBe(clock.now().toISOString());
      // The old tokens stay dead; a new sign-in works.
      expect(await userinfoStatus(s.app, x.tokens.accessToken)).toBe(401);
      const fresh = await signInToApplication(s.rt, s.app, { userId: x.user.id, orgId: acme.id, redirectUri: CALLBACK, ...wiki });
      expect(await userinfoStatus(s.app, fresh.accessToken)).toBe(200);
      // Deprovisioned again: a second leaver record, its own.
      const second = await ok(s, 200, 'POST', `/api/v1/organizations/acme/users/${x.user.id}/deprovision`, { reason: 'left again' });
      expect(second.leaverId).not.toBe(removal.leaverId);
      expect(second.alreadyDeprovisioned).toBe(false);
    }, 60_000);
  });
}
