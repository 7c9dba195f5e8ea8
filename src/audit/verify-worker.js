// A verification worker: reads the canonical events of one sequence range over
// its own connection and hashes them into shared memory (see leaf-hashing.js).
import { parentPort, workerData } from 'node:worker_threads';
import { hashLeafBodies } from './leaf-hashing.js';

const { target, start, end, shared, base } = workerData;
const out = Buffer.from(shared);
const PAGE = 10_000;

async function* postgresBodies() {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: target.databaseUrl });
  await client.connect();
  try {
    for (let from = start; from < end; from += PAGE) {
      const { rows } = await client.query({ text: 'select body from audit_events where seq >= $1 and seq < $2 order by seq', values: [from, Math.min(from + PAGE, end)], rowMode: 'array' });
      for (const row of rows) yield row[0];
    }
  } finally {
    await client.end();
  }
}

async function run() {
  if (target.databaseUrl) {
    // hashLeafBodies takes a sync iterable; collect per page to keep memory bounded.
    let position = start;
    let page = [];
    for await (const body of postgresBodies()) {
      page.push(body);
      if (page.length === PAGE) {
        const r = hashLeafBodies(page, position, out, base);
        if (r.mismatch) return r.mismatch;
        position += r.count;
        page = [];
      }
    }
    const r = hashLeafBodies(page, position, out, base);
    return r.mismatch ?? (position + r.count < end ? { position: position + r.count, embeddedSeq: -1 } : null);
  }
  const { default: BetterSqlite3 } = await import('better-sqlite3');
  const db = new BetterSqlite3(target.sqliteFile, { readonly: true, fileMustExist: true });
  try {
    const rows = db.prepare('select body from audit_events where seq >= ? and seq < ? order by seq').pluck(true).iterate(start, end);
    const r = hashLeafBodies(rows, start, out, base);
    return r.mismatch ?? (start + r.count < end ? { position: start + r.count, embeddedSeq: -1 } : null);
  } finally {
    db.close();
  }
}

run().then(
  (mismatch) => parentPort.postMessage({ mismatch }),
  (err) => parentPort.postMessage({ error: String(err && err.stack ? err.stack : err) }),
);
