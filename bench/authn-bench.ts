import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { verify as argon2Verify } from '@node-rs/argon2';
import { loadConfig } from '../src/platform/config.ts';
import { createLogger } from '../src/platform/logger.ts';
import { openDatabase } from '../src/platform/database.ts';
import { hashToken } from '../src/platform/ids.ts';
import { createRuntime, type Runtime } from '../src/runtime.ts';
import { systemContext } from '../src/audit/event.ts';
import { OWASP_ARGON2ID } from '../src/authn/password/password-hasher.ts';
import { resolveSessionPolicy } from '../src/sessions/session-policy.ts';
import { rate, timed, type BenchRow } from './harness.ts';

const admin = systemContext('bench', 'authentication benchmark');
const web = { ...admin, request: { requestId: 'bench', ip: '127.0.0.1', userAgent: 'keyledger-bench/1' } };
const PASSWORD = 'quartz-lantern-orbit-meadow-42';


async function seed(rt: Runtime, users: number): Promise<string[]> {
  await rt.identity.createOrganization(admin, { slug: 'bench', name: 'Bench' });
  const ids: string[] = [];
  for (let i = 0; i < users; i++) {
    const id = (await rt.identity.createUser(admin, { email: `user${i}@bench.test`, name: `User ${i}` }, { orgRef: 'bench' })).id;
    await rt.authn.setPassword(admin, id, PASSWORD);
    ids.push(id);
  }
  return ids;
}

/**
 * Password sign-in (the whole command: lookup, argon2id, membership, session,
 * three ledger events) against raw argon2id verification at the same
 * parameters and concurrency; and session checks against the bare indexed
 * lookup of the same token hash.
 */
export async function authnBench(options: { logins: number; concurrency: number; sessionChecks: number }): Promise<BenchRow[]> {
  const dataDir = mkdtempSync(join(tmpdir(), 'keyledger-bench-authn-'));
  const config = loadConfig({ KEYLEDGER_DATA_DIR: dataDir, KEYLEDGER_MASTER_KEY: randomBytes(32).toString('base64') });
  const database = openDatabase({ databaseUrl: null, sqliteFile: join(dataDir, 'bench.db') });
  const rt = await createRuntime(config, { database, logger: createLogger('silent') });
  try {
    const users = await seed(rt, 20);
    const { hash } = (await rt.database.db.selectFrom('password_credentials').select('hash').where('user_id', '=', users[0]).executeTakeFirstOrThrow()) as { hash: string };
    const params = `m=${OWASP_ARGON2ID.memoryCost} KiB, t=${OWASP_ARGON2ID.timeCost}, p=${OWASP_ARGON2ID.parallelism}`;
    // Warm both paths (thread pool, prepared statements) before measuring.
    await rate(8, options.concurrency, () => argon2Verify(hash, PASSWORD));
    await rate(8, options.concurrency, (i) => rt.authn.beginPasswordLogin(web, { email: `user${i % users.length}@bench.test`, password: PASSWORD, orgRef: 'bench' }));
    const raw = await rate(options.logins, options.concurrency, () => argon2Verify(hash, PASSWORD));
    const tokens: string[] = [];
    const logins = await rate(options.logins, options.concurrency, async (i) => {
      const r = await rt.authn.beginPasswordLogin(web, { email: `user${i % users.length}@bench.test`, password: PASSWORD, orgRef: 'bench' });
      if (r.mfaRequired) throw new Error('bench users have no second factor');
      tokens.push(r.sessionToken);
    });
    const rows: BenchRow[] = [
      { name: `SQLite password sign-in (argon2id ${params}, session + 3 ledger events), ${options.concurrency} concurrent`, value: logins, unit: 'sign-ins/s', baseline: { name: 'raw @node-rs/argon2 verify, same parameters and concurrency', value: raw }, target: 'ratio ≥ 0.9' },
    ];
    // Session checks: what every page and API call by a browser pays.
    const policy = resolveSessionPolicy(null);
    while (tokens.length < 1000) {
      const { token } = await rt.sessions.create(admin, { userId: users[tokens.length % users.length], orgId: null, amr: ['pwd'], acr: 'urn:keyledger:acr:pwd', ip: null, userAgent: null, policy });
      tokens.push(token);
    }
    const checks = await rate(options.sessionChecks, 1, async (i) => {
      if (!(await rt.sessions.validate(tokens[i % tokens.length]))) throw new Error('session refused');
    });
    const lookup = rt.database.sqlite!.prepare('select * from sessions where token_hash = ?');
    const bare = await rate(options.sessionChecks, 1, async (i) => {
      if (!lookup.get(hashToken(tokens[i % tokens.length]))) throw new Error('no row');
    });
    rows.push({ name: 'SQLite session check (validate: hash, lookup, state, sliding idle expiry)', value: checks, unit: 'checks/s', baseline: { name: 'SHA-256 + bare prepared SELECT by token hash', value: bare } });
    return rows;
  } finally {
    await rt.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
