import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/databases.ts';
import { createOrg, createServiceAccount, createUser, expectError, expectNothingChanged, ok, startHttpSuite, type HttpSuite } from '../support/http.ts';
import { createCredential, saUrl } from '../support/service-accounts.ts';
import { ManualClock } from '../../src/platform/clock.ts';

const DAY = 86_400_000;
type Finding = { kind: string; serviceAccountId: string; credentialId?: string; since: string; detail: string };

for (const dialect of DIALECTS) {
  describe(`service account findings on ${dialect}`, () => {
    const clock = new ManualClock('2026-03-01T00:00:00.000Z');
    let s: HttpSuite;
    let owner: Record<string, any>;
    const findings = async (org = 'audited'): Promise<Finding[]> => (await ok(s, 200, 'GET', `/api/v1/organizations/${org}/service-accounts/findings`)).items;
    const at = (ms: number) => new Date(ms).toISOString();
    beforeAll(async () => {
      s = await startHttpSuite(dialect, { clock });
      await ok(s, 201, 'POST', '/api/v1/organizations', { slug: 'audited', name: 'Audited', settings: { serviceAccountCredentialMaxAgeDays: 30, serviceAccountCredentialUnusedDays: 10 } });
      owner = await createUser(s, { email: 'owner@audited.test', org: 'audited' });
    });
    afterAll(async () => s?.close());

    it('the credential age settings are integers from 1 to 365, refused otherwise on create and on update', async () => {
      await createOrg(s, 'plain');
      for (const field of ['serviceAccountCredentialMaxAgeDays', 'serviceAccountCredentialUnusedDays']) {
        for (const value of [0, 366, 1.5, '30', null, -5]) {
          await expectNothingChanged(s.rt, async () => {
            const created = await s.request('POST', '/api/v1/organizations', { body: { slug: 'never', name: 'N', settings: { [field]: value } } });
            expectError(created, 422, 'organization.settings_invalid');
            expect(created.json().error.details).toEqual({ field, got: value });
            expectError(await s.request('PATCH', '/api/v1/organizations/plain', { body: { settings: { [field]: value } } }), 422, 'organization.settings_invalid');
          });
        }
        for (const value of [1, 365]) expect((await ok(s, 200, 'PATCH', '/api/v1/organizations/plain', { settings: { [field]: value } })).settings[field]).toBe(value);
      }
    });

    it('lists unused, too-old and ownerless findings as time passes, and never a missing credential', async () => {
      const t0 = clock.now().getTime();
      const idle = await createServiceAccount(s, 'audited', 'idle', owner.id);
      const busy = await createServiceAccount(s, 'audited', 'busy', owner.id);
      const bare = await createServiceAccount(s, 'audited', 'bare', owner.id);
      const idleCred = await createCredential(s, 'audited', idle.id);
      const busyCred = await createCredential(s, 'audited', busy.id);
      expect(await findings()).toEqual([]);

      clock.set(at(t0 + 5 * DAY));
      await s.rt.serviceAccounts.recordUse(busyCred.credential.id, '192.0.2.10');
      clock.set(at(t0 + 10 * DAY - 1));
      expect(await findings()).toEqual([]);
      clock.set(at(t0 + 10 * DAY));
      expect(await findings()).toEqual([{ kind: 'credential_unused', serviceAccountId: idle.id, credentialId: idleCred.credential.id, since: at(t0 + 10 * DAY), detail: expect.stringContaining('never used') }]);

      // Counted from the last use: the busy credential turns unused ten days after it was last used.
      clock.set(at(t0 + 15 * DAY));
      expect(await findings()).toEqual([
        { kind: 'credential_unused', serviceAccountId: idle.id, credentialId: idleCred.credential.id, since: at(t0 + 10 * DAY), detail: expect.any(String) },
        { kind: 'credential_unused', serviceAccountId: busy.id, credentialId: busyCred.credential.id, since: at(t0 + 15 * DAY), detail: expect.stringContaining(`last used ${at(t0 + 5 * DAY)}`) },
      ]);

      // Past the 30-day maximum age and not revoked: too old (and no longer listed as merely unused).
      clock.set(at(t0 + 30 * DAY));
      expect(await findings()).toEqual([
        { kind: 'credential_too_old', serviceAccountId: idle.id, credentialId: idleCred.credential.id, since: at(t0 + 30 * DAY), detail: expect.stringContaining('30-day maximum age') },
        { kind: 'credential_too_old', serviceAccountId: busy.id, credentialId: busyCred.credential.id, since: at(t0 + 30 * DAY), detail: expect.any(String) },
      ]);
      // Revoking clears the finding; the account with no credential at all was never a finding.
      await ok(s, 200, 'DELETE', saUrl('audited', idle.id, `/credentials/${idleCred.credential.id}`));
      await ok(s, 200, 'DELETE', saUrl('audited', busy.id, `/credentials/${busyCred.credential.id}`));
      expect(await findings()).toEqual([]);
      expect(bare.id).toBeDefined();
    });

    it('a tightened maximum age makes old credentials findings at once, dated from the new limit', async () => {
      const bot = await createServiceAccount(s, 'audited', 'tightened', owner.id);
      const cred = await createCredential(s, 'audited', bot.id);
      await s.rt.serviceAccounts.recordUse(cred.credential.id, '192.0.2.11');
      const created = Date.parse(cred.credential.createdAt);
      clock.set(at(created + 8 * DAY));
      await s.rt.serviceAccounts.recordUse(cred.credential.id, '192.0.2.11');
      expect(await findings()).toEqual([]);
      await ok(s, 200, 'PATCH', '/api/v1/organizations/audited', { settings: { serviceAccountCredentialMaxAgeDays: 7, serviceAccountCredentialUnusedDays: 10 } });
      expect(await findings()).toEqual([{ kind: 'credential_too_old', serviceAccountId: bot.id, credentialId: cred.credential.id, since: at(created + 7 * DAY), detail: expect.stringContaining('7-day') }]);
      await ok(s, 200, 'PATCH', '/api/v1/organizations/audited', { settings: { serviceAccountCredentialMaxAgeDays: 30, serviceAccountCredentialUnusedDays: 10 } });
      expect(await findings()).toEqual([]);
      await ok(s, 200, 'DELETE', saUrl('audited', bot.id, `/credentials/${cred.credential.id}`));
    });

    it('a credential rotated out ends as planned, not as a finding; disabled accounts list too-old but not unused credentials; deleted ones list nothing', async () => {
      const t0 = clock.now().getTime();
      const rotating = await createServiceAccount(s, 'audited', 'rotating', owner.id);
      const old = await createCredential(s, 'audited', rotating.id);
      const rotated = await ok(s, 201, 'POST', saUrl('audited', rotating.id, `/credentials/${old.credential.id}/rotate`), { overlapSeconds: 3600 });
      await s.rt.serviceAccounts.recordUse(rotated.credential.id, '192.0.2.12');

      const disabled = await createServiceAccount(s, 'audited', 'disabled', owner.id);
      const disabledCred = await createCredential(s, 'audited', disabled.id);
      await ok(s, 200, 'PATCH', saUrl('audited', disabled.id), { status: 'disabled' });
      const deleted = await createServiceAccount(s, 'audited', 'deleted', owner.id);
      await createCredential(s, 'audited', deleted.id);
      await ok(s, 200, 'DELETE', saUrl('audited', deleted.id));

      clock.set(at(t0 + 12 * DAY));
      await s.rt.serviceAccounts.recordUse(rotated.credential.id, '192.0.2.12');
      // The old secret expired after its hour of overlap; the disabled account's unused secret is expected to be idle.
      expect(await findings()).toEqual([]);
      clock.set(at(t0 + 30 * DAY));
      expect(await findings()).toEqual([
        { kind: 'credential_too_old', serviceAccountId: rotating.id, credentialId: rotated.credential.id, since: at(t0 + 30 * DAY), detail: expect.any(String) },
        { kind: 'credential_too_old', serviceAccountId: disabled.id, credentialId: disabledCred.credential.id, since: at(t0 + 30 * DAY), detail: expect.any(String) },
      ]);
      await ok(s, 200, 'DELETE', saUrl('audited', rotating.id));
      await ok(s, 200, 'DELETE', saUrl('audited', disabled.id));
      expect(await findings()).toEqual([]);
    });

    it('an account whose owner left is a finding from that moment, in its own organization only', async () => {
      const leaver = await createUser(s, { email: 'leaver@audited.test', org: 'audited' });
      const bot = await createServiceAccount(s, 'audited', 'left-behind', leaver.id);
      clock.advance(DAY);
      await ok(s, 204, 'DELETE', `/api/v1/organizations/audited/members/${leaver.id}`);
      expect(await findings()).toEqual([{ kind: 'owner_missing', serviceAccountId: bot.id, since: clock.now().toISOString(), detail: expect.stringContaining('left-behind') }]);
      expect(await findings('plain')).toEqual([]);
      expectError(await s.request('GET', '/api/v1/organizations/nowhere/service-accounts/findings'), 404, 'organization.not_found');
    });
  });
}
