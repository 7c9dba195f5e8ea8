import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/databases.ts';
import { createOrg, createRole, createUser, eventsDuring, expectError, grantRole, listEventsViaApi, ok, startHttpSuite, walkPages, type HttpSuite } from '../support/http.ts';
import { ManualClock } from '../../src/platform/clock.ts';
import { hashLeaf } from '../../src/audit/merkle-hash.ts';
import { verifyInclusion } from '../../src/audit/merkle-proof.ts';
import { openCheckpoint } from '../../src/audit/checkpoint-note.ts';
import type { LedgerEvent } from '../../src/audit/event.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const UA = 'keyledger-http-tests/1.0';
const actions = (events: LedgerEvent[]) => events.map((e) => e.action);
const b64 = (s: string) => Buffer.from(s, 'base64');

for (const dialect of DIALECTS) {
  describe(`the audit ledger over HTTP on ${dialect}`, () => {
    const clock = new ManualClock('2026-03-01T09:00:00.000Z');
    let s: HttpSuite;
    beforeAll(async () => {
      s = await startHttpSuite(dialect, { clock });
    });
    afterAll(async () => s?.close());

    it('creating an organization, a user, a membership, a role and an assignment writes exactly one event each, stamped like its change', async () => {
      const headers = { 'user-agent': UA };
      const actor = { type: 'api_key', id: s.adminKeyId, display: 'test admin' };
      const expectOneEvent = (events: LedgerEvent[], res: { headers: Record<string, unknown> }, expected: Partial<LedgerEvent>) => {
        expect(events).toHaveLength(1);
        expect(events[0]).toEqual({
          id: expect.stringMatching(UUID),
          seq: expect.any(Number),
          outcome: 'success',
          actor,
          context: { requestId: res.headers['x-request-id'], ip: '127.0.0.1', userAgent: UA },
          v: 1,
          ...expected,
        });
      };

      clock.advance(1000);
      const o = await eventsDuring(s, () => s.request('POST', '/api/v1/organizations', { body: { slug: 'acme', name: 'Acme' }, headers }));
      expect(o.res.statusCode).toBe(201);
      const org = o.res.json();
      expectOneEvent(o.events, o.res, {
        time: org.createdAt,
        action: 'identity.organization.created',
        org: org.id,
        targets: [{ type: 'organization', id: org.id, display: 'acme' }],
        data: { slug: 'acme', name: 'Acme' },
      });

      clock.advance(1000);
      const u = await eventsDuring(s, () => s.request('POST', '/api/v1/users', { body: { email: 'ada@acme.test', name: 'Ada' }, headers }));
      expect(u.res.statusCode).toBe(201);
      const user = u.res.json();
      expectOneEvent(u.events, u.res, {
        time: user.createdAt,
        action: 'identity.user.created',
        org: null,
        targets: [{ type: 'user', id: user.id, display: 'ada@acme.test' }],
        data: { email: 'ada@acme.test', name: 'Ada', status: 'active', managerId: null, employeeNumber: null, department: null, title: null },
      });

      clock.advance(1000);
      const m = await eventsDuring(s, () => s.request('POST', '/api/v1/organizations/acme/members', { body: { userId: user.id }, headers }));
      expect(m.res.statusCode).toBe(201);
      expectOneEvent(m.events, m.res, {
        time: m.res.json().createdAt,
        action: 'identity.membership.created',
        org: org.id,
        targets: [
          { type: 'user', id: user.id, display: 'ada@acme.test' },
          { type: 'organization', id: org.id, display: 'acme' },
        ],
        data: { userId: user.id, email: 'ada@acme.test' },
      });

      clock.advance(1000);
      const r = await eventsDuring(s, () =>
        s.request('POST', '/api/v1/organizations/acme/roles', { body: { key: 'admin', name: 'Admin', description: 'Everything', permissions: ['*'], privileged: true }, headers }),
      );
      expect(r.res.statusCode).toBe(201);
      const role = r.res.json();
      expectOneEvent(r.events, r.res, {
        time: role.createdAt,
        action: 'access.role.created',
        org: org.id,
        targets: [{ type: 'role', id: role.id, display: 'admin' }],
        data: { key: 'admin', name: 'Admin', description: 'Everything', permissions: ['*'], privileged: true, mfaPolicy: null, ownerId: null, approvers: ['manager', 'owner', 'named'], namedApprovers: [], approvalsRequired: null, maxActivationMinutes: 60, activationRequiresApproval: false, allowStanding: false },
      });

      clock.advance(1000);
      const g = await eventsDuring(s, () =>
        s.request('POST', '/api/v1/organizations/acme/role-assignments', { body: { role: 'admin', principalType: 'user', principalId: user.id, reason: 'founder' }, headers }),
      );
      expect(g.res.statusCode).toBe(201);
      const grant = g.res.json();
      expectOneEvent(g.events, g.res, {
        time: grant.createdAt,
        action: 'access.assignment.granted',
        org: org.id,
        targets: [
          { type: 'user', id: user.id, display: 'ada@acme.test' },
          { type: 'role_assignment', id: grant.id },
          { type: 'role', id: role.id, display: 'admin' },
        ],
        data: { roleId: role.id, roleKey: 'admin', privileged: true, principalType: 'user', principalId: user.id, approvalRef: null, requestId: null, reason: 'founder', expiresAt: null },
      });

      const seqs = [o, u, m, r, g].map((c) => c.events[0].seq);
      expect(seqs).toEqual(seqs.map((_, i) => seqs[0] + i));
      expect(new Set([o, u, m, r, g].map((c) => c.res.headers['x-request-id'])).size).toBe(5);
    });

    it('keeps a well-formed x-request-id from the client and replaces a malformed one', async () => {
      const kept = await eventsDuring(s, () => s.request('POST', '/api/v1/organizations', { body: { slug: 'traced', name: 'Traced' }, headers: { 'x-request-id': 'trace-42.abc_DEF' } }));
      expect(kept.res.headers['x-request-id']).toBe('trace-42.abc_DEF');
      expect(kept.events.map((e) => e.context.requestId)).toEqual(['trace-42.abc_DEF']);

      const replaced = await eventsDuring(s, () => s.request('POST', '/api/v1/organizations', { body: { slug: 'traced-2', name: 'T' }, headers: { 'x-request-id': 'has spaces; and <html>' } }));
      expect(replaced.res.headers['x-request-id']).toMatch(UUID);
      expect(replaced.events.map((e) => e.context.requestId)).toEqual([replaced.res.headers['x-request-id']]);
    });

    it('filters events by actor, action prefix, target, organization and time', async () => {
      const phaseA = '2026-04-01T00:00:00.000Z';
      const phaseB = '2026-04-02T00:00:00.000Z';
      const phaseC = '2026-04-03T00:00:00.000Z';
      clock.set(phaseA);
      await createOrg(s, 'alpha');
      const ua = await createUser(s, { email: 'ua@alpha.test', org: 'alpha' });

      clock.set(phaseB);
      const second = await s.issueKey('second key', ['admin:write']);
      const as2 = (method: 'POST', url: string, body: unknown) => s.request(method, url, { body, key: second.key });
      expect((await as2('POST', '/api/v1/organizations', { slug: 'beta', name: 'Beta' })).statusCode).toBe(201);
      const ub = (await as2('POST', '/api/v1/users', { email: 'ub@beta.test', org: 'beta' })).json();
      expect((await as2('POST', '/api/v1/organizations/beta/roles', { key: 'ops', name: 'Ops', description: 'd', permissions: [] })).statusCode).toBe(201);
      expect((await as2('POST', '/api/v1/organizations/beta/role-assignments', { role: 'ops', principalType: 'user', principalId: ub.id })).statusCode).toBe(201);

      clock.set(phaseC);
      await ok(s, 200, 'PATCH', `/api/v1/users/${ua.id}`, { status: 'suspended', statusReason: 'audit' });

      const all = await listEventsViaApi(s);
      const q = (query: string) => listEventsViaApi(s, query);
      const phaseBEvents = all.filter((e) => e.time >= phaseB && e.time < phaseC);
      expect(actions(phaseBEvents)).toEqual(['platform.api_key.created', 'identity.organization.created', 'identity.user.created', 'identity.membership.created', 'access.role.created', 'access.assignment.granted']);

      expect(await q(`actor=${second.id}`)).toEqual(phaseBEvents.filter((e) => e.actor.id === second.id));
      expect(actions(await q(`actor=${second.id}`))).toHaveLength(5);
      expect(await q('action=access.')).toEqual(all.filter((e) => e.action.startsWith('access.')));
      expect(await q('action=identity.user')).toEqual(all.filter((e) => e.action.startsWith('identity.user')));
      // The prefix is matched literally and exactly: "_" and "%" are not wildcards, case matters.
      expect(actions(await q('action=identity.user.status_changed'))).toEqual(['identity.user.status_changed']);
      expect(await q('action=identity.user.status%25')).toEqual([]);
      expect(await q('action=identity_user')).toEqual([]);
      expect(await q('action=IDENTITY.')).toEqual([]);

      expect(actions(await q(`target=${ua.id}`))).toEqual(['identity.user.created', 'identity.membership.created', 'identity.user.status_changed']);
      const beta = await ok(s, 200, 'GET', '/api/v1/organizations/beta');
      const byOrg = await q('org=beta');
      expect(byOrg).toEqual(all.filter((e) => e.org === beta.id));
      expect(actions(byOrg)).toEqual(['identity.organization.created', 'identity.user.created', 'identity.membership.created', 'access.role.created', 'access.assignment.granted']);
      expect(await q(`org=${beta.id}`)).toEqual(byOrg);
      expectError(await s.request('GET', '/api/v1/audit/events?org=no-such-org'), 404, 'organization.not_found');

      expect(await q(`since=${phaseB}&until=${phaseC}`)).toEqual(phaseBEvents);
      expect(await q(`since=${encodeURIComponent('2026-04-02T01:00:00+01:00')}&until=${phaseC}`)).toEqual(phaseBEvents);
      expect(actions(await q(`since=${phaseC}`))).toEqual(['identity.user.status_changed']);
      expect(await q(`until=${phaseA}`)).toEqual(all.filter((e) => e.time < phaseA));
      expect(await q(`actor=${second.id}&action=identity.user&org=beta`)).toEqual(phaseBEvents.filter((e) => e.action === 'identity.user.created'));
    });

    it('walks the whole ledger page by page in sequence order', async () => {
      const all = await listEventsViaApi(s);
      expect(all.map((e) => e.seq)).toEqual(all.map((_, i) => i));
      expect(all[0].action).toBe('ledger.signing_key.created');
      const { ids, pages } = await walkPages(s, '/api/v1/audit/events', 4);
      expect(ids).toEqual(all.map((e) => e.id));
      expect(pages).toBe(Math.ceil(all.length / 4));
      const filtered = await walkPages(s, '/api/v1/audit/events?action=identity.', 2);
      expect(filtered.ids).toEqual(all.filter((e) => e.action.startsWith('identity.')).map((e) => e.id));
    });

    it('lists newest first with order=desc, page by page, and takes several action prefixes', async () => {
      const all = await listEventsViaApi(s);
      const newest = await walkPages(s, '/api/v1/audit/events?order=desc', 3);
      expect(newest.ids).toEqual(all.map((e) => e.id).reverse());
      const both = (e: LedgerEvent) => e.action.startsWith('identity.user') || e.action.startsWith('access.role');
      const mixed = await walkPages(s, '/api/v1/audit/events?action=identity.user,access.role&order=desc', 2);
      expect(mixed.ids).toEqual(all.filter(both).map((e) => e.id).reverse());
      expect(mixed.ids.length).toBeGreaterThan(2);
      expect(await listEventsViaApi(s, 'action=identity.user,access.role')).toEqual(all.filter(both));
      expect(await listEventsViaApi(s, 'action=nothing.,IDENTITY.')).toEqual([]);
      // A cursor continues the order it was issued for.
      const asc = await ok(s, 200, 'GET', '/api/v1/audit/events?limit=1');
      const desc = await ok(s, 200, 'GET', '/api/v1/audit/events?limit=1&order=desc');
      expectError(await s.request('GET', `/api/v1/audit/events?order=desc&cursor=${asc.nextCursor}`), 400, 'pagination.invalid_cursor');
      expectError(await s.request('GET', `/api/v1/audit/events?cursor=${desc.nextCursor}`), 400, 'pagination.invalid_cursor');
      expectError(await s.request('GET', '/api/v1/audit/events?order=newest'), 400, 'request.invalid');
    });

    it('reads one event, and proves it against a signed checkpoint the public key verifies', async () => {
      const [event] = await listEventsViaApi(s, 'action=access.assignment.granted');
      expect(await ok(s, 200, 'GET', `/api/v1/audit/events/${event.id}`)).toEqual(event);
      expectError(await s.request('GET', '/api/v1/audit/events/00000000-0000-7000-8000-000000000000'), 404, 'ledger.event_not_found');

      const cp = await s.rt.sequencer.integrateAll();
      expect(cp).not.toBeNull();
      const latest = await ok(s, 200, 'GET', '/api/v1/audit/checkpoints/latest');
      expect(await ok(s, 200, 'GET', `/api/v1/audit/checkpoints/${latest.size}`)).toEqual(latest);
      expectError(await s.request('GET', `/api/v1/audit/checkpoints/${latest.size + 1000}`), 404, 'ledger.checkpoint_not_found');

      const proof = await ok(s, 200, 'GET', `/api/v1/audit/events/${event.id}/proof`);
      expect(proof).toMatchObject({ eventId: event.id, leafIndex: event.seq, treeSize: latest.size, event });
      expect(() => verifyInclusion(hashLeaf(Buffer.from(proof.canonicalEvent)), proof.leafIndex, proof.treeSize, proof.proof.map(b64), b64(proof.rootHash))).not.toThrow();
      const key = await s.request('GET', '/.well-known/keyledger/ledger-key', { key: null });
      const opened = openCheckpoint(proof.checkpoint, key.json().verifierKey);
      expect({ size: opened.size, root: Buffer.from(opened.rootHash).toString('base64') }).toEqual({ size: latest.size, root: latest.rootHash });

      await createOrg(s, 'after-checkpoint');
      const [late] = await listEventsViaApi(s, 'org=after-checkpoint');
      expectError(await s.request('GET', `/api/v1/audit/events/${late.id}/proof`), 409, 'ledger.event_not_sequenced');
      await s.rt.sequencer.integrateAll();
      const consistency = await ok(s, 200, 'GET', `/api/v1/audit/consistency?from=${latest.size}`);
      expect(consistency).toMatchObject({ fromSize: latest.size, fromRoot: latest.rootHash, fromCheckpoint: latest.note });
      expect(consistency.toSize).toBeGreaterThan(latest.size);
    });

    it('an assignment past its expiry is listed as inactive', async () => {
      await createOrg(s, 'temp');
      const user = await createUser(s, { email: 'temp@temp.test', org: 'temp' });
      await createRole(s, 'temp', 'break-glass');
      const grant = await grantRole(s, 'temp', 'break-glass', user.id, { expiresAt: new Date(clock.now().getTime() + 3_600_000).toISOString() });
      const ids = async (active: boolean) => (await ok(s, 200, 'GET', `/api/v1/organizations/temp/role-assignments?active=${active}`)).items.map((a: { id: string }) => a.id);
      expect(await ids(true)).toEqual([grant.id]);
      expect(await ids(false)).toEqual([]);
      clock.advance(3_600_000);
      expect(await ids(true)).toEqual([]);
      expect(await ids(false)).toEqual([grant.id]);
      expect((await ok(s, 200, 'GET', `/api/v1/organizations/temp/role-assignments/${grant.id}`)).active).toBe(false);
      expectError(await s.request('POST', `/api/v1/organizations/temp/role-assignments/${grant.id}/revoke`, { body: {} }), 409, 'assignment.already_ended');
    });
  });
}
