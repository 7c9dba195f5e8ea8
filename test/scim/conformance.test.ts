import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import newman from 'newman';
import { DIALECTS } from '../support/databases.ts';
import { startServerSuite, type ServerSuite } from '../support/oidc.ts';
import { replayRunscope, type RunscopeStep } from '../support/runscope.ts';

const FIXTURES = fileURLToPath(new URL('../../../shared/fixtures/scim/', import.meta.url));
const fixture = (name: string) => JSON.parse(readFileSync(`${FIXTURES}${name}`, 'utf8')) as Record<string, any>;
const CORE_USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

async function connect(s: ServerSuite, slug: string): Promise<{ baseUrl: string; token: string }> {
  await s.api('POST', '/organizations', { slug, name: slug });
  const dir = await s.api('POST', `/organizations/${slug}/scim-directories`, { name: `${slug} directory` });
  const issued = await s.api('POST', `/organizations/${slug}/scim-directories/${dir.id}/tokens`);
  return { baseUrl: issued.baseUrl, token: issued.token };
}

for (const dialect of DIALECTS) {
  describe(`identity-provider conformance suites against the running server on ${dialect}`, () => {
    let s: ServerSuite;
    beforeAll(async () => {
      s = await startServerSuite(dialect);
    }, 60_000);
    afterAll(() => s?.close());

    it("passes Okta's SCIM 2.0 spec test (Runscope export, replayed step by step)", async () => {
      const { baseUrl, token } = await connect(s, 'okta-spec');
      // The first step reads an existing user: the integration has one before Okta connects.
      const seed = await fetch(`${baseUrl}/Users`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' },
        body: JSON.stringify({ schemas: [CORE_USER], userName: 'existing.person@okta-spec.test', name: { givenName: 'Existing', familyName: 'Person' }, emails: [{ primary: true, value: 'existing.person@okta-spec.test', type: 'work' }], active: true }),
      });
      expect(seed.status).toBe(201);
      const suffix = Date.now().toString(36);
      const vars: Record<string, string> = {
        SCIMBaseURL: baseUrl,
        auth: `Bearer ${token}`,
        InvalidUserEmail: `nobody-${suffix}@okta-spec.test`,
        UserIdThatDoesNotExist: '010101001010101010',
        randomUsername: `random.user.${suffix}@okta-spec.test`,
        randomUsernameCaps: `RANDOM.USER.${suffix}@OKTA-SPEC.TEST`,
        randomEmail: `random.user.${suffix}@okta-spec.test`,
        randomGivenName: 'Random',
        randomFamilyName: `User${suffix}`,
      };
      const spec = fixture('okta-scim-20-spec-test.runscope.json');
      const results = await replayRunscope(spec.steps as RunscopeStep[], vars);
      expect(results.length).toBeGreaterThanOrEqual(12);
      expect(results.filter((r) => r.failures.length > 0)).toEqual([]);
    });

    it("passes Okta's CRUD test, with each Okta-side step replaced by the SCIM request Okta sends for it", async () => {
      const { baseUrl, token } = await connect(s, 'okta-crud');
      const email = `crud.${Date.now().toString(36)}@okta-crud.test`;
      const vars: Record<string, string> = { SCIMUrl: baseUrl, SCIMAuth: `Bearer ${token}`, okta_user_email: email, okta_user_firstname: 'Crud', okta_user_lastname: 'Tester', okta_user_firstname_update: 'Cruddy' };
      const okta = (method: string, path: string, body: unknown) =>
        fetch(`${baseUrl}${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/scim+json', 'user-agent': 'Okta SCIM Client 1.0.0' }, body: JSON.stringify(body) });
      const idOf = async () => {
        const res = await fetch(`${baseUrl}/Users?filter=${encodeURIComponent(`userName eq "${email}"`)}&startIndex=1&count=100`, { headers: { authorization: `Bearer ${token}` } });
        return ((await res.json()) as { Resources: { id: string }[] }).Resources[0].id;
      };
      const user = (given: string) => ({ schemas: [CORE_USER], userName: email, name: { givenName: given, familyName: 'Tester' }, emails: [{ primary: true, value: email, type: 'work' }], displayName: `${given} Tester`, active: true });
      const active = (value: boolean) => ({ schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { active: value } }] });
      // What Okta sends to the SCIM server for each step taken in Okta (developer.okta.com, "SCIM 2.0 protocol reference").
      const oktaSide: Record<string, () => Promise<Response | null>> = {
        'Check SCIM Apps instance in Okta ': async () => null,
        'Add new random user to Okta': async () => null,
        'Assign user to SCIM App': async () => ((await fetch(`${baseUrl}/Users?filter=${encodeURIComponent(`userName eq "${email}"`)}`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.json())) as { totalResults: number }).totalResults === 0 ? okta('POST', '/Users', user('Crud')) : okta('PUT', `/Users/${await idOf()}`, user('Cruddy')),
        'Update user firstname': async () => okta('PUT', `/Users/${await idOf()}`, user('Cruddy')),
        'Deactivate user in Okta': async () => okta('PATCH', `/Users/${await idOf()}`, active(false)),
        'Reactivate user in okta': async () => okta('PATCH', `/Users/${await idOf()}`, active(true)),
        'Removes an assignment for a user in Okta': async () => okta('PATCH', `/Users/${await idOf()}`, active(false)),
      };
      const steps = fixture('okta-scim-20-crud-test.runscope.json').steps as RunscopeStep[];
      const checked: string[] = [];
      for (const step of steps) {
        if (step.step_type !== 'request') continue;
        if (step.url!.startsWith('{{oktaOrgUrl}}')) {
          const emulate = oktaSide[step.note!];
          expect(emulate, `an emulation for "${step.note}"`).toBeDefined();
          const res = await emulate();
          if (res) expect([200, 201, 204]).toContain(res.status);
          continue;
        }
        const [result] = await replayRunscope([step], vars);
        expect({ step: result.note, failures: result.failures }).toEqual({ step: result.note, failures: [] });
        checked.push(result.note);
      }
      expect(checked).toHaveLength(5);
    });

    it("passes Microsoft's SCIM reference Postman collection with newman", async () => {
      const { baseUrl, token } = await connect(s, 'entra');
      const collection = fixture('microsoft-scim-reference.postman_collection.json');
      // The reference implementation's own token endpoint is not part of SCIM: the directory token stands in for it.
      collection.item = (collection.item as { name: string }[]).filter((i) => i.name !== 'Get Token');
      const url = new URL(baseUrl);
      const environment = { values: [
        { key: 'Protocol', value: url.protocol.replace(':', '') },
        { key: 'Server', value: url.hostname },
        { key: 'Port', value: `:${url.port}` },
        { key: 'Api', value: url.pathname.replace(/^\//, '') },
        { key: 'token', value: token },
      ] };
      const summary = await new Promise<newman.NewmanRunSummary>((resolve, reject) =>
        newman.run({ collection, environment, reporters: [], timeoutRequest: 10_000 }, (err, result) => (err ? reject(err) : resolve(result))),
      );
      const failures = summary.run.failures.map((f) => `${f.source?.name}: ${f.error?.test ?? ''} ${f.error?.message ?? ''}`);
      expect(failures).toEqual([]);
      expect(summary.run.stats.assertions.total).toBeGreaterThan(60);
      expect(summary.run.stats.requests.failed).toBe(0);
    });
  });
}
