import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { csvField, firstCsvDifference, renderCsv } from '../../src/evidence/package/csv.ts';
import { drawSample, sampleRank } from '../../src/evidence/package/sampling.ts';
import type { CitedRow } from '../../src/evidence/model.ts';

describe('evidence CSV (RFC 4180)', () => {
  it('quotes fields with comma, quote, CR or LF, doubling quotes, with CRLF line ends and a cites column', () => {
    const rows: CitedRow[] = [
      { row: { email: 'a@example.com', note: 'plain', n: 3, ok: true, gone: null }, cites: ['e1', 'e2'] },
      { row: { email: 'b@example.com', note: 'a, "b"\r\nc', n: -2.5, ok: false, gone: 'x' }, cites: [] },
    ];
    expect(renderCsv(['email', 'note', 'n', 'ok', 'gone'], rows)).toBe(
      'email,note,n,ok,gone,ledger_event_ids\r\n' + 'a@example.com,plain,3,true,,e1 e2\r\n' + 'b@example.com,"a, ""b""\r\nc",-2.5,false,x,\r\n',
    );
  });

  it('guards text cells that a spreadsheet would run as a formula, but not numbers', () => {
    expect(csvField('=HYPERLINK("http://evil")')).toBe(`"'=HYPERLINK(""http://evil"")"`);
    expect(csvField('+1')).toBe("'+1");
    expect(csvField('-1')).toBe("'-1");
    expect(csvField('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvField('\tcmd')).toBe("'\tcmd");
    expect(csvField('\rcmd')).toBe(`"'\rcmd"`);
    expect(csvField(-1)).toBe('-1');
    expect(csvField('a=b')).toBe('a=b');
    expect(csvField('')).toBe('');
  });

  it('names the first record that differs from the rows', () => {
    const rows: CitedRow[] = [1, 2, 3].map((i) => ({ row: { id: `u${i}` }, cites: [`e${i}`] }));
    const text = renderCsv(['id'], rows);
    expect(firstCsvDifference(text, ['id'], rows)).toBeNull();
    expect(firstCsvDifference(text.replace('u2', 'u9'), ['id'], rows)).toBe(2);
    expect(firstCsvDifference(text.replace('id,', 'ID,'), ['id'], rows)).toBe(0);
    expect(firstCsvDifference(text + 'u4,e4\r\n', ['id'], rows)).toBe(4);
    expect(firstCsvDifference(text.slice(0, -2), ['id'], rows)).toBe(3);
  });
});

describe('deterministic sampling', () => {
  const population: CitedRow[] = Array.from({ length: 50 }, (_, i) => ({ row: { user_id: `user-${i}`, n: i }, cites: [`e${i}`] }));
  const keys = (rows: CitedRow[]) => rows.map((r) => r.row.user_id);

  it('ranks by hex SHA-256(seed, newline, key), the same as sha256sum', () => {
    const shell = execFileSync('sh', ['-c', `printf '%s\\n%s' "$SEED" "$KEY" | sha256sum`], { env: { ...process.env, SEED: 'audit-2026', KEY: 'user-7' } }).toString().split(' ')[0];
    expect(sampleRank('audit-2026', 'user-7')).toBe(shell);
    const sample = drawSample(population, 'user_id', 'audit-2026', 5);
    expect(sample).toHaveLength(5);
    const ranks = sample.map((r) => r.rank);
    expect([...ranks].sort()).toEqual(ranks);
    const all = population.map((r) => sampleRank('audit-2026', String(r.row.user_id))).sort();
    expect(ranks).toEqual(all.slice(0, 5));
    expect(sample[0]).toMatchObject({ cites: expect.any(Array), row: expect.any(Object) });
  });

  it('same seed gives the same sample, another seed another one, regardless of input order', () => {
    const a = drawSample(population, 'user_id', 'seed-a', 10);
    expect(keys(drawSample([...population].reverse(), 'user_id', 'seed-a', 10))).toEqual(keys(a));
    expect(keys(drawSample(population, 'user_id', 'seed-b', 10))).not.toEqual(keys(a));
  });

  it('takes every row when the size reaches the population, and none for size 0', () => {
    expect(drawSample(population, 'user_id', 's', 50)).toHaveLength(50);
    expect(new Set(keys(drawSample(population, 'user_id', 's', 500)))).toEqual(new Set(keys(population)));
    expect(drawSample(population, 'user_id', 's', 0)).toEqual([]);
  });
});
