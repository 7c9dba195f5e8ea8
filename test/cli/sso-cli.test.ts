/** `keyledger sso`: connect an organization's IdP, claim its domain, list, issue setup links — the real command, on SQLite and PostgreSQL. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { DIALECTS } from '../support/databases.ts';
import { createCliTarget, parseJson, rawConnection, runCli, type CliTarget } from '../support/cli.ts';
import { startSamlIdp, type SamlIdp } from '../support/saml-idp.ts';
import { startOidcIdp, type OidcIdp } from '../support/oidc-idp.ts';

const PUBLIC_URL = 'https://id.acme-keyledger.test';

for (const dialect of DIALECTS) {
  describe(`keyledger sso on ${dialect}`, () => {
    let t: CliTarget;
    let saml: SamlIdp;
    let oidc: OidcIdp;
    let dir: string;
    let metadataFile: string;
    const cli = (...args: string[]) => runCli(args, t.env, 40_000);
    const query = async <T = Record<string, any>>(text: string): Promise<T[]> => {
      const conn = await rawConnection(t.target);
      try {
        return await conn.query<T>(text);
      } finally {
        await conn.close();
      }
    };
    const ssoEvents = async () => (await query<{ action: string; body: string }>('select action, body from audit_events order by seq')).filter((r) => r.action.startsWith('sso.'));
    beforeAll(async () => {
      [saml, oidc] = await Promise.all([startSamlIdp(), startOidcIdp()]);
      dir = mkdtempSync(join(tmpdir(), 'keyledger-sso-cli-'));
      metadataFile = join(dir, 'idp-metadata.xml');
      writeFileSync(metadataFile, saml.metadataXml());
      t = await createCliTarget(dialect, { KEYLEDGER_PUBLIC_URL: PUBLIC_URL });
      expect((await cli('org', 'create', '--slug', 'acme', '--name', 'Acme')).code).toBe(0);
      expect((await cli('org', 'create', '--slug', 'globex', '--name', 'Globex')).code).toBe(0);
    });
    afterAll(async () => {
      await t?.cleanup();
      await Promise.all([saml?.close(), oidc?.close()]);
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('creates a SAML connection from a metadata file and claims the domain; prints what the IdP needs; keeps the SP key sealed', async () => {
      const res = await cli('sso', 'create', '--org', 'acme', '--type', 'saml', '--metadata', metadataFile, '--idp-initiated', '--domain', 'Acme.test', '--name', 'Okta', '--json');
      expect(res.code).toBe(0);
      const out = parseJson(res);
      expect(out).toEqual({
        id: expect.any(String),
        type: 'saml',
        spEntityId: `${PUBLIC_URL}/sso/saml/${out.id}/metadata`,
        acsUrl: `${PUBLIC_URL}/sso/saml/${out.id}/acs`,
        metadataUrl: `${PUBLIC_URL}/sso/saml/${out.id}/metadata`,
        redirectUri: null,
        loginUrl: `${PUBLIC_URL}/sso/${out.id}/login`,
        domain: { id: expect.any(String), domain: 'acme.test', txtRecord: { name: '_keyledger-verification.acme.test', type: 'TXT', value: expect.stringMatching(/^keyledger-domain-verification=/) } },
      });
      const [row] = await query<{ name: string; type: string; allow_idp_initiated: number; settings: string; secret: string }>(`select name, type, allow_idp_initiated, settings, secret from sso_connections where id = '${out.id}'`);
      expect(row).toMatchObject({ name: 'Okta', type: 'saml', allow_idp_initiated: 1 });
      expect(JSON.parse(row.settings)).toMatchObject({ idpEntityId: saml.entityId, ssoUrl: saml.ssoUrl });
      expect(row.secret).not.toMatch(/PRIVATE KEY/);
      const events = await ssoEvents();
      expect(events.map((e) => e.action)).toEqual(['sso.connection.created', 'sso.domain.added']);
      // The CLI acts as the system actor, naming the OS user.
      for (const e of events) expect(JSON.parse(e.body).actor).toMatchObject({ type: 'system', id: 'cli' });

      // Without --json: the SP values and the DNS record, for a person.
      const text = await cli('sso', 'create', '--org', 'acme', '--type', 'saml', '--metadata', metadataFile, '--domain', 'eu.acme.test');
      expect(text.code).toBe(0);
      expect(text.stdout).toMatch(/ACS URL: +https:\/\/id\.acme-keyledger\.test\/sso\/saml\/[0-9a-f-]+\/acs/);
      expect(text.stdout).toMatch(/_keyledger-verification\.eu\.acme\.test TXT "keyledger-domain-verification=[A-Za-z0-9_-]+"/);
    });

    it('creates an OIDC connection checked by discovery; the client secret is never printed or stored in plaintext', async () => {
      const secret = randomBytes(24).toString('base64url');
      const res = await cli('sso', 'create', '--org', 'acme', '--type', 'oidc', '--issuer', oidc.issuer, '--client-id', 'keyledger', '--client-secret', secret, '--json');
      expect(res.code).toBe(0);
      expect(res.stdout).not.toContain(secret);
      const out = parseJson(res);
      expect(out).toEqual({ id: expect.any(String), type: 'oidc', spEntityId: null, acsUrl: null, metadataUrl: null, redirectUri: `${PUBLIC_URL}/sso/oidc/${out.id}/callback`, loginUrl: `${PUBLIC_URL}/sso/${out.id}/login` });
      const rows = await query<Record<string, unknown>>(`select * from sso_connections where id = '${out.id}'`);
      expect(JSON.stringify(rows)).not.toContain(secret);
      expect(JSON.stringify(await query('select body from audit_events'))).not.toContain(secret);

      const unreachable = await cli('sso', 'create', '--org', 'acme', '--type', 'oidc', '--issuer', 'http://127.0.0.1:1', '--client-id', 'c', '--client-secret', 's', '--json');
      expect(unreachable.code).toBe(1);
      expect(parseJson(unreachable).error.code).toBe('sso.metadata_unreachable');
    });

    it('refuses what it cannot do and leaves nothing half-made', async () => {
      const before = await ssoEvents();
      const refusals: Array<[string[], string]> = [
        [['--type', 'saml', '--metadata', metadataFile, '--domain', 'gmail.com'], 'sso.domain_invalid'],
        [['--type', 'saml', '--metadata', join(dir, 'missing.xml')], 'request.invalid'],
        [['--type', 'oidc', '--issuer', oidc.issuer], 'request.invalid'],
        [['--type', 'saml', '--metadata', metadataFile, '--client-id', 'x'], 'request.invalid'],
      ];
      for (const [args, code] of refusals) {
        const res = await cli('sso', 'create', '--org', 'acme', ...args, '--json');
        expect({ args, code: res.code, error: parseJson(res).error.code }).toEqual({ args, code: 1, error: code });
      }
      expect(await ssoEvents()).toEqual(before);

      // A domain the organization has claimed already: the connection made for it is deleted again.
      const connectionsBefore = await query('select id from sso_connections order by id');
      const taken = await cli('sso', 'create', '--org', 'acme', '--type', 'saml', '--metadata', metadataFile, '--domain', 'acme.test', '--json');
      expect(taken.code).toBe(1);
      expect(parseJson(taken).error.code).toBe('sso.domain_taken');
      expect((await ssoEvents()).slice(before.length).map((e) => e.action)).toEqual(['sso.connection.created', 'sso.connection.deleted']);
      expect(await query('select id from sso_connections order by id')).toEqual(connectionsBefore);
    });

    it('lists connections and domains, and issues a setup link shown once and stored as a hash', async () => {
      const listed = parseJson(await cli('sso', 'list', '--org', 'acme', '--json'));
      expect(listed.connections.map((c: any) => c.type).sort()).toEqual(['oidc', 'saml', 'saml']);
      expect(listed.domains.map((d: any) => [d.domain, d.verified])).toEqual([['acme.test', false], ['eu.acme.test', false]]);
      expect(JSON.stringify(listed)).not.toMatch(/PRIVATE KEY|clientSecret/);
      const text = await cli('sso', 'list', '--org', 'acme');
      expect(text.stdout).toContain('_keyledger-verification.acme.test');

      const res = await cli('sso', 'setup-link', '--org', 'acme', '--email', 'it@acme.test', '--json');
      expect(res.code).toBe(0);
      const link = parseJson(res);
      const token = /\/sso\/setup\/(kl_ssosetup_[A-Za-z0-9_-]{43})$/.exec(link.url)?.[1];
      expect(link.url.startsWith(`${PUBLIC_URL}/sso/setup/`)).toBe(true);
      expect(link).toMatchObject({ id: expect.any(String), email: 'it@acme.test', connectionId: expect.any(String), expiresAt: expect.any(String) });
      const rows = await query<Record<string, unknown>>(`select * from sso_setup_links where id = '${link.id}'`);
      expect(rows[0].token_hash).toBe(createHash('sha256').update(token!).digest('hex'));
      expect(JSON.stringify(rows)).not.toContain(token);
      expect(JSON.stringify(await query('select body from audit_events'))).not.toContain(token);

      for (const args of [['--email', 'nope'], ['--expires-in-days', '31']]) {
        const bad = await cli('sso', 'setup-link', '--org', 'acme', ...args, '--json');
        expect({ args, code: bad.code, error: parseJson(bad).error.code }).toEqual({ args, code: 1, error: 'request.invalid' });
      }
      const unknown = await cli('sso', 'list', '--org', 'nope', '--json');
      expect(parseJson(unknown).error.code).toBe('organization.not_found');
    });
  });
}
