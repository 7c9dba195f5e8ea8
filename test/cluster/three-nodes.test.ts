/**
 * Three real `keyledger start` nodes on one PostgreSQL database and one Redis,
 * traffic spread over them as a round-robin load balancer would: the account
 * lockout is counted across nodes, a session revoked on one node is refused on
 * another, SIGKILL of nodes under load leaves a verifiable, gap-free ledger with
 * every acknowledged command in it exactly once, and an expiring JIT activation
 * is ended once although every node runs a scheduler.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { loadConfig } from '../../src/platform/config.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { createRuntime } from '../../src/runtime.ts';
import { sessionCookieName } from '../../src/sessions/session-cookie.ts';
import { parseJson } from '../support/cli.ts';
import { startCluster, type Cluster, type ClusterNode } from '../support/cluster.ts';
import { adminCall, adminOk, passwordSignIn, sessionGet, sessionPost, waitFor } from '../support/cluster-http.ts';
import { openUserSession } from '../support/user-session.ts';

const PASSWORD = 'quartz-lantern-orbit-meadow-42';
const WRONG = 'not-the-password-at-all-71';
const THRESHOLD = 6;

describe('a three-node cluster (PostgreSQL + Redis)', () => {
  let cluster: Cluster;
  let org: { id: string; slug: string };
  let sessionCookie: string;
  let rr = 0;
  /** The next node, round-robin, as the load balancer picks it. */
  const next = (): ClusterNode => cluster.nodes[rr++ % cluster.nodes.length];
  const node = (i: number) => cluster.nodes[i];
  const admin = <T = any>(n: ClusterNode, method: string, path: string, body: unknown, expected: number) => adminOk<T>(n, cluster.adminKey, method, path, body, expected);

  async function createUser(email: string, password?: string): Promise<string> {
    const r = await cluster.cli(['user', 'create', '--org', org.slug, '--email', email, '--name', email.split('@')[0], ...(password ? ['--password', password] : []), '--json']);
    return String(parseJson<{ id: string }>(r).id);
  }

  /** Parsed ledger events whose context carries one of the given request-id prefixes. */
  async function eventsByRequestPrefix(prefix: string): Promise<Array<{ seq: number; action: string; requestId: string; targets: Array<{ type: string; id: string }> }>> {
    const rows = await cluster.raw.query<{ seq: string; body: string }>(`select seq, body from audit_events where body like ? order by seq`, [`%"requestId":"${prefix}%`]);
    return rows.map((r) => {
      const e = JSON.parse(r.body);
      return { seq: Number(r.seq), action: e.action, requestId: e.context.requestId, targets: e.targets };
    });
  }

  // The activation started here expires while the other tests run; the last test checks how it was ended.
  let activation: { id: string; expiresAt: string };

  beforeAll(async () => {
    cluster = await startCluster({ nodes: 3, env: { KEYLEDGER_LOCKOUT_THRESHOLD: String(THRESHOLD), KEYLEDGER_RATE_LIMIT_BACKOFF_AFTER: '1000' } });
    sessionCookie = sessionCookieName(cluster.publicUrl);
    org = parseJson(await cluster.cli(['org', 'create', '--slug', 'acme', '--name', 'Acme', '--json']));

    // A just-in-time activation of one minute (the shortest), started through node B by a user with a fresh passkey session.
    const jitUser = await createUser('oncall@acme.test');
    await admin(next(), 'POST', `/api/v1/organizations/${org.slug}/roles`, { key: 'db-admin', name: 'Database admin', description: 'Administers the production database', permissions: ['db:admin'] }, 201);
    const eligibility = await admin<{ id: string }>(next(), 'POST', `/api/v1/organizations/${org.slug}/role-eligibilities`, { role: 'db-admin', principalId: jitUser }, 201);
    // The passkey session is opened by a runtime of this process on the cluster's database (no browser here).
    const config = loadConfig({ DATABASE_URL: cluster.databaseUrl, KEYLEDGER_MASTER_KEY: cluster.masterKey, KEYLEDGER_PUBLIC_URL: cluster.publicUrl, KEYLEDGER_DATA_DIR: cluster.env.KEYLEDGER_DATA_DIR });
    const rt = await createRuntime(config, { logger: createLogger('silent') });
    let cookie: string;
    try {
      cookie = (await openUserSession(rt, jitUser, { amr: ['hwk', 'user'] })).cookie;
    } finally {
      await rt.close();
    }
    const activated = await sessionPost(node(1), '/api/v1/me/elevations', cookie, { eligibilityId: eligibility.id, justification: 'Incident 4711: restore the replica', durationMinutes: 1 });
    expect(activated.status, JSON.stringify(activated.body)).toBe(201);
    activation = { id: activated.body.id, expiresAt: activated.body.expiresAt };
  }, 300_000);

  afterAll(async () => {
    await cluster?.stop();
  }, 120_000);

  it('counts failed sign-ins across nodes: the account locks although no node alone saw the threshold, then the right password is refused on every node', async () => {
    const email = 'lock@acme.test';
    const userId = await createUser(email, PASSWORD);
    const lockout = async () => (await admin<{ locked: boolean; failuresInWindow: number }>(next(), 'GET', `/api/v1/users/${userId}/lockout`, undefined, 200));
    // THRESHOLD - 1 failures spread over A, B, C: each node saw at most two.
    for (let i = 0; i < THRESHOLD - 1; i++) {
      const r = await passwordSignIn(next(), node(i % 3), email, WRONG, sessionCookie);
      expect(r.status).toBe(401);
    }
    const before = await lockout();
    expect(before).toMatchObject({ locked: false, failuresInWindow: THRESHOLD - 1 });

    // The last failure lands on yet another node and completes the count.
    expect((await passwordSignIn(next(), node((THRESHOLD - 1) % 3), email, WRONG, sessionCookie)).status).toBe(401);
    expect(await lockout()).toMatchObject({ locked: true });
    for (const n of cluster.nodes) {
      const r = await passwordSignIn(n, n, email, PASSWORD, sessionCookie);
      expect(r.signedIn, `node ${n.index} let the locked account in`).toBe(false);
      expect(r.status).toBe(401);
    }
    const locks = await cluster.raw.query<{ body: string }>(`select body from audit_events where action = 'authn.account.locked'`);
    const ours = locks.map((r) => JSON.parse(r.body)).filter((e) => e.data.userId === userId);
    expect(ours).toHaveLength(1);
    expect(ours[0].data.failures).toBe(THRESHOLD);
  }, 180_000);

  it('refuses on node C a session revoked on node A, at its next request', async () => {
    const email = 'revoke@acme.test';
    const userId = await createUser(email, PASSWORD);
    const signIn = await passwordSignIn(node(1), node(0), email, PASSWORD, sessionCookie);
    expect(signIn.signedIn, `sign-in answered ${signIn.status}`).toBe(true);
    for (const n of cluster.nodes) expect((await sessionGet(n, '/api/v1/me/eligibilities', signIn.cookie)).status).toBe(200);

    const { items } = await admin<{ items: Array<{ id: string }> }>(node(1), 'GET', `/api/v1/users/${userId}/sessions`, undefined, 200);
    expect(items).toHaveLength(1);
    await admin(node(0), 'POST', `/api/v1/sessions/${items[0].id}/revoke`, { reason: 'lost laptop' }, 200);
    const afterRevoke = await sessionGet(node(2), '/api/v1/me/eligibilities', signIn.cookie);
    expect(afterRevoke.status).toBe(401);
    for (const n of cluster.nodes) expect((await sessionGet(n, '/api/v1/me/eligibilities', signIn.cookie)).status).toBe(401);
  }, 120_000);

  it('keeps every acknowledged command in a verifiable, gap-free ledger exactly once while nodes are killed under load', async () => {
    const [before] = await cluster.raw.query<{ n: string; size: string | null }>('select count(*) as n, max(size) as size from ledger_checkpoints');
    const checkpointsBefore = Number(before.n);
    const acknowledged: Array<{ requestId: string; action: string }> = [];
    let failed = 0;
    let sent = 0;
    /** The first few answers other than success, for the message of a failed wait. */
    const refusals: string[] = [];
    // The load goes on until the chaos is over (a node restarting under load takes 10-30 s here, longer beside the browser suites), bounded in count and time.
    const MAX_OPS = 5000;
    const deadline = Date.now() + 150_000;
    let stopped = false;

    /** One user created and then updated, each request to the next node; a dead node's refusal counts as a failure. */
    async function operation(i: number): Promise<void> {
      const createId = `load-${i}-create`;
      const created = await adminCall(next(), cluster.adminKey, 'POST', '/api/v1/users', { email: `load${i}@acme.test`, org: org.slug, name: `Load ${i}` }, createId).catch(() => null);
      sent++;
      if (!created || created.status !== 201) {
        failed++;
        if (refusals.length < 5) refusals.push(created ? `${created.status} ${JSON.stringify(created.body).slice(0, 300)}` : 'no answer');
        return;
      }
      acknowledged.push({ requestId: createId, action: 'identity.user.created' });
      const updateId = `load-${i}-update`;
      const updated = await adminCall(next(), cluster.adminKey, 'PATCH', `/api/v1/users/${created.body.id}`, { title: `Engineer ${i}` }, updateId).catch(() => null);
      sent++;
      if (updated?.status === 200) acknowledged.push({ requestId: updateId, action: 'identity.user.updated' });
      else failed++;
    }

    let issued = 0;
    const workers = Array.from({ length: 4 }, async () => {
      while (!stopped && issued < MAX_OPS && Date.now() < deadline) await operation(issued++);
    });

    // The chaos: kill the scheduler's holder once the load runs, start it again, then do the same to another node.
    const killed: number[] = [];
    const chaos = (async () => {
      for (let round = 0; round < 2; round++) {
        const goal = acknowledged.length + 20;
        await waitFor('commands acknowledged before a kill', 60_000, async () => (acknowledged.length >= goal ? true : undefined));
        const holder = round === 0 ? await cluster.schedulerHolder() : null;
        const victim = holder?.index ?? cluster.nodes.find((n) => !killed.includes(n.index))!.index;
        killed.push(victim);
        await cluster.kill(victim);
        const resumeAt = acknowledged.length + 10;
        await waitFor('commands acknowledged by the surviving nodes', 60_000, async () => (acknowledged.length >= resumeAt ? true : undefined));
        await cluster.restart(victim);
      }
      // The restarted node serves its share again before the load stops.
      const settled = acknowledged.length + 12;
      await waitFor('commands acknowledged after the restarts', 60_000, async () => (acknowledged.length >= settled ? true : undefined));
    })();
    try {
      await chaos.catch((err: Error) => {
        throw new Error(`${err.message}; ${sent} requests sent, ${acknowledged.length} acknowledged, first refusals: ${refusals.join(' | ')}`);
      });
    } finally {
      stopped = true;
      await Promise.all(workers);
    }
    expect(killed).toHaveLength(2);
    expect(new Set(killed).size).toBe(2);
    expect(acknowledged.length).toBeGreaterThan(40);

    // Every node integrates what it can; wait until a checkpoint covers every event appended so far.
    const appended = Number((await cluster.raw.query<{ n: string }>('select count(*) as n from audit_events'))[0].n);
    await waitFor('a checkpoint covering the load', 60_000, async () => {
      const [row] = await cluster.raw.query<{ size: string }>('select max(size) as size from ledger_checkpoints');
      return Number(row.size) >= appended ? true : undefined;
    });

    const verify = await cluster.cli(['audit', 'verify', '--json'], 120_000);
    const report = parseJson<{ ok: boolean; events: number; problem?: { message: string } }>(verify);
    expect(report.ok, report.problem?.message).toBe(true);
    expect(verify.code).toBe(0);

    // Sequence numbers are gap-free from the first event on.
    const [span] = await cluster.raw.query<{ n: string; lo: string; hi: string }>('select count(*) as n, min(seq) as lo, max(seq) as hi from audit_events');
    expect(Number(span.hi) - Number(span.lo) + 1).toBe(Number(span.n));
    expect(Number(span.lo)).toBeLessThanOrEqual(1);

    // Each acknowledged command's event is there exactly once; nothing that was sent appears twice.
    const events = await eventsByRequestPrefix('load-');
    const counts = new Map<string, number>();
    for (const e of events) counts.set(`${e.requestId} ${e.action}`, (counts.get(`${e.requestId} ${e.action}`) ?? 0) + 1);
    for (const a of acknowledged) expect(counts.get(`${a.requestId} ${a.action}`), `${a.requestId} ${a.action}`).toBe(1);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);

    // Checkpoints advanced during and after the load, each one larger than the one before.
    const sizes = (await cluster.raw.query<{ size: string }>('select size from ledger_checkpoints order by created_at, size')).map((r) => Number(r.size));
    expect(sizes.length).toBeGreaterThan(checkpointsBefore);
    expect(sizes.at(-1)!).toBeGreaterThan(Number(before.size ?? 0));
    for (let i = 1; i < sizes.length; i++) expect(sizes[i]).toBeGreaterThanOrEqual(sizes[i - 1]);
    console.log(`cluster load: ${sent} requests, ${acknowledged.length} acknowledged, ${failed} failed; killed nodes ${killed.join(', ')}; ${sizes.length} checkpoints`);
  }, 400_000);

  it('ends an expired JIT activation once although three schedulers run', async () => {
    const endedEvents = async () => {
      const rows = await cluster.raw.query<{ body: string }>(
        `select e.body from audit_events e join audit_event_targets t on t.seq = e.seq where e.action = 'access.elevation.ended' and t.target_type = 'role_assignment' and t.target_id = ?`,
        [activation.id],
      );
      return rows.map((r) => JSON.parse(r.body));
    };
    // Up to a minute to expire, up to 30 s between runs of the expiry job, plus a lease takeover if its node was killed.
    const [ended] = await waitFor('the activation to be ended', 180_000, async () => {
      const rows = await endedEvents();
      return rows.length > 0 ? rows : undefined;
    }, 1000);
    expect(ended.data).toMatchObject({ assignmentId: activation.id, reason: 'expired', expiredAt: activation.expiresAt });
    // Another run of the expiry job after the end (on whichever node) finds nothing left to end.
    const endSeen = new Date().toISOString();
    await waitFor('the expiry job to run again', 120_000, async () => {
      const [job] = await cluster.raw.query<{ last_finished_at: string | null }>(`select last_finished_at from scheduler_jobs where name = 'access.expire_assignments'`);
      return job.last_finished_at && job.last_finished_at > endSeen ? true : undefined;
    }, 1000);
    expect(await endedEvents()).toHaveLength(1);
    const [row] = await cluster.raw.query<{ ended_at: string; end_reason: string }>('select ended_at, end_reason from role_assignments where id = ?', [activation.id]);
    expect(row).toMatchObject({ ended_at: activation.expiresAt, end_reason: 'expired' });
  }, 320_000);
});
