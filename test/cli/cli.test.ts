/**
 * The `keyledger` command as a user runs it: a child process per command,
 * configured only through its environment, on SQLite and on PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { networkInterfaces } from 'node:os';
import { connect } from 'node:net';
import { DIALECTS } from '../support/databases.ts';
import { createCliTarget, parseJson, rawConnection, runCli, startCli, type CliTarget, type RawConnection } from '../support/cli.ts';
import { verifyInclusion } from '../../src/audit/merkle-proof.ts';
import { openCheckpoint, verifierKeyString } from '../../src/audit/checkpoint-note.ts';
import { canonicalize } from '../../src/audit/canonical-json.ts';
import { ALL_SCOPES } from '../../src/http/scopes.ts';
import { listMigrations } from '../../src/platform/migrations/index.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const b64 = (s: string) => Buffer.from(s, 'base64');
const leafHashOf = (canonical: string) => createHash('sha256').update(Buffer.from([0])).update(canonical, 'utf8').digest();

/** Checks an inclusion proof as an outsider would: the signed note under the published key, then the Merkle path. */
function checkProof(proof: any, verifierKey: string): { size: number; rootHash: Buffer } {
  const keyName = verifierKey.split('+')[0];
  const cp = openCheckpoint(proof.checkpoint, verifierKey, keyName);
  expect(cp.size).toBe(proof.treeSize);
  expect(cp.rootHash.toString('base64')).toBe(proof.rootHash);
  expect(JSON.parse(proof.canonicalEvent)).toEqual(proof.event);
  expect(canonicalize(proof.event)).toBe(proof.canonicalEvent);
  const leaf = leafHashOf(proof.canonicalEvent);
  expect(leaf.toString('base64')).toBe(proof.leafHash);
  expect(proof.leafIndex).toBe(proof.event.seq);
  const path = (proof.proof as string[]).map(b64);
  expect(() => verifyInclusion(leaf, proof.leafIndex, cp.size, path, cp.rootHash)).not.toThrow();
  // the check is not vacuous: another leaf does not verify on the same path
  expect(() => verifyInclusion(leafHashOf(proof.canonicalEvent + ' '), proof.leafIndex, cp.size, path, cp.rootHash)).toThrow();
  return cp;
}

