import { describe, expect, it } from 'vitest';
import { verifyEvidencePackage, type VerifyPackageReport } from '../../src/evidence/package/verify-package.ts';
import { writeEvidencePackage, type PackageManifest } from '../../src/evidence/package/write-package.ts';
import { BUILDERS, buildPackage, newSigner, packageInput, replaceIn, reseal, rezip, syntheticLedger, unzip } from './package-fixture.ts';

const ledger = syntheticLedger();
const good = buildPackage(ledger);
const key = ledger.signer.verifierKey;
const verify = (zip: Uint8Array, verifierKey: string = key): VerifyPackageReport => verifyEvidencePackage(zip, { verifierKey, builders: BUILDERS });
const verifyUnpinned = (zip: Uint8Array): VerifyPackageReport => verifyEvidencePackage(zip, { builders: BUILDERS });
const codes = (r: VerifyPackageReport) => r.problems.map((p) => `${p.code} ${p.file}`);
const text = (files: Record<string, Uint8Array>, path: string) => Buffer.from(files[path]).toString('utf8');

describe('a good evidence package', () => {
  it('verifies, pinned to the ledger key, with every check passing', () => {
    const r = verify(good);
    expect(r.problems).toEqual([]);
    expect(r).toMatchObject({ ok: true, pinned: true, verifierKey: key, checkpoint: { size: 40 }, counts: { events: 10, rows: 11, rowsRecomputed: 10 }, problemsOmitted: 0 });
    expect(r.checks.map((c) => `${c.check}:${c.result}`)).toEqual([
      'key:ok', 'signature:ok', 'files:ok', 'checkpoint:ok', 'events:ok', 'proof:ok', 'tables:ok', 'recompute:ok', 'consistency:ok', 'samples:ok',
    ]);
  });

  it('verifies unpinned with its own key, and says so', () => {
    expect(verifyUnpinned(good)).toMatchObject({ ok: true, pinned: false, verifierKey: key });
  });

  it('has the documented layout, every file in the manifest, and the same bytes when written twice', () => {
    const files = unzip(good);
    expect(Object.keys(files).sort()).toEqual([
      'CC6.2/README.md', 'CC6.2/new-users.csv', 'CC6.2/new-users.json', 'CC6.2/settings.csv', 'CC6.2/settings.json',
      'README.md', 'ledger/batch-proof.json', 'ledger/checkpoint.txt', 'ledger/events.jsonl', 'ledger/verifier-key.txt',
      'log-integrity/README.md', 'log-integrity/consistency-proof.json', 'manifest.json', 'manifest.sig', 'report.html',
      'samples/CC6.2-new-users.csv', 'samples/sampling.json',
    ]);
    const manifest = JSON.parse(text(files, 'manifest.json')) as PackageManifest;
    expect(manifest).toMatchObject({ format: 'keyledger-evidence/1', org: { slug: 'acme' }, window: { from: '2026-03-01T10:00:00.000Z', to: '2026-04-01T00:00:00.000Z' }, verifierKey: key });
    expect(manifest.files.map((f) => f.path).sort()).toEqual(Object.keys(files).filter((p) => !p.startsWith('manifest.')).sort());
    expect(text(files, 'manifest.sig')).toMatch(/^keyledger-evidence-manifest\nsha256 [0-9a-f]{64}\n\n— evidence\.test\/keyledger /);
    expect(Buffer.from(buildPackage(ledger)).equals(Buffer.from(good))).toBe(true);
    // The formula guard in the CSV, the raw value in the JSON.
    expect(text(files, 'CC6.2/new-users.csv')).toContain(`u4,'=cmd|'/c calc'!A1,`);
    expect(text(files, 'CC6.2/new-users.json')).toContain(`"email": "=cmd|'/c calc'!A1"`);
    expect(text(files, 'README.md')).toContain('sha256sum');
    expect(text(files, 'CC6.2/README.md')).toContain('Configuration at export time');
  });
});

