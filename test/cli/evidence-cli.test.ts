/** `keyledger evidence verify` as an auditor runs it: no database, no data folder, no network. */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unzipSync, zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemContext } from '../../src/audit/event.ts';
import { createEvidenceContext } from '../../src/evidence/collect.ts';
import type { CriterionSection } from '../../src/evidence/model.ts';
import { embedCitedEvents } from '../../src/evidence/package/embed-ledger.ts';
import { writeEvidencePackage } from '../../src/evidence/package/write-package.ts';
import { ManualClock } from '../../src/platform/clock.ts';
import { cliEnv, parseJson, runCli } from '../support/cli.ts';
import { DIALECTS } from '../support/databases.ts';
import { createTestRuntime, type TestRuntime } from '../support/runtime.ts';
import { newSigner } from '../evidence/package-fixture.ts';

describe.each(DIALECTS)('keyledger evidence verify, for a package exported on %s', (dialect) => {
  const dir = mkdtempSync(join(tmpdir(), 'keyledger-evidence-cli-'));
  const missingData = join(dir, 'no-data-here');
  // No DATABASE_URL, a data folder that does not exist: the command must not need either.
  const env = cliEnv({ dataDir: missingData, databaseUrl: '' });
  const cli = (...args: string[]) => runCli(['evidence', 'verify', ...args], env);
  let t: TestRuntime;
  let key: string;
  const good = join(dir, 'good.zip');
  const tampered = join(dir, 'tampered.zip');

  beforeAll(async () => {
    const clock = new ManualClock('2026-03-01T08:00:00.000Z');
    t = await createTestRuntime(dialect, { clock });
    const ctx = systemContext('test', 'evidence cli test');
    await t.rt.identity.createOrganization(ctx, { slug: 'acme', name: 'Acme' });
    for (let i = 0; i < 4; i++) {
      clock.advance(3_600_000);
      await t.rt.identity.createUser(ctx, { email: `user${i}@acme.example` }, { orgRef: 'acme' });
    }
    const ectx = await createEvidenceContext(t.rt, { org: 'acme', from: '2026-03-01T00:00:00.000Z', to: '2026-03-02T00:00:00.000Z' });
    const { events } = await t.rt.ledger.listEvents({ actionPrefix: 'identity.user.created' }, { limit: 100 });
    const section: CriterionSection = {
      id: 'CC6.2',
      title: 'New users',
      summary: 'Users created in the window.',
      status: 'info',
      headline: `${events.length} users were created.`,
      facts: [{ label: 'users created', value: events.length }],
      tables: [
        {
          name: 'new-users',
          title: 'New users',
          description: 'Users created, with the event that created them.',
          columns: [{ name: 'user_id', description: 'The user.' }, { name: 'email', description: 'Their email.' }],
          rows: events.map((e) => ({ row: { user_id: e.targets[0].id, email: String(e.data.email) }, cites: [e.id] })),
          sampleKey: 'user_id',
        },
      ],
      charts: [],
      attachments: [],
    };
    const ledger = await embedCitedEvents(t.rt, ectx, [section]);
    const zip = writeEvidencePackage({ ctx: ectx, sections: [section], ledger, signer: t.rt.signer });
    key = t.rt.signer.verifierKey;
    writeFileSync(good, zip);
    const files = unzipSync(zip);
    files['CC6.2/new-users.csv'] = Buffer.from(Buffer.from(files['CC6.2/new-users.csv']).toString().replace('user2@', 'user9@'));
    writeFileSync(tampered, zipSync(files));
    writeFileSync(join(dir, 'key.txt'), key + '\n');
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints each check and exits 0 for a good package pinned to the published key (inline, @file or a path)', async () => {
    const r = await cli(good, '--key', key);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`verifier key: ${key} (pinned)`);
    expect(r.stdout).toMatch(/ok +manifest signature/);
    expect(r.stdout).toMatch(/ok +batch inclusion proof/);
    expect(r.stdout).toMatch(/skipped +rows recomputed/);
    expect(r.stdout).toContain('PACKAGE VERIFIED');
    expect((await cli(good, '--key', `@${join(dir, 'key.txt')}`)).code).toBe(0);
    expect((await cli(good, '--key', join(dir, 'key.txt'), '--json')).code).toBe(0);
    expect(existsSync(missingData)).toBe(false);
  });

  it('says when the key was not pinned', async () => {
    const r = await cli(good, '--json');
    expect(r.code).toBe(0);
    expect(parseJson(r)).toMatchObject({ ok: true, pinned: false, verifierKey: key, counts: { events: 4, rows: 4 } });
    expect((await cli(good)).stdout).toContain('NOT pinned');
  });

  it('exits 1 naming the problem, file and row of a tampered package', async () => {
    const r = await cli(tampered, '--key', key);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('PACKAGE VERIFICATION FAILED');
    expect(r.stdout).toContain('file.digest_mismatch CC6.2/new-users.csv');
    expect(r.stdout).toMatch(/table\.csv_mismatch CC6\.2\/new-users\.csv row 3/);
    const json = parseJson(await cli(tampered, '--key', key, '--json'));
    expect(json.ok).toBe(false);
    expect(json.problems.map((p: { code: string }) => p.code)).toEqual(['file.digest_mismatch', 'table.csv_mismatch']);
  });

  it('exits 1 when the package was signed by another key than the pinned one', async () => {
    const r = await cli(good, '--key', newSigner(t.rt.signer.keyName).verifierKey, '--json');
    expect(r.code).toBe(1);
    expect(parseJson(r).problems[0]).toMatchObject({ code: 'key.mismatch', file: 'ledger/verifier-key.txt' });
  });

  it('exits 1 with a stable code for a file it cannot read', async () => {
    const r = await cli(join(dir, 'nope.zip'), '--json');
    expect(r.code).toBe(1);
    expect(parseJson(r).error.code).toBe('request.invalid');
  });
});
