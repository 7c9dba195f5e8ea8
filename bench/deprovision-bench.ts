import { signHrEvent } from '../src/lifecycle/hr-signature.ts';
import { signInToApplication, type UserTokens } from '../test/support/oidc-tokens.ts';
import type { BenchRow } from './harness.ts';
import { connectDirectory, percentile, startBenchApp, type BenchApp } from './bench-runtime.ts';

const CORE_USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const CALLBACK = 'https://wiki.acme.test/cb';
/** How long a credential may keep working after the request before the run fails. */
const POLL_LIMIT_MS = 5000;

interface Leaver {
  scimId: string;
  userId: string;
  employeeNumber: string;
  tokens: UserTokens;
}

interface Setup {
  b: BenchApp;
  dir: { orgId: string; token: string; base: string };
  client: { clientId: string; clientSecret: string; basic: string };
  hr: { id: string; secret: string };
}

const now = () => performance.now();

async function scim(s: Setup, method: 'POST' | 'PATCH', path: string, body: unknown): Promise<Response> {
  return fetch(`${s.b.baseUrl}${s.dir.base}${path}`, { method, headers: { authorization: `Bearer ${s.dir.token}`, 'content-type': 'application/scim+json', accept: 'application/scim+json' }, body: JSON.stringify(body) });
}

/** The three things a leaver holds, each asked over HTTP: true when refused. */
const checks = {
  /** The Keyledger session cookie on the account page: a live session gets the page, a dead one a redirect to sign in. */
  async session(s: Setup, l: Leaver): Promise<boolean> {
    const res = await fetch(`${s.b.baseUrl}/account`, { headers: { cookie: l.tokens.cookie }, redirect: 'manual' });
    await res.arrayBuffer();
    if (res.status === 200) return false;
    if (res.status === 303 && String(res.headers.get('location')).startsWith('/login')) return true;
    throw new Error(`/account answered ${res.status}`);
  },
  /** The refresh token at the token endpoint: refused is invalid_grant. A success rotates it, so the new one is kept for the next poll. */
  async refresh(s: Setup, l: Leaver): Promise<boolean> {
    const res = await fetch(`${s.b.baseUrl}/oidc/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${s.client.basic}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: l.tokens.refreshToken }),
    });
    const body = (await res.json()) as { error?: string; refresh_token?: string; access_token?: string };
    if (res.status === 200) {
      l.tokens.refreshToken = body.refresh_token ?? l.tokens.refreshToken;
      return false;
    }
    if (res.status === 400 && body.error === 'invalid_grant') return true;
    throw new Error(`the token endpoint answered ${res.status} ${JSON.stringify(body)}`);
  },
  /** The access token at RFC 7662 introspection, asked by the application it was issued to: refused is active=false. */
  async access(s: Setup, l: Leaver): Promise<boolean> {
    const res = await fetch(`${s.b.baseUrl}/oidc/token/introspection`, {
      method: 'POST',
      headers: { authorization: `Basic ${s.client.basic}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: l.tokens.accessToken }),
    });
    const body = (await res.json()) as { active?: boolean };
    if (res.status !== 200) throw new Error(`introspection answered ${res.status} ${JSON.stringify(body)}`);
    return body.active === false;
  },
};
type Check = keyof typeof checks;
const CHECKS = Object.keys(checks) as Check[];