describe('a tampered package is refused, naming the file (and row or line)', () => {
  it('one byte of a CSV', () => {
    const r = verify(rezip(good, (f) => replaceIn(f, 'CC6.2/new-users.csv', 'user2@', 'user3@')));
    expect(r.ok).toBe(false);
    expect(codes(r)).toEqual(['file.digest_mismatch CC6.2/new-users.csv', 'table.csv_mismatch CC6.2/new-users.csv']);
    expect(r.problems[1].row).toBe(3);
  });

  it('one byte of a table JSON', () => {
    const r = verify(rezip(good, (f) => replaceIn(f, 'CC6.2/new-users.json', 'user5@', 'user6@')));
    expect(codes(r)).toEqual(['file.digest_mismatch CC6.2/new-users.json', 'table.csv_mismatch CC6.2/new-users.csv', 'table.row_mismatch CC6.2/new-users.json']);
    expect(r.problems[2]).toMatchObject({ row: 6 });
    expect(r.problems[2].message).toContain('column email');
  });

  it('one byte of an embedded event', () => {
    const r = verify(rezip(good, (f) => replaceIn(f, 'ledger/events.jsonl', 'user7@', 'user8@')));
    expect(codes(r)).toEqual(['file.digest_mismatch ledger/events.jsonl', 'events.leaf_mismatch ledger/events.jsonl', 'proof.root_mismatch ledger/batch-proof.json', 'table.row_mismatch CC6.2/new-users.json']);
    expect(r.problems[1]).toMatchObject({ line: 8 });
    expect(r.problems[1].message).toContain(ledger.events[31].id);
  });

  it('one hash of the batch proof', () => {
    const files = unzip(good);
    const proof = JSON.parse(text(files, 'ledger/batch-proof.json'));
    const h = proof.hashes[1] as string;
    const r = verify(rezip(good, (f) => replaceIn(f, 'ledger/batch-proof.json', h, (h[0] === 'A' ? 'B' : 'A') + h.slice(1))));
    expect(codes(r)).toEqual(['file.digest_mismatch ledger/batch-proof.json', 'proof.root_mismatch ledger/batch-proof.json']);
  });

  it('one byte of manifest.json', () => {
    const r = verify(rezip(good, (f) => replaceIn(f, 'manifest.json', '"generatedAt": "2026-04-02T10', '"generatedAt": "2026-04-02T11')));
    expect(codes(r)).toEqual(['manifest.digest_mismatch manifest.json']);
  });

  it('one byte of manifest.sig', () => {
    const r = verify(rezip(good, (f) => replaceIn(f, 'manifest.sig', 'sha256 ', 'sha256  ')));
    expect(codes(r)).toEqual(['manifest.signature_invalid manifest.sig']);
  });

  it('one byte of the checkpoint', () => {
    const r = verify(rezip(good, (f) => replaceIn(f, 'ledger/checkpoint.txt', '\n40\n', '\n41\n')));
    expect(codes(r)).toEqual(['file.digest_mismatch ledger/checkpoint.txt', 'checkpoint.invalid ledger/checkpoint.txt']);
  });

  it('a dropped file', () => {
    const r = verify(rezip(good, (f) => delete f['CC6.2/settings.csv']));
    expect(codes(r)).toEqual(['file.missing CC6.2/settings.csv', 'table.missing CC6.2/settings.csv']);
  });

  it('an added file', () => {
    const r = verify(rezip(good, (f) => (f['CC6.2/extra.csv'] = Buffer.from('user_id\r\nu99\r\n'))));
    expect(codes(r)).toEqual(['file.unlisted CC6.2/extra.csv']);
  });

  it('not a zip at all', () => {
    expect(codes(verify(Buffer.from('not a zip')))).toEqual(['package.unreadable (package)']);
  });

  it('a package signed by another key, when the published key is pinned', () => {
    const other = buildPackage(syntheticLedger(newSigner()));
    expect(verifyUnpinned(other).ok).toBe(true); // unpinned it is self-consistent: why pinning matters
    const r = verify(other, key);
    expect(r).toMatchObject({ ok: false, pinned: true, verifierKey: key });
    expect(codes(r)).toEqual(['key.mismatch ledger/verifier-key.txt', 'manifest.signature_invalid manifest.sig', 'key.mismatch manifest.json', 'checkpoint.invalid ledger/checkpoint.txt', 'consistency.checkpoint_invalid log-integrity/consistency-proof.json', 'consistency.checkpoint_invalid log-integrity/consistency-proof.json']);
  });

  it('a malformed pinned key', () => {
    expect(codes(verify(good, 'not-a-key'))[0]).toBe('key.malformed (--key)');
  });
});

