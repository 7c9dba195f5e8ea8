import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/databases.ts';
import { createTestRuntime, type TestRuntime } from '../support/runtime.ts';
import { systemContext } from '../../src/audit/event.ts';
import { verifyLedger } from '../../src/audit/verify-ledger.ts';
import { verifyInclusion } from '../../src/audit/merkle-proof.ts';
import { hashLeaf } from '../../src/audit/merkle-hash.ts';

const ctx = systemContext('test', 'ledger spine test');

for (const dialect of DIALECTS) {
  describe(`ledger spine on ${dialect}`, () => {
    let t: TestRuntime;
    beforeAll(async () => {
      t = await createTestRuntime(dialect);
    });
    afterAll(async () => t?.close());

    it('appends one event per command, integrates, signs and proves', async () => {
      const org = await t.rt.identity.createOrganization(ctx, { slug: 'acme', name: 'Acme' });
      const user = await t.rt.identity.createUser(ctx, { email: 'Ada@Example.com', name: 'Ada' }, { orgRef: 'acme' });
      const role = await t.rt.access.createRole(ctx, 'acme', { key: 'admin', name: 'Admin', description: 'Full control', permissions: ['*'], privileged: true });
      const grant = await t.rt.access.grant(ctx, org.id, { role: 'admin', principalType: 'user', principalId: user.id, reason: 'founder' });
      expect(grant.active).toBe(true);
      const cp = await t.rt.sequencer.integrateAll();
      expect(cp).not.toBeNull();
      const { events } = await t.rt.ledger.listEvents({}, { limit: 100 });
      expect(events.map((e) => e.action)).toEqual([
        'ledger.signing_key.created',
        'identity.organization.created',
        'identity.user.created',
        'identity.membership.created',
        'access.role.created',
        'access.assignment.granted',
      ]);
      expect(cp!.size).toBe(events.length);
      const proof = await t.rt.ledger.inclusionProof(events[3].id);
      expect(() =>
        verifyInclusion(hashLeaf(Buffer.from(proof.canonicalEvent)), proof.leafIndex, proof.treeSize, proof.proof.map((p) => Buffer.from(p, 'base64')), Buffer.from(proof.rootHash, 'base64')),
      ).not.toThrow();
      const report = await verifyLedger(t.rt.database.db);
      expect(report).toMatchObject({ ok: true, events: events.length, treeSize: events.length, checkpoints: 1 });
    });

    it('a failed command appends nothing', async () => {
      const before = (await t.rt.ledger.listEvents({}, { limit: 200 })).events.length;
      await expect(t.rt.identity.createOrganization(ctx, { slug: 'acme', name: 'Again' })).rejects.toMatchObject({ code: 'organization.slug_taken' });
      await expect(t.rt.identity.createUser(ctx, { email: 'ada@example.com' })).rejects.toMatchObject({ code: 'user.email_taken' });
      const after = (await t.rt.ledger.listEvents({}, { limit: 200 })).events.length;
      expect(after).toBe(before);
    });
  });
}