async function setUp(users: number): Promise<{ s: Setup; leavers: Leaver[] }> {
  const b = await startBenchApp({ listen: true });
  const dir = await connectDirectory(b, 'acme');
  const app = await b.api('POST', '/api/v1/organizations/acme/applications', { name: 'Wiki', type: 'web', redirectUris: [CALLBACK], grantTypes: ['authorization_code', 'refresh_token'] });
  const client = { clientId: app.application.clientId as string, clientSecret: app.clientSecret as string };
  const hrSource = await b.api('POST', '/api/v1/organizations/acme/hr-sources', { name: 'Workday' });
  const s: Setup = { b, dir, client: { ...client, basic: Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64') }, hr: { id: hrSource.source.id, secret: hrSource.secret } };
  const leavers: Leaver[] = [];
  for (let i = 0; i < users; i++) {
    const employeeNumber = `E${1000 + i}`;
    const res = await scim(s, 'POST', '/Users', { schemas: [CORE_USER, ENTERPRISE], userName: `leaver${i}@acme.test`, name: { givenName: 'Leaver', familyName: `No${i}` }, emails: [{ primary: true, type: 'work', value: `leaver${i}@acme.test` }], active: true, [ENTERPRISE]: { employeeNumber } });
    if (res.status !== 201) throw new Error(`SCIM create: ${res.status} ${await res.text()}`);
    const scimId = ((await res.json()) as { id: string }).id;
    const row = await b.rt.database.db.selectFrom('scim_users').select('user_id').where('id', '=', scimId).executeTakeFirstOrThrow();
    if (!row.user_id) throw new Error(`directory user ${scimId} has no account`);
    const tokens = await signInToApplication(b.rt, b.app, { userId: row.user_id, orgId: dir.orgId, redirectUri: CALLBACK, ...client });
    const leaver = { scimId, userId: row.user_id, employeeNumber, tokens };
    // Every credential works before the run: a refusal measured later is the deprovisioning's doing.
    for (const c of CHECKS) if (await checks[c](s, leaver)) throw new Error(`the ${c} check refused user ${i} before deprovisioning`);
    leavers.push(leaver);
  }
  return { s, leavers };
}

/** Sends `request`, then asks all three checks until each has refused once; milliseconds from sending to the last refusal. */
async function measureRemoval(s: Setup, l: Leaver, request: () => Promise<Response>, expect: (res: Response, body: string) => boolean): Promise<{ ms: number; firstCheck: boolean }> {
  const sent = now();
  const res = await request();
  const body = await res.text();
  if (!expect(res, body)) throw new Error(`the removal request answered ${res.status} ${body.slice(0, 300)}`);
  const refusedAt: Partial<Record<Check, number>> = {};
  let rounds = 0;
  while (CHECKS.some((c) => refusedAt[c] === undefined)) {
    if (now() - sent > POLL_LIMIT_MS) throw new Error(`user ${l.userId}: ${CHECKS.filter((c) => refusedAt[c] === undefined).join(', ')} still accepted ${POLL_LIMIT_MS} ms after the request`);
    if (rounds++ > 0) await new Promise((r) => setTimeout(r, 5));
    await Promise.all(
      CHECKS.filter((c) => refusedAt[c] === undefined).map(async (c) => {
        if (await checks[c](s, l)) refusedAt[c] = now();
      }),
    );
  }
  return { ms: Math.max(...CHECKS.map((c) => refusedAt[c]!)) - sent, firstCheck: rounds === 1 };
}

function deactivateViaScim(s: Setup, l: Leaver) {
  return measureRemoval(s, l, () => scim(s, 'PATCH', `/Users/${l.scimId}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { active: false } }] }), (res) => res.status === 200 || res.status === 204);
}

function terminateViaHr(s: Setup, l: Leaver, eventId: string) {
  const raw = JSON.stringify({ id: eventId, type: 'employee.terminated', employeeId: l.employeeNumber, effectiveAt: new Date().toISOString() });
  return measureRemoval(
    s,
    l,
    () => {
      const t = Math.floor(Date.now() / 1000);
      return fetch(`${s.b.baseUrl}/api/v1/lifecycle/hr-events`, { method: 'POST', headers: { 'content-type': 'application/json', 'keyledger-source': s.hr.id, 'keyledger-signature': `t=${t},v1=${signHrEvent(s.hr.secret, t, raw)}` }, body: raw });
    },
    (res, body) => res.status === 202 && (JSON.parse(body) as { status: string }).status === 'deprovisioned',
  );
}

/**
 * End-to-end deprovisioning latency on a server listening on 127.0.0.1, over
 * real HTTP: `users` directory users, each signed in (session cookie) to an
 * application (refresh and access tokens); half deactivated by SCIM PATCH,
 * half terminated by a signed HR event, alternately. Latency runs from
 * sending the request to the moment the cookie, the refresh token and the
 * access token have all been refused. The baseline is a plain SCIM PATCH of
 * `title` on the same users in the same run (response time).
 */
export async function deprovisionBench(options: { users: number }): Promise<BenchRow[]> {
  const { s, leavers } = await setUp(options.users);
  try {
    const plain: number[] = [];
    for (const [i, l] of leavers.entries()) {
      const sent = now();
      const res = await scim(s, 'PATCH', `/Users/${l.scimId}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'title', value: `Engineer ${i}` }] });
      await res.arrayBuffer();
      if (res.status !== 200 && res.status !== 204) throw new Error(`plain PATCH answered ${res.status}`);
      plain.push(now() - sent);
    }
    const viaScim: number[] = [];
    const viaHr: number[] = [];
    let polled = 0;
    for (const [i, l] of leavers.entries()) {
      const r = i % 2 === 0 ? await deactivateViaScim(s, l) : await terminateViaHr(s, l, `evt-${i}`);
      (i % 2 === 0 ? viaScim : viaHr).push(r.ms);
      if (!r.firstCheck) polled++;
    }
    const rows: BenchRow[] = [];
    const unit = 'ms';
    for (const [label, samples] of [[`SCIM PATCH active=false (${viaScim.length} users)`, viaScim], [`signed HR termination webhook (${viaHr.length} users)`, viaHr]] as const) {
      for (const p of [50, 99, 100]) {
        rows.push({
          name: `${label}: request sent → cookie, refresh token and access token all refused, ${p === 100 ? 'max' : `p${p}`}`,
          value: percentile(samples, p),
          unit,
          baseline: { name: `plain SCIM PATCH of title, response time ${p === 100 ? 'max' : `p${p}`}`, value: percentile(plain, p) },
          target: p === 99 ? '< 1000 ms' : '',
        });
      }
    }
    rows.push({ name: `removals where a credential still worked at the first check after the response (polled every 5 ms)`, value: polled, unit: `removals of ${leavers.length}` });
    return rows;
  } finally {
    await s.b.close();
  }
}