describe('resealed with the ledger key, the inner checks still catch tampering', () => {
  const sealed = (change: (f: Record<string, Uint8Array>) => void) => verify(rezip(good, (f) => (change(f), reseal(f, ledger.signer))));

  it('a CSV row that is not its JSON row', () => {
    const r = sealed((f) => replaceIn(f, 'CC6.2/new-users.csv', 'user2@', 'user3@'));
    expect(r.problems).toEqual([expect.objectContaining({ code: 'table.csv_mismatch', file: 'CC6.2/new-users.csv', row: 3 })]);
  });

  it('a row that its cited events do not give (a dishonest exporter)', () => {
    const input = packageInput(ledger);
    const rows = input.sections[0].tables[0].rows.map((r) => r.row);
    rows[1] = { ...rows[1], in_window: true };
    const r = verify(writeEvidencePackage(packageInput(ledger, { rows })));
    expect(r.problems).toEqual([expect.objectContaining({ code: 'table.row_mismatch', file: 'CC6.2/new-users.json', row: 2 })]);
    expect(r.problems[0].message).toBe('row 2, column in_window: the package says true, recomputed from the cited events: false');
    expect(r.counts.rowsRecomputed).toBe(9);
  });

  it('an embedded event changed', () => {
    const r = sealed((f) => replaceIn(f, 'ledger/events.jsonl', 'user7@', 'user8@'));
    expect(codes(r)).toEqual(['events.leaf_mismatch ledger/events.jsonl', 'proof.root_mismatch ledger/batch-proof.json', 'table.row_mismatch CC6.2/new-users.json']);
  });

  it('an event that is not canonical JSON', () => {
    const r = sealed((f) => replaceIn(f, 'ledger/events.jsonl', '{"action"', '{ "action"'));
    expect(codes(r)).toContain('events.not_canonical ledger/events.jsonl');
    expect(r.problems[0]).toMatchObject({ line: 1 });
  });

  it('a cited event removed from the package', () => {
    const r = sealed((f) => {
      const lines = text(f, 'ledger/events.jsonl').split('\n');
      f['ledger/events.jsonl'] = Buffer.from([...lines.slice(0, 2), ...lines.slice(3)].join('\n'));
    });
    expect(codes(r)).toEqual(['proof.leaf_without_event ledger/batch-proof.json', 'proof.invalid ledger/batch-proof.json', 'table.cite_missing CC6.2/new-users.json']);
    expect(r.problems[2]).toMatchObject({ row: 3 });
  });

  it('a consistency proof hash changed', () => {
    const r = sealed((f) => {
      const doc = JSON.parse(text(f, 'log-integrity/consistency-proof.json'));
      doc.proof[0] = Buffer.alloc(32, 1).toString('base64');
      f['log-integrity/consistency-proof.json'] = Buffer.from(JSON.stringify(doc));
    });
    expect(codes(r)).toEqual(['consistency.invalid log-integrity/consistency-proof.json']);
  });

  it('a sample that is not the one the seed draws', () => {
    const r = sealed((f) => {
      const doc = JSON.parse(text(f, 'samples/sampling.json'));
      doc.drawn['CC6.2/new-users'][0] = 'u9' === doc.drawn['CC6.2/new-users'][0] ? 'u8' : 'u9';
      f['samples/sampling.json'] = Buffer.from(JSON.stringify(doc));
    });
    expect(codes(r)).toEqual(['sample.mismatch samples/sampling.json']);
  });

  it('a table whose rule this verifier does not know', () => {
    const r = verifyEvidencePackage(good, { verifierKey: key, builders: {} });
    expect(codes(r)).toEqual(['table.unknown_builder CC6.2/new-users.json']);
    expect(r.counts.rowsRecomputed).toBe(0);
  });
});

describe('a package that cites no event', () => {
  it('verifies, with nothing to prove', () => {
    const input = packageInput(ledger, { sampling: false });
    input.sections = [{ ...input.sections[0], tables: [input.sections[0].tables[1]] }];
    input.ledger = { ...input.ledger, events: [], proof: { treeSize: 40, leaves: [], hashes: [] } };
    const r = verify(writeEvidencePackage(input));
    expect(r.problems).toEqual([]);
    expect(r.checks.filter((c) => c.result === 'skipped').map((c) => c.check)).toEqual(['proof', 'recompute', 'consistency', 'samples']);
    expect(r.counts).toMatchObject({ events: 0, rows: 1, rowsRecomputed: 0 });
  });
});

describe('the writer refuses an inconsistent package', () => {
  it('a row citing an event that is not embedded', () => {
    const input = packageInput(ledger);
    input.sections[0].tables[0].rows[0].cites.push(ledger.events[0].id);
    expect(() => writeEvidencePackage(input)).toThrow(/cites event .* which is not embedded/);
  });

  it('a sample of a table without a sample key', () => {
    const input = packageInput(ledger);
    input.sampling = { seed: 's', sizes: { 'CC6.2/settings': 1 } };
    expect(() => writeEvidencePackage(input)).toThrow(/no sample key/);
  });
});
