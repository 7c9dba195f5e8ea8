import type { Insertable } from 'kysely';
import type { ScimUsersTable, ScimUserValuesTable, ScimGroupMembersTable } from '../src/platform/schema-directory.ts';
import { createIdGenerator } from '../src/platform/ids.ts';
import { systemClock } from '../src/platform/clock.ts';
import { rate, timed, type BenchRow } from './harness.ts';
import { connectDirectory, median, startBenchApp, type BenchApp } from './bench-runtime.ts';

const CORE_USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const GIVEN = ['Ada', 'Grace', 'Alan', 'Edsger', 'Barbara', 'Donald', 'Frances', 'John', 'Margaret', 'Ken'];
// Six of the twenty end in "son": `name.familyName co "son"` matches 30% of the directory.
const FAMILY = ['Johnson', 'Anderson', 'Wilson', 'Thompson', 'Jackson', 'Robinson', 'Smith', 'Brown', 'Taylor', 'Lee', 'Walker', 'Hall', 'Young', 'King', 'Wright', 'Lopez', 'Hill', 'Scott', 'Green', 'Baker'];
const DEPARTMENTS = 50;

async function scimRequest(b: BenchApp, token: string, method: 'GET' | 'POST', url: string, body?: unknown, expect = 200): Promise<any> {
  const res = await b.app.inject({
    method,
    url,
    headers: { authorization: `Bearer ${token}`, accept: 'application/scim+json', ...(body === undefined ? {} : { 'content-type': 'application/scim+json' }) },
    payload: body === undefined ? undefined : JSON.stringify(body),
  });
  if (res.statusCode !== expect) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body.slice(0, 300)}`);
  return res.json();
}


/**
 * Users created through SCIM (record, account linked or created, membership,
 * group sync, ledger events) against users created through the admin API
 * (user, membership, ledger events), alternating rounds, same concurrency.
 */
async function creationRows(b: BenchApp, options: { users: number; rounds: number; concurrency: number }): Promise<BenchRow[]> {
  const dir = await connectDirectory(b, 'create');
  let n = 0;
  const scim = () => rate(options.users, options.concurrency, async () => {
    const i = n++;
    await scimRequest(b, dir.token, 'POST', `${dir.base}/Users`, { schemas: [CORE_USER, ENTERPRISE], userName: `scim${i}@create.test`, name: { givenName: 'Scim', familyName: `User${i}` }, emails: [{ primary: true, type: 'work', value: `scim${i}@create.test` }], active: true, [ENTERPRISE]: { employeeNumber: `S${i}`, department: 'Bench' } }, 201);
  });
  const admin = () => rate(options.users, options.concurrency, async () => {
    const i = n++;
    await b.api('POST', '/api/v1/users', { email: `admin${i}@create.test`, name: `Admin User${i}`, org: 'create' });
  });
  // Warm both paths before timing.
  await scim();
  await admin();
  const ours: number[] = [];
  const base: number[] = [];
  for (let r = 0; r < options.rounds; r++) {
    // Alternate which goes first, so neither gains from a warmer cache or an emptier WAL.
    if (r % 2 === 0) {
      ours.push(await scim());
      base.push(await admin());
    } else {
      base.push(await admin());
      ours.push(await scim());
    }
  }
  return [
    {
      name: `SCIM POST /Users (app.inject, SQLite, ${options.concurrency} concurrent, ${options.users} per round, median of ${options.rounds} alternating rounds)`,
      value: median(ours),
      unit: 'users/s',
      baseline: { name: 'admin API user creation (POST /api/v1/users with an org)', value: median(base) },
    },
  ];
}

/** Seeds `count` directory users (+ a work email each, a home email for every other one, groups with members) straight into the tables, 500 rows per insert. */
export async function seedDirectory(b: BenchApp, dir: { orgId: string; directoryId: string }, count: number, groups: number): Promise<string[]> {
  const db = b.rt.database.db;
  const time = new Date().toISOString();
  const ids: string[] = [];
  // UUIDv7, as the server assigns them: id order is creation order, as in a directory that grew over time.
  const newId = createIdGenerator(systemClock);
  const BATCH = 500;
  for (let start = 0; start < count; start += BATCH) {
    const users: Insertable<ScimUsersTable>[] = [];
    const values: Insertable<ScimUserValuesTable>[] = [];
    for (let i = start; i < Math.min(count, start + BATCH); i++) {
      const id = newId();
      ids.push(id);
      const given = GIVEN[i % GIVEN.length];
      const family = FAMILY[Math.floor(i / GIVEN.length) % FAMILY.length];
      users.push({
        id, directory_id: dir.directoryId, org_id: dir.orgId, user_id: null, user_name: `user-${i}@big.test`, external_id: `ext-${i}`,
        name_formatted: `${given} ${family}`, family_name: family, given_name: given, middle_name: null, honorific_prefix: null, honorific_suffix: null,
        display_name: `${given} ${family}`, nick_name: null, profile_url: null, title: i % 7 === 0 ? 'Manager' : 'Engineer', user_type: 'Employee',
        preferred_language: null, locale: null, timezone: null, active: i % 9 === 0 ? 0 : 1, employee_number: `E${i}`, cost_center: null,
        organization: 'Big', division: null, department: `Dept ${i % DEPARTMENTS}`, manager_value: null, manager_display_name: null, version: 1, created_at: time, updated_at: time,
      });
      const item = { scim_user_id: id, directory_id: dir.directoryId, attribute: 'emails', display: null, formatted: null, street_address: null, locality: null, region: null, postal_code: null, country: null };
      values.push({ ...item, ordinal: 0, value: `user-${i}@big.test`, type: 'work', primary: 1 });
      if (i % 2 === 0) values.push({ ...item, ordinal: 1, value: `${given.toLowerCase()}.${i}@home.test`, type: 'home', primary: 0 });
    }
    await db.transaction().execute(async (trx) => {
      await trx.insertInto('scim_users').values(users).execute();
      for (let v = 0; v < values.length; v += BATCH) await trx.insertInto('scim_user_values').values(values.slice(v, v + BATCH)).execute();
    });
  }
  await db.transaction().execute(async (trx) => {
    const members: Insertable<ScimGroupMembersTable>[] = [];
    for (let g = 0; g < groups; g++) {
      const id = newId();
      await trx.insertInto('scim_groups').values({ id, directory_id: dir.directoryId, org_id: dir.orgId, display_name: `Group ${g}`, external_id: null, version: 1, created_at: time, updated_at: time }).execute();
      for (let m = 0; m < 20; m++) members.push({ group_id: id, scim_user_id: ids[(g * 331 + m * 97) % ids.length], directory_id: dir.directoryId, display: null, created_at: time });
    }
    for (let v = 0; v < members.length; v += 500) await trx.insertInto('scim_group_members').values(members.slice(v, v + 500)).onConflict((oc) => oc.doNothing()).execute();
  });
  return ids;
}

/** The list requests timed: each filter, and the unfiltered page as the baseline. */
export function listQueries(count: number): Array<{ name: string; query: Record<string, string> }> {
  const probe = Math.floor(count * 0.54321);
  return [
    { name: 'no filter', query: {} },
    { name: `userName eq "user-${probe}@big.test"`, query: { filter: `userName eq "user-${probe}@big.test"` } },
    { name: 'userName sw "user-12"', query: { filter: 'userName sw "user-12"' } },
    { name: `emails[type eq "work" and value eq "user-${probe + 1}@big.test"]`, query: { filter: `emails[type eq "work" and value eq "user-${probe + 1}@big.test"]` } },
    { name: 'enterprise department eq "Dept 7" and active eq true, sortBy=userName', query: { filter: `${ENTERPRISE}:department eq "Dept 7" and active eq true`, sortBy: 'userName' } },
    { name: 'name.familyName co "son"', query: { filter: 'name.familyName co "son"' } },
  ];
}

/**
 * GET /Users pages of 100 on a directory of `users` records: every filter
 * against the unfiltered page, `perRound` requests of each per round, rounds
 * rotating which query goes first; the median milliseconds per page.
 */
async function listRows(b: BenchApp, label: string, options: { users: number; groups: number; rounds: number; perRound: number }): Promise<BenchRow[]> {
  const dir = await connectDirectory(b, `big-${label.toLowerCase()}`);
  const { seconds } = await timed(() => seedDirectory(b, dir, options.users, options.groups));
  console.error(`# ${label}: seeded ${options.users.toLocaleString('en-US')} directory users in ${seconds.toFixed(1)} s`);
  const queries = listQueries(options.users);
  const samples = queries.map(() => [] as number[]);
  const totals = queries.map(() => 0);
  const page = async (q: number) => {
    const qs = new URLSearchParams({ ...queries[q].query, count: '100' });
    const started = process.hrtime.bigint();
    const body = await scimRequest(b, dir.token, 'GET', `${dir.base}/Users?${qs}`);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    totals[q] = body.totalResults;
    return ms;
  };
  for (let q = 0; q < queries.length; q++) for (let w = 0; w < 2; w++) await page(q); // warm up
  for (let r = 0; r < options.rounds; r++) {
    for (let k = 0; k < queries.length; k++) {
      const q = (k + r) % queries.length;
      for (let i = 0; i < options.perRound; i++) samples[q].push(await page(q));
    }
  }
  const baseline = median(samples[0]);
  return queries.map((q, i) => ({
    name: `${label}, ${options.users.toLocaleString('en-US')} users: GET /Users?count=100 ${q.name} (${totals[i].toLocaleString('en-US')} match)`,
    value: median(samples[i]),
    unit: 'ms/page',
    ...(i === 0 ? {} : { baseline: { name: 'same request without a filter', value: baseline } }),
    target: '< 20 ms',
  }));
}

/** SCIM user creation throughput against the admin API, and filtered list pages on a directory of 100,000 users (SQLite, and PostgreSQL when given). */
export async function scimBench(options: { users: number; rounds: number; concurrency: number; listUsers: number; pgUrl: string | null }): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const sqlite = await startBenchApp();
  try {
    rows.push(...(await creationRows(sqlite, options)));
    rows.push(...(await listRows(sqlite, 'SQLite', { users: options.listUsers, groups: 300, rounds: 5, perRound: 4 })));
  } finally {
    await sqlite.close();
  }
  if (options.pgUrl) {
    const pg = await startBenchApp({ pgUrl: options.pgUrl });
    try {
      rows.push(...(await listRows(pg, 'PostgreSQL', { users: options.listUsers, groups: 300, rounds: 5, perRound: 4 })));
    } finally {
      await pg.close();
    }
  }
  return rows;
}
