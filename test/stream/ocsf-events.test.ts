import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/databases.ts';
import { createRole, grantRole, startHttpSuite, type HttpSuite } from '../support/http.ts';
import { PageClient } from '../support/page-client.ts';
import { lockAccount } from '../support/lockout.ts';
import { parseCef } from '../support/cef-parser.ts';
import { ManualClock } from '../../src/platform/clock.ts';
import { systemContext } from '../../src/audit/event.ts';
import { generateTotpCode } from '../../src/authn/totp/totp.ts';
import { openTotpSecret } from '../../src/authn/totp-secret.ts';
import { readLedgerAfter, type FeedEvent } from '../../src/stream/ledger-feed.ts';
import { toOcsf } from '../../src/stream/ocsf.ts';
import { toCef } from '../../src/stream/cef.ts';
import { OCSF_CLASSES } from '../../src/stream/ocsf-classes.ts';
import type { StreamRecord } from '../../src/stream/types.ts';
import { PRODUCT_VERSION } from '../../src/stream/product.ts';

const PASSWORD = 'quartz-lantern-orbit-meadow-42';
const admin = systemContext('test', 'stream test setup');
type Ocsf = Record<string, any>;

for (const dialect of DIALECTS) {
  describe(`OCSF and CEF of real ledger events on ${dialect}`, () => {
    const clock = new ManualClock('2026-03-02T09:00:00.000Z');
    let s: HttpSuite;
    let ada: string;
    let feed: FeedEvent[];
    const ocsfOf = (f: FeedEvent): Ocsf => toOcsf({ kind: 'event', feed: f });
    const last = (action: string) => {
      const f = feed.filter((e) => e.event.action === action).at(-1);
      if (!f) throw new Error(`no ${action} event in the ledger`);
      return f;
    };

    beforeAll(async () => {
      s = await startHttpSuite(dialect, { clock });
      await s.rt.identity.createOrganization(admin, { slug: 'acme', name: 'Acme' });
      ada = (await s.rt.identity.createUser(admin, { email: 'ada@acme.test', name: 'Ada | Ops = \\ lead' }, { orgRef: 'acme' })).id;
      await s.rt.authn.setPassword(admin, ada, PASSWORD);
      const grace = (await s.rt.identity.createUser(admin, { email: 'grace@acme.test', name: 'Grace' }, { orgRef: 'acme' })).id;
      const start = await s.rt.authn.startTotpEnrollment(admin, grace, { issuer: 'Keyledger' });
      const row = await s.rt.database.db.selectFrom('totp_factors').selectAll().where('id', '=', start.factorId).executeTakeFirstOrThrow();
      await s.rt.authn.confirmTotpEnrollment(admin, grace, start.factorId, generateTotpCode({ secret: openTotpSecret(s.rt.master, row.secret), now: clock.now() }));

      // Sign-ins through the hosted page: a wrong password, an unknown address, then a good one.
      for (const [email, password] of [['ada@acme.test', 'not the password at all 1'], ['nobody@acme.test', 'not the password at all 1'], ['ada@acme.test', PASSWORD]]) {
        const c = new PageClient(s.app);
        await c.get('/login');
        await c.post('/login', { email, password });
      }
      await createRole(s, 'acme', 'viewer');
      await grantRole(s, 'acme', 'viewer', ada);
      await lockAccount(s.rt, 'grace@acme.test');
      await s.rt.sequencer.integrateAll();
      feed = await readLedgerAfter(s.rt.database.db, -1, 10_000);
    });
    afterAll(async () => s.close());

    it('maps every event to a specific class, with the OCSF envelope and the whole Keyledger event', () => {
      expect(feed.length).toBeGreaterThan(15);
      for (const f of feed) {
        const o = ocsfOf(f);
        const cls = OCSF_CLASSES[o.class_uid];
        expect(cls, f.event.action).toBeDefined();
        expect(o.class_uid, f.event.action).not.toBe(0);
        expect(o.type_uid).toBe(o.class_uid * 100 + o.activity_id);
        expect(o.category_uid).toBe(cls.categoryUid);
        expect(o.time).toBe(Date.parse(f.event.time));
        expect(o.metadata).toMatchObject({ product: { name: 'Keyledger', vendor_name: 'Keyledger', version: PRODUCT_VERSION }, version: '1.3.0', uid: f.event.id, sequence: f.seq, log_name: 'keyledger.ledger', correlation_uid: f.event.context.requestId });
        expect(o.actor.user).toMatchObject({ uid: f.event.actor.id, name: f.event.actor.display });
        expect(o.unmapped.keyledger).toMatchObject({ action: f.event.action, org: f.event.org, targets: f.event.targets, data: f.event.data, leaf_hash: f.leafHash, seq: f.seq });
        expect(typeof o.message).toBe('string');
        // Plain JSON: serializing loses nothing.
        expect(JSON.parse(JSON.stringify(o))).toStrictEqual(o);
      }
    });

    it('maps a failed password sign-in through the HTTP app to a failed Authentication logon from the client address', () => {
      const wrong = last('authn.login.failed');
      const failures = feed.filter((e) => e.event.action === 'authn.login.failed' && e.event.reason === 'wrong_password');
      const o = ocsfOf(failures[0]);
      expect(o).toMatchObject({
        class_uid: 3002,
        class_name: 'Authentication',
        category_uid: 3,
        activity_id: 1,
        activity_name: 'Logon',
        type_uid: 300201,
        status_id: 2,
        status: 'Failure',
        status_detail: 'wrong_password',
        severity_id: 3,
        src_endpoint: { ip: '127.0.0.1' },
        http_request: { user_agent: 'PageClient/1.0' },
        user: { uid: ada, email_addr: 'ada@acme.test' },
        actor: { user: { type: 'System', type_id: 3 } },
      });
      expect(o.message).toContain('Reason: wrong_password');
      // Lockout's own failures (unknown account) carry the address asked about, and no user id.
      const unknown = ocsfOf(feed.find((e) => e.event.action === 'authn.login.failed' && e.event.reason === 'unknown_account' && e.event.data.email === 'nobody@acme.test')!);
      expect(unknown.user).toEqual({ name: 'nobody@acme.test', email_addr: 'nobody@acme.test' });
      expect(ocsfOf(wrong).status_id).toBe(2);
    });

    it('maps a sign-in and its session to successful Authentication logons of the user', () => {
      expect(ocsfOf(last('authn.login.succeeded'))).toMatchObject({ class_uid: 3002, activity_id: 1, status_id: 1, severity_id: 1, user: { uid: ada }, src_endpoint: { ip: '127.0.0.1' } });
      const session = ocsfOf(last('sessions.session.created'));
      expect(session).toMatchObject({ class_uid: 3002, activity_id: 1, status_id: 1, user: { uid: ada }, session: { uid: expect.any(String) }, is_mfa: false });
    });

    it('maps a role grant by API key to User Access Management with the privilege and the user', () => {
      expect(ocsfOf(last('access.assignment.granted'))).toMatchObject({
        class_uid: 3005,
        activity_id: 1,
        activity_name: 'Assign Privileges',
        type_uid: 300501,
        user: { uid: ada },
        privileges: ['viewer'],
        actor: { user: { uid: s.adminKeyId, type: 'API Key', type_id: 99 } },
      });
      expect(ocsfOf(last('access.role.created'))).toMatchObject({ class_uid: 3004, activity_id: 1, entity: { type: 'role', name: expect.any(String) } });
    });

    it('maps factor enrolment and lockout to Account Change', () => {
      expect(ocsfOf(last('authn.totp.enrolled'))).toMatchObject({ class_uid: 3001, activity_id: 10, activity_name: 'MFA Factor Enable', type_uid: 300110 });
      expect(ocsfOf(last('authn.account.locked'))).toMatchObject({ class_uid: 3001, activity_id: 9, activity_name: 'Lock', severity_id: 3 });
      expect(ocsfOf(last('authn.password.changed'))).toMatchObject({ class_uid: 3001, activity_id: 3, user: { uid: ada } });
      expect(ocsfOf(last('identity.organization.created'))).toMatchObject({ class_uid: 3004, activity_id: 1, entity: { type: 'organization', name: 'acme' } });
    });

    it('maps a signed checkpoint to a Base Event named as a ledger checkpoint, carrying the signed note', async () => {
      const cp = await s.rt.ledger.latestCheckpoint();
      const record: StreamRecord = { kind: 'checkpoint', checkpoint: { size: cp!.size, rootHash: cp!.rootHash.toString('base64'), note: cp!.note, keyId: cp!.keyId, createdAt: cp!.createdAt } };
      const o = toOcsf(record) as Ocsf;
      expect(o).toMatchObject({ class_uid: 0, activity_id: 99, type_uid: 99, type_name: 'Keyledger ledger checkpoint', status_id: 1 });
      expect(o.unmapped.keyledger).toEqual({ kind: 'checkpoint', size: feed.length, root_hash: record.checkpoint.rootHash, note: cp!.note, key_id: cp!.keyId, created_at: cp!.createdAt });
      const cef = parseCef(toCef(record));
      expect(cef.extension).toMatchObject({ cn1: String(feed.length), cs2: record.checkpoint.rootHash, msg: cp!.note });
    });

    it('writes every real event as a CEF line that parses back to its fields', () => {
      for (const f of feed) {
        const cef = parseCef(toCef({ kind: 'event', feed: f }));
        expect(cef.header).toMatchObject({ version: '0', vendor: 'Keyledger', product: 'Keyledger', productVersion: PRODUCT_VERSION, signatureId: f.event.action });
        expect(Number(cef.header.severity)).toBeGreaterThanOrEqual(0);
        expect(cef.extension).toMatchObject({ rt: String(Date.parse(f.event.time)), act: f.event.action, outcome: f.event.outcome, suid: f.event.actor.id, externalId: f.event.id, cn1: String(f.seq), cn1Label: 'ledgerSeq', cs2: f.leafHash });
        expect(JSON.parse(cef.extension.cs5)).toEqual({ targets: f.event.targets, data: f.event.data });
      }
      const failed = parseCef(toCef({ kind: 'event', feed: feed.find((e) => e.event.reason === 'wrong_password')! }));
      expect(failed.extension).toMatchObject({ outcome: 'failure', cs3: 'wrong_password', cs3Label: 'reason', src: '127.0.0.1', requestClientApplication: 'PageClient/1.0', duid: ada });
      // A name with a pipe, an equals sign and a backslash survives the round trip.
      const created = parseCef(toCef({ kind: 'event', feed: feed.find((e) => e.event.action === 'identity.user.created' && e.event.targets[0].id === ada)! }));
      expect(created.extension).toMatchObject({ duser: 'ada@acme.test', duid: ada });
      expect(JSON.parse(created.extension.cs5).data.name).toBe('Ada | Ops = \\ lead');
    });
  });
}