for (const dialect of DIALECTS) {
  describe(`keyledger CLI on ${dialect}`, () => {
    let t: CliTarget;
    let conn: RawConnection | null = null;
    const cli = (...args: string[]) => runCli(args, t.env);
    const db = async () => (conn ??= await rawConnection(t.target));
    const count = async (table: string) => Number((await (await db()).query<{ n: number | string }>(`select count(*) as n from ${table}`))[0].n);
    const eventIdOf = async (action: string, nth = 0) =>
      (await (await db()).query<{ id: string }>('select id from audit_events where action = ? order by seq', [action]))[nth].id;
    let verifierKey = '';

    beforeAll(async () => {
      t = await createCliTarget(dialect);
    });
    afterAll(async () => {
      await conn?.close();
      await t?.cleanup();
    });

    it('migrate --json creates the schema on first run and reports it current on the next', async () => {
      expect(existsSync(t.target.sqliteFile)).toBe(false);
      const first = await cli('migrate', '--json');
      expect(first.code, first.stderr).toBe(0);
      const out = parseJson(first);
      expect(out.applied).toEqual(Object.keys(listMigrations(dialect)));
      expect(out.applied[0]).toBe('2026-11-28-0001-foundation');
      if (dialect === 'sqlite') {
        expect(out.database).toBe(`sqlite:${t.target.sqliteFile}`);
        expect(existsSync(t.target.sqliteFile)).toBe(true);
      } else {
        const url = new URL(t.target.databaseUrl!);
        expect(out.database).toBe(`postgres://${url.host}${url.pathname}`);
        expect(out.database).not.toContain('@'); // no credentials in output
      }
      const second = await cli('migrate');
      expect(second.code, second.stderr).toBe(0);
      expect(second.stdout).toContain('schema is current');
    }, 60_000);

    it('api-key create --scopes all --json prints the key once and stores only its hash', async () => {
      const r = await cli('api-key', 'create', '--name', 'ops', '--scopes', 'all', '--json');
      expect(r.code, r.stderr).toBe(0);
      const out = parseJson(r);
      expect(out).toMatchObject({ id: expect.stringMatching(UUID), name: 'ops', scopes: [...ALL_SCOPES].sort(), expiresAt: null });
      expect(out.key).toMatch(/^kl_key_[A-Za-z0-9_-]{20,}$/);
      const rows = await (await db()).query('select * from api_keys where id = ?', [out.id]);
      expect(rows).toHaveLength(1);
      expect(JSON.stringify(rows[0])).not.toContain(out.key);
      const bodies = await (await db()).query<{ body: string }>("select body from audit_events where action = 'platform.api_key.created'");
      expect(bodies).toHaveLength(1);
      expect(bodies[0].body).toContain(out.id);
      expect(bodies[0].body).not.toContain(out.key);
    }, 60_000);

    it('api-key create with an unknown scope exits 1 with api_key.scope_invalid and records nothing', async () => {
      const events = await count('audit_events');
      const keys = await count('api_keys');
      const text = await cli('api-key', 'create', '--name', 'x', '--scopes', 'nope');
      expect(text.code).toBe(1);
      expect(text.stderr).toContain('api_key.scope_invalid');
      expect(text.stdout).toBe('');
      const json = await cli('api-key', 'create', '--name', 'x', '--scopes', 'admin:read,nope', '--json');
      expect(json.code).toBe(1);
      expect(json.stderr).toContain('api_key.scope_invalid');
      expect(parseJson(json).error).toMatchObject({ code: 'api_key.scope_invalid', message: expect.stringContaining('nope') });
      expect(await count('audit_events')).toBe(events);
      expect(await count('api_keys')).toBe(keys);
    }, 60_000);

    it('org create prints the organization; a duplicate or malformed slug exits 1; org list shows it', async () => {
      const r = await cli('org', 'create', '--slug', 'acme', '--name', 'Acme', '--json');
      expect(r.code, r.stderr).toBe(0);
      const acme = parseJson(r);
      expect(acme).toMatchObject({ id: expect.stringMatching(UUID), slug: 'acme', name: 'Acme' });
      const events = await count('audit_events');

      const dup = await cli('org', 'create', '--slug', 'acme', '--name', 'Acme again', '--json');
      expect(dup.code).toBe(1);
      expect(dup.stderr).toContain('organization.slug_taken');
      expect(parseJson(dup).error.code).toBe('organization.slug_taken');
      for (const slug of ['Acme!', 'a']) {
        const bad = await cli('org', 'create', '--slug', slug, '--name', 'Bad', '--json');
        expect(bad.code, `slug ${slug}`).toBe(1);
        expect(bad.stderr).toContain('request.invalid');
        expect(parseJson(bad).error).toMatchObject({ code: 'request.invalid', message: expect.stringContaining(slug) });
      }
      expect(await count('audit_events')).toBe(events);
      expect(await count('organizations')).toBe(1);

      const list = await cli('org', 'list', '--json');
      expect(list.code, list.stderr).toBe(0);
      expect(parseJson(list)).toEqual([expect.objectContaining({ id: acme.id, slug: 'acme', name: 'Acme' })]);
    }, 60_000);

    it('audit checkpoint --json signs the whole ledger with the key the ledger published', async () => {
      const r = await cli('audit', 'checkpoint', '--json');
      expect(r.code, r.stderr).toBe(0);
      const cp = parseJson(r);
      const keyEvent = await (await db()).query<{ body: string }>("select body from audit_events where action = 'ledger.signing_key.created'");
      expect(keyEvent).toHaveLength(1);
      verifierKey = JSON.parse(keyEvent[0].body).data.verifierKey;
      expect(verifierKey).toMatch(/^[^+]+\+[0-9a-f]{8}\+/);
      expect(cp.size).toBe(await count('audit_events'));
      const opened = openCheckpoint(cp.note, verifierKey, verifierKey.split('+')[0]);
      expect(opened.size).toBe(cp.size);
      expect(opened.rootHash.toString('base64')).toBe(cp.rootHash);
    }, 60_000);

    it('audit proof <eventId> --json proves the org-created event against a signed checkpoint', async () => {
      const orgEventId = await eventIdOf('identity.organization.created');
      const r = await cli('audit', 'proof', orgEventId, '--json');
      expect(r.code, r.stderr).toBe(0);
      const proof = parseJson(r);
      expect(proof.eventId).toBe(orgEventId);
      expect(proof.event).toMatchObject({ id: orgEventId, action: 'identity.organization.created', data: { slug: 'acme', name: 'Acme' }, actor: { type: 'system', id: 'cli' } });
      const older = checkProof(proof, verifierKey);

      // a newer checkpoint, and a proof against the older one by --tree-size
      expect((await cli('org', 'create', '--slug', 'globex', '--name', 'Globex')).code).toBe(0);
      const pinned = parseJson(await cli('audit', 'proof', orgEventId, '--tree-size', String(older.size), '--json'));
      expect(pinned.treeSize).toBe(older.size);
      expect(pinned.rootHash).toBe(older.rootHash.toString('base64'));
      checkProof(pinned, verifierKey);
    }, 60_000);

    it('audit proof of an unknown event exits 1 with ledger.event_not_found', async () => {
      const missing = '01900000-0000-7000-8000-000000000000';
      const json = await cli('audit', 'proof', missing, '--json');
      expect(json.code).toBe(1);
      expect(json.stderr).toContain('ledger.event_not_found');
      expect(parseJson(json).error).toMatchObject({ code: 'ledger.event_not_found', message: expect.stringContaining(missing) });
    }, 60_000);

    it('audit verify passes with the stored key and with the published key; a wrong or malformed key fails it', async () => {
      const events = await count('audit_events');
      const latest = (await (await db()).query<{ root_hash: Buffer }>('select root_hash from ledger_checkpoints order by size desc limit 1'))[0];
      const r = await cli('audit', 'verify', '--json');
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(parseJson(r)).toMatchObject({ ok: true, events, treeSize: events, root: Buffer.from(latest.root_hash).toString('base64'), unsignedEvents: 0, keySource: 'database', verifierKey });

      const keyFile = join(t.dataDir, 'ledger-key.txt');
      writeFileSync(keyFile, verifierKey + '\n');
      const given = await cli('audit', 'verify', '--verifier-key', `@${keyFile}`, '--json');
      expect(given.code, given.stdout + given.stderr).toBe(0);
      expect(parseJson(given)).toMatchObject({ ok: true, events, treeSize: events, keySource: 'given', verifierKey });

      // a well-formed key of the same name that did not sign the checkpoints
      const impostor = verifierKeyString(verifierKey.split('+')[0], generateKeyPairSync('ed25519').publicKey);
      const wrong = await cli('audit', 'verify', '--verifier-key', impostor, '--json');
      expect(wrong.code).toBe(1);
      expect(parseJson(wrong)).toMatchObject({ ok: false, keySource: 'given', problem: { code: 'checkpoint_signature_invalid' } });

      // not a verifier key at all: refused with its stable code, not reported as an internal fault
      const malformed = await cli('audit', 'verify', '--verifier-key', 'not-a-verifier-key', '--json');
      expect(malformed.code, malformed.stderr).toBe(1);
      expect(parseJson(malformed).error.code).toBe('ledger.checkpoint_invalid');
    }, 90_000);
  });

  describe(`keyledger start on ${dialect}`, () => {
    let t: CliTarget;
    beforeAll(async () => {
      t = await createCliTarget(dialect);
    });
    afterAll(async () => t?.cleanup());

    it('serves on 127.0.0.1, hands out a working bootstrap link, and on SIGTERM exits 0 after a final checkpoint', async () => {
      const server = await startCli(['--port', '0', '--json'], t.env);
      try {
        const { listening, bootstrapUrl } = server.info;
        expect(listening).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
        const port = Number(new URL(listening).port);
        expect(port).toBeGreaterThan(0);

        const health = await fetch(`${listening}/healthz`);
        expect(health.status).toBe(200);
        expect(await health.json()).toEqual({ status: 'ok' });

        expect(bootstrapUrl).toMatch(/\/bootstrap\?token=kl_boot_/);
        const page = await fetch(bootstrapUrl!);
        expect(page.status).toBe(200);
        expect(await page.text()).toContain('Create the first administrator');
        // The same server serves the built admin console and tells it how to sign in.
        const consolePage = await fetch(`${listening}/console/`);
        expect(consolePage.status).toBe(200);
        expect(await consolePage.text()).toMatch(/<script type="module" crossorigin src="\/console\/assets\/index-[\w-]+\.js"><\/script>/);
        expect(((await (await fetch(`${listening}/console/config.json`)).json()) as { clientId: string }).clientId).toBe('keyledger-console');

        const published = (await (await fetch(`${listening}/.well-known/keyledger/ledger-key`)).json()) as { verifierKey: string };
        expect(published.verifierKey).toMatch(/^[^+]+\+[0-9a-f]{8}\+/);

        // spend the link: the first administrator key, shown once
        const token = new URL(bootstrapUrl!).searchParams.get('token')!;
        const done = await fetch(`${listening}/bootstrap`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token, name: 'first admin' }) });
        expect(done.status).toBe(200);
        const key = /kl_key_[A-Za-z0-9_-]+/.exec(await done.text())?.[0];
        expect(key).toBeDefined();
        expect((await fetch(`${listening}/api/v1/organizations`, { headers: { authorization: `Bearer ${key}` } })).status).toBe(200);
        expect((await fetch(bootstrapUrl!)).status).toBe(403);

        // bound to loopback only: another local address of this host does not answer
        const other = Object.values(networkInterfaces()).flat().find((a) => a && a.family === 'IPv4' && !a.internal);
        if (other) {
          const reached = await new Promise<boolean>((done) => {
            const s = connect({ host: other.address, port }, () => (s.destroy(), done(true)));
            s.once('error', () => done(false));
          });
          expect(reached).toBe(false);
        }

        const stoppedAt = Date.now();
        server.child.kill('SIGTERM');
        const exit = await Promise.race([server.exited, new Promise<null>((r) => setTimeout(() => r(null), 5_000))]);
        expect(exit, `still running 5 s after SIGTERM\n${server.stderr()}`).not.toBeNull();
        expect(exit).toEqual({ code: 0, signal: null });
        expect(Date.now() - stoppedAt).toBeLessThan(5_000);

        const verify = await runCli(['audit', 'verify', '--verifier-key', published.verifierKey, '--json'], t.env);
        expect(verify.code, verify.stdout).toBe(0);
        const report = parseJson(verify);
        expect(report).toMatchObject({ ok: true, unsignedEvents: 0, keySource: 'given' });
        expect(report.treeSize).toBe(report.events);
        const conn = await rawConnection(t.target);
        try {
          const rows = await conn.query<{ action: string; body: string }>('select action, body from audit_events order by seq');
          const actions = rows.map((r) => r.action);
          expect(actions.slice(0, 4)).toEqual(['ledger.signing_key.created', 'platform.bootstrap.link_issued', 'platform.api_key.created', 'platform.bootstrap.completed']);
          // The running server's monitor may already have flagged the bootstrap key, which never expires; nothing else happened.
          expect(rows.slice(4).map((r) => [r.action, JSON.parse(r.body).data.type])).toEqual(rows.length > 4 ? [['monitor.finding.opened', 'api_key_without_expiry']] : []);
          expect(report.events).toBe(actions.length);
        } finally {
          await conn.close();
        }
      } finally {
        if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL');
      }
    }, 60_000);

    it('on SIGTERM with KEYLEDGER_DRAIN_SECONDS, /readyz answers 503 "draining" while the node still serves, then it exits 0', async () => {
      const server = await startCli(['--port', '0', '--json'], { ...t.env, KEYLEDGER_DRAIN_SECONDS: '2' });
      try {
        const { listening } = server.info;
        expect((await fetch(`${listening}/readyz`)).status).toBe(200);
        server.child.kill('SIGTERM');
        // Within the drain period the balancer is told to stop, and requests already routed here are still answered.
        await vi.waitFor(async () => expect((await fetch(`${listening}/readyz`)).status).toBe(503), { timeout: 1_500, interval: 50 });
        expect(await (await fetch(`${listening}/readyz`)).json()).toMatchObject({ status: 'draining' });
        expect((await fetch(`${listening}/healthz`)).status).toBe(200);
        const exit = await Promise.race([server.exited, new Promise<null>((r) => setTimeout(() => r(null), 10_000))]);
        expect(exit, server.stderr()).toEqual({ code: 0, signal: null });
      } finally {
        if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL');
      }
    }, 60_000);
  });
}
