import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { DIALECTS } from '../support/databases.ts';
import { createOrg, createUser, ledgerNextSeq, startHttpSuite, type HttpSuite } from '../support/http.ts';
import { ERROR_CATALOGUE, KeyledgerError, type ErrorCode } from '../../src/platform/errors.ts';
import { ErrorResponse } from '../../src/http/schemas.ts';

const DOC = new URL('../../docs/errors.md', import.meta.url);

/** The rows of the `| code | status | meaning |` table in docs/errors.md. */
function documentedErrors(): Array<{ code: string; status: number; meaning: string }> {
  const text = readFileSync(DOC, 'utf8');
  expect(text).toContain('| code | status | meaning |');
  return text
    .split('\n')
    .filter((line) => /^\|\s*`/.test(line))
    .map((line) => {
      const m = /^\|\s*`([^`]+)`\s*\|\s*(\d{3})\s*\|\s*(.+?)\s*\|$/.exec(line);
      expect(m, `malformed row: ${line}`).not.toBeNull();
      return { code: m![1], status: Number(m![2]), meaning: m![3] };
    });
}

describe('the error catalogue and docs/errors.md', () => {
  it('document exactly the catalogue: every code, its status and its meaning, and nothing else', () => {
    const rows = documentedErrors();
    expect(new Set(rows.map((r) => r.code)).size).toBe(rows.length);
    const fromDocs = Object.fromEntries(rows.map((r) => [r.code, { status: r.status, description: r.meaning }]));
    expect(fromDocs).toEqual(ERROR_CATALOGUE);
    expect(rows.map((r) => r.code)).toEqual(Object.keys(ERROR_CATALOGUE));
  });

  it('codes are domain.reason, statuses are HTTP error statuses, and only statuses below 500 are exposed', () => {
    for (const [code, spec] of Object.entries(ERROR_CATALOGUE)) {
      expect(code).toMatch(/^([a-z_]+\.[a-z_]+|internal)$/);
      expect([400, 401, 403, 404, 409, 410, 413, 415, 422, 429, 500, 503]).toContain(spec.status);
      const err = new KeyledgerError(code as ErrorCode, 'm');
      expect({ code, status: err.status, expose: err.expose }).toEqual({ code, status: spec.status, expose: spec.status < 500 });
    }
  });

  it('the error response schema every route declares can carry exactly the catalogue codes', () => {
    const code = (ErrorResponse as unknown as { properties: { error: { properties: { code: { enum: string[] } } } } }).properties.error.properties.code;
    expect(code.enum).toEqual(Object.keys(ERROR_CATALOGUE));
  });
});

for (const dialect of DIALECTS) {
  describe(`a server error never leaks its cause, on ${dialect}`, () => {
    let s: HttpSuite;
    let owner: Record<string, any>;
    beforeAll(async () => {
      s = await startHttpSuite(dialect);
      await createOrg(s, 'acme');
      owner = await createUser(s, { email: 'owner@acme.test', org: 'acme' });
      // A broken database is the cleanest real internal error: the service's query fails below the HTTP layer.
      await sql`drop table service_account_credentials`.execute(s.rt.database.db);
      await sql`drop table service_accounts`.execute(s.rt.database.db);
    });
    afterAll(async () => s?.close());

    it('a failing read answers 500 internal with the request id and nothing else', async () => {
      const res = await s.request('GET', '/api/v1/organizations/acme/service-accounts');
      expect(res.statusCode).toBe(500);
      expect(res.json()).toEqual({ error: { code: 'internal', message: 'internal server error', requestId: res.headers['x-request-id'] } });
      expect(res.body).not.toMatch(/service_accounts|no such table|does not exist|sqlite|postgres|select/i);
    });

    it('a failing command answers 500 internal and appends nothing', async () => {
      const before = await ledgerNextSeq(s.rt);
      const res = await s.request('POST', '/api/v1/organizations/acme/service-accounts', { body: { name: 'bot', description: 'd', ownerUserId: owner.id } });
      expect(res.statusCode).toBe(500);
      expect(res.json()).toEqual({ error: { code: 'internal', message: 'internal server error', requestId: res.headers['x-request-id'] } });
      expect(await ledgerNextSeq(s.rt)).toBe(before);
    });

    it('the rest of the API keeps answering', async () => {
      expect((await s.request('GET', '/api/v1/organizations/acme')).statusCode).toBe(200);
    });
  });
}
