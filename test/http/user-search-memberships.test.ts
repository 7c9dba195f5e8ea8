import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/databases.ts';
import { createOrg, createUser, expectError, ok, startHttpSuite, walkPages, type HttpSuite } from '../support/http.ts';

type User = { id: string; email: string; name: string | null };

for (const dialect of DIALECTS) {
  describe(`user search (q) and a user's memberships over HTTP on ${dialect}`, () => {
    let s: HttpSuite;
    const users: Record<string, User> = {};
    const emailsOf = (page: { items: User[] }) => page.items.map((u) => u.email).sort();
    const search = (query: string) => ok<{ items: User[]; nextCursor: string | null }>(s, 200, 'GET', `/api/v1/users?${query}`);

    beforeAll(async () => {
      s = await startHttpSuite(dialect);
      await createOrg(s, 'acme', 'Acme');
      await createOrg(s, 'globex', 'Globex');
      await createOrg(s, 'initech', 'Initech');
      const people: Array<[string, string | null, string?]> = [
        ['ada.lovelace@acme.test', 'Ada Lovelace', 'acme'],
        ['grace@acme.test', 'Grace HOPPER', 'acme'],
        ['hopper-bot@globex.test', null, 'globex'],
        ['percent@acme.test', '100% Sure', 'acme'],
        ['under_score@acme.test', 'Under Score', 'acme'],
        ['underXscore@acme.test', 'Under X', 'acme'],
      ];
      for (const [email, name, org] of people) {
        users[email] = (await createUser(s, { email, name, ...(org ? { org } : {}) })) as User;
      }
      // In no organization, with backslashes in the name (the LIKE escape character).
      users['slash'] = (await createUser(s, { email: 'slash@acme.test', name: 'C:\\Users\\slash' })) as User;
    });
    afterAll(async () => s?.close());

    it('finds users by a case-insensitive part of the email or the name', async () => {
      expect(emailsOf(await search('q=LOVE'))).toEqual(['ada.lovelace@acme.test']);
      expect(emailsOf(await search('q=hopper'))).toEqual(['grace@acme.test', 'hopper-bot@globex.test']);
      expect(emailsOf(await search('q=GLOBEX.test'))).toEqual(['hopper-bot@globex.test']);
      expect((await search('q=nobody-has-this')).items).toEqual([]);
    });

    it('treats %, _ and \\ as themselves, not as LIKE wildcards', async () => {
      expect(emailsOf(await search(`q=${encodeURIComponent('%')}`))).toEqual(['percent@acme.test']);
      expect(emailsOf(await search(`q=${encodeURIComponent('under_')}`))).toEqual(['under_score@acme.test']);
      expect(emailsOf(await search(`q=${encodeURIComponent('\\users\\')}`))).toEqual(['slash@acme.test']);
    });

    it('combines with the other filters and pages with the cursor', async () => {
      expect(emailsOf(await search('q=hopper&org=acme'))).toEqual(['grace@acme.test']);
      expect(emailsOf(await search('q=hopper&org=globex'))).toEqual(['hopper-bot@globex.test']);
      await ok(s, 200, 'PATCH', `/api/v1/users/${users['grace@acme.test'].id}`, { status: 'suspended', statusReason: 'test' });
      expect(emailsOf(await search('q=hopper&status=active'))).toEqual(['hopper-bot@globex.test']);
      const walked = await walkPages(s, '/api/v1/users?q=acme.test', 2);
      expect(walked.pages).toBeGreaterThan(2);
      expect(new Set(walked.ids).size).toBe(walked.ids.length);
      const all = await search('q=acme.test&limit=200');
      expect(walked.ids.sort()).toEqual(all.items.map((u) => u.id).sort());
    });

    it('refuses an empty or overlong search', async () => {
      expectError(await s.request('GET', '/api/v1/users?q='), 400, 'request.invalid');
      expectError(await s.request('GET', `/api/v1/users?q=${'q'.repeat(201)}`), 400, 'request.invalid');
    });

    it("lists a user's organizations with when they joined, across organizations, paged", async () => {
      const ada = users['ada.lovelace@acme.test'];
      await ok(s, 201, 'POST', '/api/v1/organizations/globex/members', { userId: ada.id });
      await ok(s, 201, 'POST', '/api/v1/organizations/initech/members', { userId: ada.id });
      const all = await ok<{ items: Array<Record<string, string>> }>(s, 200, 'GET', `/api/v1/users/${ada.id}/memberships?limit=10`);
      expect(all.items.map((m) => m.slug).sort()).toEqual(['acme', 'globex', 'initech']);
      expect(all.items[0]).toMatchObject({ id: expect.any(String), slug: expect.any(String), name: expect.any(String), joinedAt: expect.any(String), status: 'active' });
      expect(all.items.find((m) => m.slug === 'globex')!.name).toBe('Globex');
      const walked = await walkPages(s, `/api/v1/users/${ada.id}/memberships`, 1);
      expect(walked.ids).toEqual(all.items.map((m) => m.id));
      // An ended membership is no longer listed (the ledger keeps its history).
      await s.request('DELETE', `/api/v1/organizations/initech/members/${ada.id}`);
      const after = await ok<{ items: Array<{ slug: string }> }>(s, 200, 'GET', `/api/v1/users/${ada.id}/memberships`);
      expect(after.items.map((m) => m.slug).sort()).toEqual(['acme', 'globex']);
      // A user in no organization has an empty list; an unknown user is a 404.
      expect((await ok<{ items: unknown[] }>(s, 200, 'GET', `/api/v1/users/${users['slash'].id}/memberships`)).items).toEqual([]);
      expectError(await s.request('GET', '/api/v1/users/00000000-0000-7000-8000-000000000000/memberships'), 404, 'user.not_found');
    });
  });
}
