// A verification worker: reads the canonical events of one sequence range over
// its own connection, hashes them into the shared leaf level, then builds the
// tree levels that lie wholly inside its range (see leaf-hashing.js).
import { parentPort, workerData } from 'node:worker_threads';
import { hashLedgerRange, hashLevels } from './leaf-hashing.js';

const { target, start, end, levels: shared, maxLevel } = workerData;
const levels = shared.map((sab) => Buffer.from(sab));

async function hashRange() {
  if (target.databaseUrl) {
    const { default: pg } = await import('pg');
    const client = new pg.Client({ connectionString: target.databaseUrl });
    await client.connect();
    try {
      const readPage = async (from, to) => {
        const { rows } = await client.query("select count(*)::int as n, string_agg(body, E'\\n' order by seq) as bodies from audit_events where seq >= $1 and seq < $2", [from, to]);
        return rows[0];
      };
      const readRows = async (from, to) => (await client.query({ text: 'select body from audit_events where seq >= $1 and seq < $2 order by seq', values: [from, to], rowMode: 'array' })).rows.map((r) => r[0]);
      return await hashLedgerRange(readPage, readRows, start, end, levels[0], 0);
    } finally {
      await client.end();
    }
  }
  const { default: BetterSqlite3 } = await import('better-sqlite3');
  const db = new BetterSqlite3(target.sqliteFile, { readonly: true, fileMustExist: true });
  try {
    const page = db.prepare('select count(*) as n, group_concat(body, char(10)) as bodies from (select body from audit_events where seq >= ? and seq < ? order by seq)');
    const rows = db.prepare('select body from audit_events where seq >= ? and seq < ? order by seq').pluck(true);
    return await hashLedgerRange(async (from, to) => page.get(from, to), async (from, to) => rows.all(from, to), start, end, levels[0], 0);
  } finally {
    db.close();
  }
}

hashRange()
  .then((mismatch) => {
    if (!mismatch) hashLevels(levels, start, end, 1, maxLevel);
    parentPort.postMessage({ mismatch });
  })
  .catch((err) => parentPort.postMessage({ error: String(err && err.stack ? err.stack : err) }));
