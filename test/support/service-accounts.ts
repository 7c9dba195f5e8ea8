import { generateKeyPairSync } from 'node:crypto';
import { sql } from 'kysely';
import type { Runtime } from '../../src/runtime.ts';
import { ok, type HttpSuite } from './http.ts';

/** A fresh public key as a JWK (public members only). */
export function publicJwk(kind: 'rsa' | 'ec' | 'ed25519' = 'ec'): Record<string, string> {
  const pair = kind === 'rsa' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : kind === 'ec' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : generateKeyPairSync('ed25519');
  return pair.publicKey.export({ format: 'jwk' }) as Record<string, string>;
}

export const saUrl = (org: string, id: string, rest = '') => `/api/v1/organizations/${org}/service-accounts/${id}${rest}`;

/** Creates a credential through the API; returns `{ credential, secret? }`. */
export const createCredential = (s: HttpSuite, org: string, id: string, body: Record<string, unknown> = { kind: 'secret' }) => ok(s, 201, 'POST', saUrl(org, id, '/credentials'), body);

/** Every row of every table in the database, as one JSON text (to search for what must never be stored). */
export async function dumpAllTables(rt: Runtime): Promise<string> {
  const names =
    rt.database.dialect === 'sqlite'
      ? (await sql<{ name: string }>`select name from sqlite_master where type = 'table'`.execute(rt.database.db)).rows.map((r) => r.name)
      : (await sql<{ name: string }>`select tablename as name from pg_tables where schemaname = 'public'`.execute(rt.database.db)).rows.map((r) => r.name);
  const out: Record<string, unknown[]> = {};
  for (const name of names) out[name] = (await sql`select * from ${sql.table(name)}`.execute(rt.database.db)).rows;
  return JSON.stringify(out, (_k, v) => (v && typeof v === 'object' && v.type === 'Buffer' ? Buffer.from(v.data).toString('latin1') : v));
}
