import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/databases.ts';
import { expectNothingChanged, ledgerNextSeq, startHttpSuite, type HttpSuite } from '../support/http.ts';
import { ManualClock } from '../../src/platform/clock.ts';
import { CORE_USER, ENTERPRISE_USER, connectDirectory, expectScimError, oktaUser, type ScimClient } from '../support/scim.ts';

for (const dialect of DIALECTS) {
  describe(`SCIM 2.0 protocol on ${dialect}`, () => {
    let s: HttpSuite;
    let c: ScimClient;
    const clock = new ManualClock('2026-11-29T10:00:00.000Z');
    beforeAll(async () => {
      s = await startHttpSuite(dialect, { clock });
      c = await connectDirectory(s);
    });
    afterAll(() => s?.close());

    it('serves the discovery documents', async () => {
      const spc = await c.scim('GET', '/ServiceProviderConfig');
      expect(spc.statusCode).toBe(200);
      expect(spc.headers['content-type']).toContain('application/scim+json');
      expect(spc.json()).toMatchObject({ patch: { supported: true }, filter: { supported: true, maxResults: 1000 }, etag: { supported: true }, sort: { supported: true }, bulk: { supported: false } });
      const types = (await c.scim('GET', '/ResourceTypes')).json() as { Resources: { id: string; schemaExtensions?: unknown[] }[] };
      expect(types.Resources.map((r) => r.id)).toEqual(['User', 'Group']);
      expect(types.Resources[0].schemaExtensions).toEqual([{ schema: ENTERPRISE_USER, required: false }]);
      const schemas = (await c.scim('GET', '/Schemas')).json() as { Resources: { id: string; attributes: { name: string }[] }[] };
      expect(schemas.Resources.map((r) => r.id)).toContain(CORE_USER);
      const user = await c.scim('GET', `/Schemas/${CORE_USER}`);
      expect((user.json() as { attributes: { name: string }[] }).attributes.map((a) => a.name)).toContain('userName');
      await expectNothingChanged(s.rt, async () => expectScimError(await c.scim('GET', '/Schemas/urn:nope'), 404));
      await expectNothingChanged(s.rt, async () => expectScimError(await c.scim('GET', '/ResourceTypes/Printer'), 404));
    });

    it('creates, reads, replaces, patches and deletes a User, with ETags and the ledger', async () => {
      const before = await ledgerNextSeq(s.rt);
      const created = await c.scim('POST', '/Users', oktaUser('ada.lovelace@acme.test', { externalId: 'okta-1' }));
      expect(created.statusCode).toBe(201);
      const user = created.json() as Record<string, any>;
      expect(created.headers.location).toBe(user.meta.location);
      expect(user.meta.location).toBe(`${s.rt.config.publicUrl}/scim/v2/${c.directoryId}/Users/${user.id}`);
      expect(created.headers.etag).toBe('W/"1"');
      expect(user).toMatchObject({ userName: 'ada.lovelace@acme.test', externalId: 'okta-1', active: true, name: { givenName: 'ada', familyName: 'lovelace' }, meta: { resourceType: 'User', version: 'W/"1"' } });
      expect(await ledgerNextSeq(s.rt)).toBeGreaterThan(before);

      const got = await c.scim('GET', `/Users/${user.id}`);
      expect(got.json()).toEqual(user);
      const notModified = await c.scim('GET', `/Users/${user.id}`, undefined, { headers: { 'if-none-match': 'W/"1"' } });
      expect(notModified.statusCode).toBe(304);

      const put = await c.scim('PUT', `/Users/${user.id}`, oktaUser('ada.lovelace@acme.test', { title: 'Analyst', externalId: 'okta-1' }), { headers: { 'if-match': 'W/"1"' } });
      expect(put.statusCode).toBe(200);
      expect(put.json()).toMatchObject({ title: 'Analyst', meta: { version: 'W/"2"' } });

      // A stale ETag is refused and changes nothing.
      await expectNothingChanged(s.rt, async () => expectScimError(await c.scim('PUT', `/Users/${user.id}`, oktaUser('ada.lovelace@acme.test'), { headers: { 'if-match': 'W/"1"' } }), 412));

      const patched = await c.scim('PATCH', `/Users/${user.id}`, { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', path: 'title', value: 'Director' }] });
      expect(patched.statusCode).toBe(200);
      expect(patched.json()).toMatchObject({ title: 'Director', meta: { version: 'W/"3"' } });
      // A client that does not ask for SCIM JSON gets 204 (RFC 7644 §3.5.2 allows both).
      const quiet = await c.scim('PATCH', `/Users/${user.id}`, { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', path: 'title', value: 'CTO' }] }, { headers: { accept: '*/*' } });
      expect(quiet.statusCode).toBe(204);
      expect(quiet.headers.etag).toBe('W/"4"');

      const del = await c.scim('DELETE', `/Users/${user.id}`);
      expect(del.statusCode).toBe(204);
      expectScimError(await c.scim('GET', `/Users/${user.id}`), 404);
    });

    it('accepts application/json and refuses other media types', async () => {
      const res = await s.app.inject({ method: 'POST', url: `${c.base}/Users`, headers: { authorization: `Bearer ${c.token}`, 'content-type': 'application/json' }, payload: JSON.stringify(oktaUser('json.client@acme.test')) });
      expect(res.statusCode).toBe(201);
      await expectNothingChanged(s.rt, async () => {
        const text = await s.app.inject({ method: 'POST', url: `${c.base}/Users`, headers: { authorization: `Bearer ${c.token}`, 'content-type': 'text/plain' }, payload: 'userName=x' });
        expectScimError(text, 415);
      });
    });

    it('lists with filters, sorting, paging and attribute selection', async () => {
      for (const [name, dept] of [['grace.hopper', 'Navy'], ['alan.turing', 'Research'], ['edsger.dijkstra', 'Research'], ['barbara.liskov', 'Research']]) {
        const res = await c.scim('POST', '/Users', { ...oktaUser(`${name}@acme.test`), schemas: [CORE_USER, ENTERPRISE_USER], [ENTERPRISE_USER]: { department: dept, employeeNumber: `E-${name}` } });
        expect(res.statusCode).toBe(201);
      }
      const list = async (qs: string) => {
        const res = await c.scim('GET', `/Users?${qs}`);
        expect(res.statusCode).toBe(200);
        return res.json() as { totalResults: number; startIndex: number; itemsPerPage: number; Resources: Record<string, any>[] };
      };
      const eq = await list(`filter=${encodeURIComponent('userName eq "GRACE.HOPPER@acme.test"')}`);
      expect(eq.totalResults).toBe(1);
      expect(eq.Resources[0].userName).toBe('grace.hopper@acme.test');
      const research = await list(`filter=${encodeURIComponent(`${ENTERPRISE_USER}:department eq "research" and not (name.familyName sw "T")`)}&sortBy=name.familyName&sortOrder=descending`);
      expect(research.Resources.map((r) => r.name.familyName)).toEqual(['liskov', 'dijkstra']);
      const work = await list(`filter=${encodeURIComponent(`emails[type eq "work" and value ew "@acme.test"] and ${ENTERPRISE_USER}:employeeNumber sw "E-"`)}&count=2&startIndex=2&sortBy=userName`);
      expect(work).toMatchObject({ totalResults: 4, startIndex: 2, itemsPerPage: 2 });
      expect(work.Resources.map((r) => r.userName)).toEqual(['barbara.liskov@acme.test', 'edsger.dijkstra@acme.test']);
      const selected = await list(`filter=${encodeURIComponent('userName sw "alan"')}&attributes=userName,emails.value`);
      expect(Object.keys(selected.Resources[0]).sort()).toEqual(['emails', 'id', 'schemas', 'userName']);
      expect(selected.Resources[0].emails).toEqual([{ value: 'alan.turing@acme.test' }]);
      const excluded = await list(`filter=${encodeURIComponent('userName sw "alan"')}&excludedAttributes=emails,name`);
      expect(excluded.Resources[0].emails).toBeUndefined();
      expect(excluded.Resources[0].userName).toBe('alan.turing@acme.test');
      const search = await c.scim('POST', '/Users/.search', { schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'], filter: 'userName co "dijkstra"', attributes: ['userName'] });
      expect(search.statusCode).toBe(200);
      expect((search.json() as { Resources: { userName: string }[] }).Resources.map((r) => r.userName)).toEqual(['edsger.dijkstra@acme.test']);
    });

    it('refuses bad requests with RFC errors, changing nothing and adding no ledger event', async () => {
      const created = (await c.scim('POST', '/Users', oktaUser('unique.person@acme.test'))).json() as { id: string };
      const cases: [string, () => Promise<import('../support/http.ts').Response>, number, string | undefined][] = [
        ['malformed filter', () => c.scim('GET', `/Users?filter=${encodeURIComponent('userName eq')}`), 400, 'invalidFilter'],
        ['unbalanced parentheses', () => c.scim('GET', `/Users?filter=${encodeURIComponent('(userName eq "a"')}`), 400, 'invalidFilter'],
        ['unknown operator', () => c.scim('GET', `/Users?filter=${encodeURIComponent('userName like "a"')}`), 400, 'invalidFilter'],
        ['unknown attribute in a filter', () => c.scim('GET', `/Users?filter=${encodeURIComponent('shoeSize gt 4')}`), 400, 'invalidFilter'],
        ['unknown sortBy', () => c.scim('GET', '/Users?sortBy=shoeSize'), 400, 'invalidValue'],
        ['non-integer count', () => c.scim('GET', '/Users?count=ten'), 400, 'invalidValue'],
        ['wrong schemas', () => c.scim('POST', '/Users', { ...oktaUser('wrong.schema@acme.test'), schemas: ['urn:example:not-a-user'] }), 400, 'invalidValue'],
        ['missing userName', () => c.scim('POST', '/Users', { schemas: [CORE_USER], name: { givenName: 'x' } }), 400, 'invalidValue'],
        ['wrong type', () => c.scim('POST', '/Users', { ...oktaUser('typed.wrong@acme.test'), emails: 'not-a-list' }), 400, 'invalidValue'],
        ['malformed JSON', () => c.scim('POST', '/Users', '{"userName": '), 400, 'invalidSyntax'],
        ['duplicate userName (any case)', () => c.scim('POST', '/Users', oktaUser('UNIQUE.person@acme.test')), 409, 'uniqueness'],
        ['PUT naming another id', () => c.scim('PUT', `/Users/${created.id}`, { ...oktaUser('unique.person@acme.test'), id: '00000000-0000-4000-8000-000000000000' }), 400, 'mutability'],
        ['PATCH of meta', () => c.scim('PATCH', `/Users/${created.id}`, { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', path: 'meta.created', value: '2000-01-01T00:00:00Z' }] }), 400, 'mutability'],
        ['PATCH of id', () => c.scim('PATCH', `/Users/${created.id}`, { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', path: 'id', value: 'mine' }] }), 400, 'mutability'],
        ['PATCH of an unknown path', () => c.scim('PATCH', `/Users/${created.id}`, { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', path: 'shoeSize', value: 4 }] }), 400, 'invalidPath'],
        ['PATCH without the PatchOp schema', () => c.scim('PATCH', `/Users/${created.id}`, { Operations: [{ op: 'replace', path: 'title', value: 'x' }] }), 400, 'invalidSyntax'],
        ['unknown User', () => c.scim('GET', '/Users/00919288221112222'), 404, undefined],
        ['oversized body', () => c.scim('POST', '/Users', { ...oktaUser('big.body@acme.test'), title: 'x'.repeat(1_100_000) }), 413, undefined],
      ];
      for (const [name, send, status, scimType] of cases) {
        await expectNothingChanged(s.rt, async () => {
          const res = await send();
          expect({ name, status: res.statusCode }).toEqual({ name, status });
          expectScimError(res, status, scimType);
        });
      }
    });

    it('refuses missing, wrong, revoked, other-directory and rotated-out tokens', async () => {
      const other = await connectDirectory(s, 'globex');
      const rotated = await s.request('POST', `/api/v1/organizations/acme/scim-directories/${c.directoryId}/tokens/rotate`, { body: { overlapSeconds: 3600 } });
      expect(rotated.statusCode).toBe(201);
      const fresh = (rotated.json() as { token: string }).token;
      // During the overlap both work.
      expect((await c.scim('GET', '/Users?count=1')).statusCode).toBe(200);
      expect((await c.scim('GET', '/Users?count=1', undefined, { token: fresh })).statusCode).toBe(200);
      clock.advance(3601_000);
      const refused: [string, string | null, string?][] = [
        ['no token', null],
        ['not a token', 'non-token'],
        ['a made-up token', 'kl_scim_' + 'A'.repeat(43)],
        ['the rotated-out token after its overlap', c.token],
        ['another directory’s token on this directory’s path', other.token],
      ];
      for (const [name, token] of refused) {
        await expectNothingChanged(s.rt, async () => {
          const res = await c.scim('GET', '/Users', undefined, { token });
          expect({ name, status: res.statusCode }).toEqual({ name, status: 401 });
          expectScimError(res, 401);
          expect(res.headers['www-authenticate']).toContain('Bearer');
        });
      }
      expect((await c.scim('GET', '/Users?count=1', undefined, { token: fresh })).statusCode).toBe(200);
      // Token-routed: /scim/v2 without the directory id finds the directory by the token.
      const routed = await c.scim('GET', '/scim/v2/Users?count=1', undefined, { token: fresh });
      expect(routed.statusCode).toBe(200);
      const tokens = (await s.request('GET', `/api/v1/organizations/acme/scim-directories/${c.directoryId}/tokens`)).json() as { items: { id: string; state: string; lastUsedAt: string | null }[] };
      expect(tokens.items.map((t) => t.state).sort()).toEqual(['active', 'expired']);
      expect(tokens.items.find((t) => t.state === 'active')?.lastUsedAt).toBe(clock.now().toISOString());
      const activeId = tokens.items.find((t) => t.state === 'active')!.id;
      expect((await s.request('DELETE', `/api/v1/organizations/acme/scim-directories/${c.directoryId}/tokens/${activeId}`)).statusCode).toBe(200);
      await expectNothingChanged(s.rt, async () => expectScimError(await c.scim('GET', '/Users', undefined, { token: fresh }), 401));
    });

    it('records every successful request in the ledger with the directory as the actor', async () => {
      const d = await connectDirectory(s, 'initech');
      const before = await ledgerNextSeq(s.rt);
      expect((await d.scim('GET', '/Users?filter=userName%20eq%20%22nobody%40initech.test%22')).statusCode).toBe(200);
      const { events } = await s.rt.ledger.listEvents({ afterSeq: before - 1 }, { limit: 50 });
      const read = events.find((e) => e.action === 'scim.resources.read');
      expect(read).toMatchObject({ actor: { type: 'scim_directory', id: d.directoryId }, data: { resourceType: 'User', filter: 'userName eq "nobody@initech.test"', totalResults: 0 } });
    });
  });
}
