import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/databases.ts';
import { ManualClock } from '../../src/platform/clock.ts';
import { systemContext } from '../../src/audit/event.ts';
import type { LedgerEvent } from '../../src/audit/event.ts';
import { generateTotpCode } from '../../src/authn/totp/totp.ts';
import { openTotpSecret } from '../../src/authn/totp-secret.ts';
import { createOrg, createRole, createServiceAccount, createUser, expectError, expectNothingChanged, grantRole, listEventsViaApi, ok, startHttpSuite, type HttpSuite } from '../support/http.ts';
import { openUserSession } from '../support/user-session.ts';
import { SoftAuthenticator } from '../support/soft-authenticator.ts';

const ORIGIN = 'https://id.acme.test';
const DAY = 86_400_000;
const setup = systemContext('test', 'findings test');

type Finding = Record<string, any>;

for (const dialect of DIALECTS) {
  describe(`control-drift findings on ${dialect}`, () => {
    const clock = new ManualClock('2026-06-01T10:00:00.000Z');
    let s: HttpSuite;

    /** Every tracked finding of a type about a subject, newest first. */
    const findingsOf = async (type: string, subjectId: string): Promise<Finding[]> => {
      const out: Finding[] = [];
      let cursor: string | null = null;
      do {
        const page: Finding = await ok(s, 200, 'GET', `/api/v1/findings?type=${type}&limit=200${cursor ? `&cursor=${cursor}` : ''}`);
        out.push(...page.items.filter((f: Finding) => f.subject.id === subjectId));
        cursor = page.nextCursor;
      } while (cursor);
      return out;
    };
    /** The one live (not closed) finding of a type about a subject, or undefined. */
    const liveOf = async (type: string, subjectId: string) => (await findingsOf(type, subjectId)).find((f) => f.status !== 'closed');
    const timelineOf = async (id: string): Promise<LedgerEvent[]> => (await ok(s, 200, 'GET', `/api/v1/findings/${id}`)).timeline;
    const actionsOf = async (id: string) => (await timelineOf(id)).map((e) => e.action);
    const enrollTotp = async (userId: string) => {
      const start = await s.rt.authn.startTotpEnrollment(setup, userId, { issuer: 'Keyledger' });
      const row = await s.rt.database.db.selectFrom('totp_factors').select('secret').where('id', '=', start.factorId).executeTakeFirstOrThrow();
      await s.rt.authn.confirmTotpEnrollment(setup, userId, start.factorId, generateTotpCode({ secret: openTotpSecret(s.rt.master, row.secret), now: clock.now() }));
    };
    const registerPasskey = async (userId: string) => {
      const { challengeId, options } = await s.rt.passkeys.startRegistration(setup, userId);
      await s.rt.passkeys.finishRegistration(setup, userId, challengeId, new SoftAuthenticator().create(options, ORIGIN), 'laptop');
    };

    beforeAll(async () => {
      s = await startHttpSuite(dialect, { clock, env: { KEYLEDGER_PUBLIC_URL: ORIGIN } });
    });
    afterAll(async () => s?.close());

    it('member_without_required_mfa opens when a required-MFA member has no second factor, and closes by itself when they enroll TOTP', async () => {
      await createOrg(s, 'mfa-org');
      const ada = await createUser(s, { email: 'ada@mfa.test', org: 'mfa-org' });
      await s.rt.findings.evaluateChanged();
      expect(await liveOf('member_without_required_mfa', ada.id)).toBeUndefined();

      await ok(s, 200, 'PATCH', '/api/v1/organizations/mfa-org', { settings: { mfaPolicy: 'required', mfaGracePeriodDays: 0 } });
      const changed = await s.rt.findings.evaluateChanged();
      expect(changed.opened).toBeGreaterThanOrEqual(1);
      const open = (await liveOf('member_without_required_mfa', ada.id))!;
      expect(open).toMatchObject({ status: 'open', severity: 'high', orgId: expect.any(String), subject: { type: 'user', id: ada.id, display: 'ada@mfa.test' }, historical: false, acknowledgement: null, resolution: null });
      // It cites the ledger event that made ada a member.
      const joined = await listEventsViaApi(s, `?action=identity.membership.created&target=${ada.id}`);
      expect(open.eventIds).toEqual(expect.arrayContaining([joined[0].id]));

      await enrollTotp(ada.id);
      const cleared = await s.rt.findings.evaluateChanged();
      expect(cleared.closed).toBeGreaterThanOrEqual(1);
      const [closed] = await findingsOf('member_without_required_mfa', ada.id);
      expect(closed).toMatchObject({ id: open.id, status: 'closed', closeReason: 'condition_cleared' });
      const timeline = await timelineOf(open.id);
      expect(timeline.map((e) => [e.action, e.actor.type])).toEqual([['monitor.finding.opened', 'system'], ['monitor.finding.closed', 'system']]);
      expect(timeline[1].data).toMatchObject({ findingId: open.id, type: 'member_without_required_mfa', subject: { type: 'user', id: ada.id }, severity: 'high', reason: 'condition_cleared', previousStatus: 'open' });
    });

    it('privileged_without_phishing_resistant_mfa opens for a privileged holder without a passkey and closes when one is registered', async () => {
      await createOrg(s, 'priv-org');
      const carol = await createUser(s, { email: 'carol@priv.test', org: 'priv-org' });
      await createRole(s, 'priv-org', 'root', { permissions: ['*'], privileged: true, allowStanding: true });
      const grant = await grantRole(s, 'priv-org', 'root', carol.id, { approvalRef: 'CHG-1' });
      await s.rt.findings.evaluateChanged();
      const open = (await liveOf('privileged_without_phishing_resistant_mfa', carol.id))!;
      expect(open).toMatchObject({ status: 'open', severity: 'high', subject: { type: 'user', id: carol.id } });
      const granted = await listEventsViaApi(s, `?action=access.assignment.granted&target=${grant.id}`);
      expect(open.eventIds).toEqual([granted[0].id]);

      await registerPasskey(carol.id);
      await s.rt.findings.evaluateChanged();
      expect(await liveOf('privileged_without_phishing_resistant_mfa', carol.id)).toBeUndefined();
      expect(await actionsOf(open.id)).toEqual(['monitor.finding.opened', 'monitor.finding.closed']);
    });

    it('grant_without_approval and standing_privileged_assignment open with the grant and close with its revocation', async () => {
      await createOrg(s, 'gov-org');
      const dan = await createUser(s, { email: 'dan@gov.test', org: 'gov-org' });
      await createRole(s, 'gov-org', 'db-admin', { permissions: ['db:*'], privileged: true });
      const grant = await grantRole(s, 'gov-org', 'db-admin', dan.id);
      await s.rt.findings.evaluateChanged();
      const unapproved = (await liveOf('grant_without_approval', grant.id))!;
      const standing = (await liveOf('standing_privileged_assignment', grant.id))!;
      expect([unapproved.severity, standing.severity]).toEqual(['high', 'high']);
      // The tracked view and the computed view agree.
      const computed = (await ok(s, 200, 'GET', '/api/v1/organizations/gov-org/access-findings')).items;
      expect(computed.map((f: Finding) => [f.type, f.subject.id]).sort()).toEqual([['grant_without_approval', grant.id], ['standing_privileged_assignment', grant.id]]);

      await ok(s, 200, 'POST', `/api/v1/organizations/gov-org/role-assignments/${grant.id}/revoke`, { reason: 'no ticket' });
      await s.rt.findings.evaluateChanged();
      for (const f of [unapproved, standing]) expect((await ok(s, 200, 'GET', `/api/v1/findings/${f.id}`)).status).toBe('closed');
    });

    it('api_key_without_expiry is deployment-level: it opens for a powerful key without expiry and closes when the key is revoked', async () => {
      const reader = await ok(s, 201, 'POST', '/api/v1/api-keys', { name: 'reader', scopes: ['admin:read'] });
      const writer = await ok(s, 201, 'POST', '/api/v1/api-keys', { name: 'ci', scopes: ['admin:write'] });
      const expiring = await ok(s, 201, 'POST', '/api/v1/api-keys', { name: 'temp', scopes: ['api_keys:manage'], expiresAt: new Date(clock.now().getTime() + DAY).toISOString() });
      await s.rt.findings.evaluateChanged();
      const open = (await liveOf('api_key_without_expiry', writer.apiKey.id))!;
      expect(open).toMatchObject({ orgId: null, severity: 'high', subject: { type: 'api_key', id: writer.apiKey.id } });
      expect(await liveOf('api_key_without_expiry', reader.apiKey.id)).toBeUndefined();
      expect(await liveOf('api_key_without_expiry', expiring.apiKey.id)).toBeUndefined();
      const openKeyFindings = async () => {
        const text = (await s.request('GET', '/metrics', { key: null })).body;
        return Number(/^keyledger_findings_open\{type="api_key_without_expiry",severity="high"\} (\d+)$/m.exec(text)?.[1] ?? 0);
      };
      const before = await openKeyFindings();
      expect(before).toBeGreaterThanOrEqual(1);

      await ok(s, 200, 'POST', `/api/v1/api-keys/${writer.apiKey.id}/revoke`);
      await s.rt.findings.evaluateChanged();
      expect((await ok(s, 200, 'GET', `/api/v1/findings/${open.id}`)).status).toBe('closed');
      // /metrics counts what is open now.
      expect(await openKeyFindings()).toBe(before - 1);
    });

    it('deprovisioning_sla_breach records a late removal as historical: it never closes by itself, and a resolution ends it for good', async () => {
      await createOrg(s, 'hr-org');
      const erin = await createUser(s, { email: 'erin@hr.test', org: 'hr-org' });
      const terminatedAt = new Date(clock.now().getTime() - 3 * DAY).toISOString();
      await ok(s, 200, 'POST', `/api/v1/organizations/hr-org/users/${erin.id}/deprovision`, { reason: 'left three days ago', terminatedAt });
      await s.rt.findings.evaluateChanged();
      const leaver = await s.rt.database.db.selectFrom('leavers').select('id').where('user_id', '=', erin.id).executeTakeFirstOrThrow();
      const open = (await liveOf('deprovisioning_sla_breach', leaver.id))!;
      expect(open).toMatchObject({ status: 'open', historical: true, severity: 'high', subject: { type: 'leaver', id: leaver.id } });
      const breach = await listEventsViaApi(s, `?action=lifecycle.sla.breached&target=${leaver.id}`);
      expect(open.eventIds).toEqual([breach[0].id]);

      await ok(s, 200, 'POST', `/api/v1/findings/${open.id}/resolve`, { resolution: 'fixed', note: 'HR feed now posts terminations the same day' });
      await s.rt.findings.evaluate();
      await s.rt.findings.evaluate();
      expect(await ok(s, 200, 'GET', `/api/v1/findings/${open.id}`)).toMatchObject({ status: 'resolved', reopenCount: 0 });
      expect(await actionsOf(open.id)).toEqual(['monitor.finding.opened', 'monitor.finding.resolved']);
    });

    it('acknowledge, resolve as fixed (reopens while the condition lasts), risk_accepted (quiet until it expires), false_positive (quiet), then closes when the condition clears', async () => {
      await createOrg(s, 'life-org');
      await ok(s, 200, 'PATCH', '/api/v1/organizations/life-org', { settings: { mfaPolicy: 'required', mfaGracePeriodDays: 0 } });
      const fay = await createUser(s, { email: 'fay@life.test', org: 'life-org' });
      await s.rt.findings.evaluateChanged();
      const f = (await liveOf('member_without_required_mfa', fay.id))!;
      const url = `/api/v1/findings/${f.id}`;

      const acked = await ok(s, 200, 'POST', `${url}/acknowledge`, { note: 'asked fay to enroll' });
      expect(acked).toMatchObject({ status: 'acknowledged', acknowledgement: { note: 'asked fay to enroll', by: { type: 'api_key', id: s.adminKeyId } } });
      // Acknowledging twice is refused and changes nothing.
      await expectNothingChanged(s.rt, async () => expectError(await s.request('POST', `${url}/acknowledge`, { body: { note: 'again' } }), 409, 'finding.invalid_transition'));

      await ok(s, 200, 'POST', `${url}/resolve`, { resolution: 'fixed', note: 'fay says she enrolled' });
      expect((await s.rt.findings.evaluate({ orgIds: [f.orgId] })).reopened).toBe(1);
      const reopened = await ok(s, 200, 'GET', url);
      expect(reopened).toMatchObject({ status: 'open', reopenCount: 1, resolution: null });
      expect(reopened.timeline.at(-1)).toMatchObject({ action: 'monitor.finding.reopened', data: { reason: 'condition_persists', previousResolution: 'fixed' } });

      // Bad resolutions are refused and change nothing.
      for (const [body, code, status] of [
        [{ resolution: 'risk_accepted', note: 'n' }, 'finding.resolution_invalid', 422],
        [{ resolution: 'risk_accepted', note: 'n', acceptedUntil: new Date(clock.now().getTime() - 1000).toISOString() }, 'finding.resolution_invalid', 422],
        [{ resolution: 'risk_accepted', note: 'n', acceptedUntil: new Date(clock.now().getTime() + 400 * DAY).toISOString() }, 'finding.resolution_invalid', 422],
        [{ resolution: 'fixed', note: 'n', acceptedUntil: new Date(clock.now().getTime() + DAY).toISOString() }, 'finding.resolution_invalid', 422],
      ] as const) {
        await expectNothingChanged(s.rt, async () => expectError(await s.request('POST', `${url}/resolve`, { body }), status, code));
      }

      const acceptedUntil = new Date(clock.now().getTime() + 10 * DAY).toISOString();
      await ok(s, 200, 'POST', `${url}/resolve`, { resolution: 'risk_accepted', note: 'contractor leaves next week', acceptedUntil });
      // Resolving a resolved finding is refused.
      await expectNothingChanged(s.rt, async () => expectError(await s.request('POST', `${url}/resolve`, { body: { resolution: 'fixed', note: 'n' } }), 409, 'finding.invalid_transition'));
      clock.advance(9 * DAY);
      expect((await s.rt.findings.evaluate({ orgIds: [f.orgId] })).reopened).toBe(0);
      expect((await ok(s, 200, 'GET', url)).status).toBe('resolved');
      clock.advance(1 * DAY);
      expect((await s.rt.findings.evaluate({ orgIds: [f.orgId] })).reopened).toBe(1);
      expect((await ok(s, 200, 'GET', url)).timeline.at(-1)).toMatchObject({ action: 'monitor.finding.reopened', data: { reason: 'risk_acceptance_expired', previousResolution: 'risk_accepted', acceptedUntil } });

      await ok(s, 200, 'POST', `${url}/resolve`, { resolution: 'false_positive', note: 'fay signs in through SSO with MFA at the IdP' });
      expect((await s.rt.findings.evaluate({ orgIds: [f.orgId] })).reopened).toBe(0);
      expect((await ok(s, 200, 'GET', url)).status).toBe('resolved');

      await enrollTotp(fay.id);
      await s.rt.findings.evaluateChanged();
      const closed = await ok(s, 200, 'GET', url);
      expect(closed).toMatchObject({ status: 'closed', closeReason: 'condition_cleared', resolution: { resolution: 'false_positive' } });
      // A closed finding takes no more changes.
      await expectNothingChanged(s.rt, async () => {
        expectError(await s.request('POST', `${url}/acknowledge`, { body: { note: 'late' } }), 409, 'finding.invalid_transition');
        expectError(await s.request('POST', `${url}/resolve`, { body: { resolution: 'fixed', note: 'late' } }), 409, 'finding.invalid_transition');
      });

      // The ledger timeline is the finding's whole history, in order, and agrees with its row.
      expect(closed.timeline.map((e: LedgerEvent) => e.action)).toEqual([
        'monitor.finding.opened',
        'monitor.finding.acknowledged',
        'monitor.finding.resolved',
        'monitor.finding.reopened',
        'monitor.finding.resolved',
        'monitor.finding.reopened',
        'monitor.finding.resolved',
        'monitor.finding.closed',
      ]);
      expect(closed.timeline.map((e: LedgerEvent) => e.actor.type)).toEqual(['system', 'api_key', 'api_key', 'system', 'api_key', 'system', 'api_key', 'system']);
      for (const e of closed.timeline as LedgerEvent[]) {
        expect(e.data).toMatchObject({ findingId: f.id, type: closed.type, subject: { type: closed.subject.type, id: closed.subject.id }, severity: closed.severity, eventIds: closed.eventIds });
        expect(e.org).toBe(closed.orgId);
      }
      expect(closed.timeline.filter((e: LedgerEvent) => e.action === 'monitor.finding.reopened')).toHaveLength(closed.reopenCount);
      expect(closed.timeline[0].time).toBe(closed.openedAt);
      expect(closed.timeline.at(-1).time).toBe(closed.closedAt);
      expect(closed.timeline.at(-2).data).toMatchObject({ resolution: closed.resolution.resolution, note: closed.resolution.note });
    });

    it('stale_account opens after the threshold without a sign-in and closes when the user signs in', async () => {
      await createOrg(s, 'stale-org');
      const gus = await createUser(s, { email: 'gus@stale.test', org: 'stale-org' });
      await openUserSession(s.rt, gus.id, { amr: ['pwd'] });
      await s.rt.findings.evaluateChanged();
      expect(await liveOf('stale_account', gus.id)).toBeUndefined();
      clock.advance(89 * DAY);
      await s.rt.findings.evaluate();
      expect(await liveOf('stale_account', gus.id)).toBeUndefined();
      clock.advance(2 * DAY);
      await s.rt.findings.evaluate();
      const open = (await liveOf('stale_account', gus.id))!;
      expect(open).toMatchObject({ status: 'open', severity: 'medium' });
      const sessionEvents = await listEventsViaApi(s, `?action=sessions.session.created&target=${gus.id}`);
      expect(open.eventIds).toEqual([sessionEvents.at(-1)!.id]);

      // A shorter organization threshold applies to its members.
      await ok(s, 200, 'PATCH', '/api/v1/organizations/stale-org', { settings: { staleAccountDays: 365 } });
      await s.rt.findings.evaluateChanged();
      expect((await ok(s, 200, 'GET', `/api/v1/findings/${open.id}`)).status).toBe('closed');
      await ok(s, 200, 'PATCH', '/api/v1/organizations/stale-org', { settings: { staleAccountDays: 90 } });
      await s.rt.findings.evaluateChanged();
      const again = (await liveOf('stale_account', gus.id))!;
      expect(again.id).not.toBe(open.id);
      expectError(await s.request('PATCH', '/api/v1/organizations/stale-org', { body: { settings: { staleAccountDays: 0 } } }), 422, 'organization.settings_invalid');

      await openUserSession(s.rt, gus.id, { amr: ['pwd'] });
      await s.rt.findings.evaluateChanged();
      expect(await liveOf('stale_account', gus.id)).toBeUndefined();
      expect(await actionsOf(again.id)).toEqual(['monitor.finding.opened', 'monitor.finding.closed']);
    });

    it('service_account_credential_stale opens for an unused credential and closes when it is revoked', async () => {
      await createOrg(s, 'sa-org');
      const owner = await createUser(s, { email: 'owner@sa.test', org: 'sa-org' });
      await ok(s, 200, 'PATCH', '/api/v1/organizations/sa-org', { settings: { serviceAccountCredentialUnusedDays: 2 } });
      const sa = await createServiceAccount(s, 'sa-org', 'deploy-bot', owner.id);
      const { credential } = await ok(s, 201, 'POST', `/api/v1/organizations/sa-org/service-accounts/${sa.id}/credentials`, { kind: 'secret' });
      await s.rt.findings.evaluateChanged();
      expect(await liveOf('service_account_credential_stale', credential.id)).toBeUndefined();
      clock.advance(3 * DAY);
      await s.rt.findings.evaluate();
      const open = (await liveOf('service_account_credential_stale', credential.id))!;
      expect(open).toMatchObject({ status: 'open', severity: 'medium' });
      const created = await listEventsViaApi(s, `?action=identity.service_account.credential_created&target=${credential.id}`);
      expect(open.eventIds).toEqual([created[0].id]);

      await ok(s, 200, 'DELETE', `/api/v1/organizations/sa-org/service-accounts/${sa.id}/credentials/${credential.id}`);
      await s.rt.findings.evaluateChanged();
      expect((await ok(s, 200, 'GET', `/api/v1/findings/${open.id}`)).status).toBe('closed');
    });

    it('review_campaign_overdue opens once the due time passes and closes when the campaign is closed', async () => {
      await createOrg(s, 'rev-org');
      const owner = await createUser(s, { email: 'owner@rev.test', org: 'rev-org' });
      const review = await ok(s, 201, 'POST', '/api/v1/organizations/rev-org/access-reviews', { name: 'Q2', ownerId: owner.id, dueAt: new Date(clock.now().getTime() + DAY).toISOString() });
      await s.rt.findings.evaluateChanged();
      expect(await liveOf('review_campaign_overdue', review.id)).toBeUndefined();
      clock.advance(2 * DAY);
      await s.rt.findings.evaluate();
      const open = (await liveOf('review_campaign_overdue', review.id))!;
      expect(open).toMatchObject({ status: 'open', severity: 'high', subject: { type: 'access_review_campaign', id: review.id } });
      await ok(s, 200, 'POST', `/api/v1/organizations/rev-org/access-reviews/${review.id}/close`);
      await s.rt.findings.evaluateChanged();
      expect((await ok(s, 200, 'GET', `/api/v1/findings/${open.id}`)).status).toBe('closed');
    });

    it('two evaluations at once record each transition once, and a second run changes nothing', async () => {
      await createOrg(s, 'race-org');
      const users = [];
      for (const n of [1, 2, 3]) users.push(await createUser(s, { email: `u${n}@race.test`, org: 'race-org' }));
      await s.rt.findings.evaluateChanged();
      await ok(s, 200, 'PATCH', '/api/v1/organizations/race-org', { settings: { mfaPolicy: 'required', mfaGracePeriodDays: 0 } });
      const [a, b] = await Promise.all([s.rt.findings.evaluate(), s.rt.findings.evaluate()]);
      expect(a.opened + b.opened).toBe(3);
      for (const u of users) {
        const all = await findingsOf('member_without_required_mfa', u.id);
        expect(all).toHaveLength(1);
        expect(await actionsOf(all[0].id)).toEqual(['monitor.finding.opened']);
      }
      await s.rt.findings.evaluateChanged();
      await expectNothingChanged(s.rt, async () => expect(await s.rt.findings.evaluate()).toEqual({ opened: 0, reopened: 0, closed: 0, failedRules: [] }));

      for (const u of users) await enrollTotp(u.id);
      const [c, d] = await Promise.all([s.rt.findings.evaluateChanged(), s.rt.findings.evaluateChanged()]);
      expect(c.closed + d.closed).toBe(3);
      for (const u of users) expect(await actionsOf((await findingsOf('member_without_required_mfa', u.id))[0].id)).toEqual(['monitor.finding.opened', 'monitor.finding.closed']);
      const cursor = await s.rt.database.db.selectFrom('monitor_cursors').select('seq').executeTakeFirstOrThrow();
      const head = await s.rt.database.db.selectFrom('audit_events').select((eb) => eb.fn.max('seq').as('seq')).executeTakeFirstOrThrow();
      expect(Number(cursor.seq)).toBeLessThanOrEqual(Number(head.seq));
    });

    it('lists with filters and server paging; reads take admin:read or audit:read, changes take admin:write', async () => {
      const open = (await ok(s, 200, 'GET', '/api/v1/findings?status=open&limit=200')).items as Finding[];
      expect(open.length).toBeGreaterThan(2);
      expect(open.every((f) => f.status === 'open')).toBe(true);
      const byOrg = (await ok(s, 200, 'GET', '/api/v1/findings?org=race-org&limit=200')).items as Finding[];
      expect(byOrg).toHaveLength(3);
      // The severity filter returns exactly the findings of that severity (checked against the unfiltered list).
      const all = (await ok(s, 200, 'GET', '/api/v1/findings?limit=200')).items as Finding[];
      const severities = new Set(all.map((f) => f.severity));
      expect(severities.size).toBeGreaterThan(1);
      for (const severity of ['low', 'medium', 'high']) {
        const bySeverity = (await ok(s, 200, 'GET', `/api/v1/findings?severity=${severity}&limit=200`)).items as Finding[];
        expect(bySeverity.map((f) => f.id)).toEqual(all.filter((f) => f.severity === severity).map((f) => f.id));
      }
      const openHigh = (await ok(s, 200, 'GET', '/api/v1/findings?severity=high&status=open&limit=200')).items as Finding[];
      expect(openHigh.map((f) => f.id)).toEqual(open.filter((f) => f.severity === 'high').map((f) => f.id));
      const ids: string[] = [];
      let cursor: string | null = null;
      do {
        const page: Finding = await ok(s, 200, 'GET', `/api/v1/findings?status=open&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
        expect(page.items.length).toBeLessThanOrEqual(2);
        ids.push(...page.items.map((f: Finding) => f.id));
        cursor = page.nextCursor;
      } while (cursor);
      expect(ids).toEqual(open.map((f) => f.id));
      expect(new Set(ids).size).toBe(ids.length);

      const { key: auditor } = await s.issueKey('auditor', ['audit:read']);
      const { key: reader } = await s.issueKey('reader', ['admin:read']);
      for (const key of [auditor, reader]) {
        expect((await s.request('GET', '/api/v1/findings', { key })).statusCode).toBe(200);
        expect((await s.request('GET', `/api/v1/findings/${open[0].id}`, { key })).statusCode).toBe(200);
        await expectNothingChanged(s.rt, async () => expectError(await s.request('POST', `/api/v1/findings/${open[0].id}/acknowledge`, { key, body: { note: 'no' } }), 403, 'auth.forbidden'));
      }
      const { key: writer } = await s.issueKey('writer', ['admin:write']);
      expectError(await s.request('GET', '/api/v1/findings', { key: writer }), 403, 'auth.forbidden');
      expectError(await s.request('GET', '/api/v1/findings?org=nowhere'), 404, 'organization.not_found');
    });

    it("the scheduler runs the on-change and sweep jobs without failing", async () => {
      const tick = await s.rt.scheduler.tick();
      expect(tick).toMatchObject({ leader: true, failed: [] });
      expect(tick.ran).toEqual(expect.arrayContaining(['monitor.findings.evaluate_changed', 'monitor.findings.evaluate']));
      await s.rt.scheduler.stop();
    });
  });
}
