import { systemContext, type CommandContext } from '../src/audit/event.ts';
import { openSignInSession } from '../src/authn/sign-in.ts';
import { createEvidenceContext, readOrganizationEvents } from '../src/evidence/collect.ts';
import type { EvidenceContext } from '../src/evidence/model.ts';
import { ACTION_CATALOGUE } from '../src/audit/actions.ts';
import { verifyEvidencePackage } from '../src/evidence/package/verify-package.ts';
import type { Runtime } from '../src/runtime.ts';
import { startBenchApp } from './bench-runtime.ts';
import { timed, type BenchRow } from './harness.ts';

const ctx: CommandContext = { ...systemContext('bench', 'evidence benchmark'), request: { requestId: 'bench', ip: '198.51.100.7', userAgent: 'keyledger-bench/1' } };
const ACR = 'urn:keyledger:acr:mfa';

/** Members created in commands of 500, each a real `createUserInScope` (user, membership and their events). */
async function createMembers(rt: Runtime, orgId: string, count: number): Promise<Array<{ id: string; email: string }>> {
  const org = await rt.identity.requireOrg(orgId);
  const users: Array<{ id: string; email: string }> = [];
  for (let done = 0; done < count; done += 500) {
    const { result } = await rt.runner.run(ctx, async (scope) => {
      const made: Array<{ id: string; email: string }> = [];
      for (let i = done; i < Math.min(count, done + 500); i++) made.push(await rt.identity.createUserInScope(scope, { email: `user${i}@acme.test`, name: `User ${i}` }, { org, emailVerified: true }));
      return made;
    });
    users.push(...result);
  }
  return users;
}

/**
 * Sign-ins in the shape the sign-in path records them: one real sign-in gives
 * the template (its session and MFA evidence), the rest are recorded with the
 * same data for each member, 2,000 per command.
 */
async function recordSignIns(rt: Runtime, orgId: string, users: Array<{ id: string; email: string }>, total: number): Promise<void> {
  const { result: first } = await rt.runner.run(ctx, (scope) => openSignInSession(rt.sessions, scope, ctx, { user: users[0], org: { id: orgId, settings: '{}' }, amr: ['pwd', 'otp'], acr: ACR }));
  const template = (await rt.ledger.listEvents({ actionPrefix: 'authn.login.succeeded' }, { limit: 1 })).events[0];
  for (let done = 1; done < total; done += 2_000) {
    await rt.runner.run(ctx, async ({ record }) => {
      for (let i = done; i < Math.min(total, done + 2_000); i++) {
        const user = users[i % users.length];
        record({
          action: 'authn.login.succeeded',
          org: orgId,
          targets: [{ type: 'user', id: user.id, display: user.email }, { type: 'session', id: first.session.id }],
          data: { ...template.data, userId: user.id },
        });
      }
    });
    if (done % 100_000 < 2_000) await rt.sequencer.integrateAll();
  }
  await rt.sequencer.integrateAll();
}

/** Reads the events an export reads (every action), parses them and does nothing else: the floor under any export. */
async function readFloor(rt: Runtime, ctx: EvidenceContext): Promise<number> {
  let n = 0;
  for await (const rows of readOrganizationEvents(rt, ctx, Object.keys(ACTION_CATALOGUE))) for (const r of rows) if (JSON.parse(r.body).seq >= 0) n++;
  return n;
}

/**
 * Export time and package size for an organization of `users` members over
 * `events` ledger events (sign-ins, plus leavers deprovisioned through the
 * real service), against reading and parsing the same events.
 */
export async function evidenceBench(options: { users: number; events: number }): Promise<BenchRow[]> {
  const b = await startBenchApp();
  try {
    const rt = b.rt;
    const orgId = (await b.api('POST', '/api/v1/organizations', { slug: 'acme', name: 'Acme' })).id as string;
    const { seconds: setupSeconds } = await timed(async () => {
      const users = await createMembers(rt, orgId, options.users);
      for (const u of users.slice(0, 100)) await rt.lifecycle.deprovision(ctx, 'acme', u.id, { reason: 'left', terminatedAt: rt.clock.now().toISOString() });
      const have = Number((await rt.database.db.selectFrom('audit_events').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
      await recordSignIns(rt, orgId, users, Math.max(1, options.events - have));
    });
    process.stderr.write(`evidence bench: ledger of ${options.events} events for ${options.users} users built in ${setupSeconds.toFixed(0)} s\n`);
    const from = '2020-01-01T00:00:00.000Z';
    const to = new Date(rt.clock.now().getTime() + 1).toISOString();
    await new Promise((r) => setTimeout(r, 5));
    const evidenceCtx = await createEvidenceContext(rt, { org: 'acme', from, to });
    const cp = evidenceCtx.checkpoint;
    const floor = await timed(() => readFloor(rt, evidenceCtx));
    const ledgerBytes = Number((await rt.database.db.selectFrom('audit_events').select((eb) => eb.fn.sum<number>(eb.fn('length', ['body'])).as('n')).where('seq', '<', cp.size).executeTakeFirstOrThrow()).n);
    const heapBefore = process.memoryUsage().rss;
    const phases: Array<[string, number]> = [];
    const run = await timed(() =>
      rt.evidenceExports.runNow(ctx, { org: 'acme', from, to, seed: 'bench', samples: { 'CC6.5/leavers': 10, 'CC6.6/mfa-accounts': 10 } }, (phase) => {
        if (phases.at(-1)?.[0] !== phase) phases.push([phase, performance.now()]);
      }),
    );
    process.stderr.write(`evidence bench: phases ${phases.map(([p, t], i) => `${p} ${(((phases[i + 1]?.[1] ?? t) - t) / 1000).toFixed(1)} s`).join(', ')}\n`);
    const rss = process.memoryUsage().rss;
    const zip = await rt.evidenceExports.packageOf(run.result.id);
    const verify = await timed(() => verifyEvidencePackage(zip, { verifierKey: rt.signer.verifierKey }));
    if (!verify.result.ok) throw new Error(`the benchmark package does not verify: ${JSON.stringify(verify.result.problems.slice(0, 3))}`);
    return [
      { name: `evidence export, ${options.users.toLocaleString('en-US')} users, ${cp.size.toLocaleString('en-US')} ledger events (SQLite)`, value: run.seconds, unit: 's', baseline: { name: 'reading and parsing the same events, nothing computed', value: floor.seconds }, target: '< 60 s' },
      { name: 'evidence package size (zip)', value: zip.byteLength / 1e6, unit: 'MB', baseline: { name: 'the ledger events it was computed from (canonical JSON)', value: ledgerBytes / 1e6 } },
      { name: 'evidence verify (offline, every ledger row recomputed)', value: verify.seconds, unit: 's', baseline: { name: 'export of the same package', value: run.seconds } },
      { name: 'evidence export resident memory after the run', value: rss / 1e6, unit: 'MB', baseline: { name: 'before the run', value: heapBefore / 1e6 } },
    ];
  } finally {
    await b.close();
  }
}
