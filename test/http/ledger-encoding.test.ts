import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/databases.ts';
import { createOrg, expectError, expectNothingChanged, startHttpSuite, type HttpSuite } from '../support/http.ts';

for (const dialect of DIALECTS) {
  describe(`text the ledger cannot record is refused, on ${dialect}`, () => {
    let s: HttpSuite;
    beforeAll(async () => {
      s = await startHttpSuite(dialect);
      await createOrg(s, 'acme');
    });
    afterAll(async () => s?.close());

    it('a lone UTF-16 surrogate in a name is a 422 ledger.not_canonicalizable, and nothing is written', async () => {
      // JSON allows "\ud800" on the wire, but it is no Unicode text: RFC 8785 refuses it, so no event could hash it.
      const raw = '{"slug":"surrogate","name":"bad \\ud800 name"}';
      await expectNothingChanged(s.rt, async () => {
        const res = await s.request('POST', '/api/v1/organizations', { body: raw, headers: { 'content-type': 'application/json' } });
        expectError(res, 422, 'ledger.not_canonicalizable');
        expect(res.json().error.message).toContain('$.data.name');
      });
    });
  });
}
