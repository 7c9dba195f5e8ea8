import { it, expect } from 'vitest';
import { createTestRuntime } from '../support/runtime.ts';
import { systemContext } from '../../src/audit/event.ts';
import { verifyEvidencePackage } from '../../src/evidence/package/verify-package.ts';
import { ManualClock } from '../../src/platform/clock.ts';

it('smoke', async () => {
  const clock = new ManualClock(new Date('2026-07-01T00:00:00Z'));
  const t = await createTestRuntime('sqlite', { clock });
  const rt = t.rt;
  const ctx = systemContext('test', 'smoke');
  await rt.identity.createOrganization(ctx, { slug: 'acme', name: 'Acme' });
  clock.advance(3600_000);
  for (let i = 0; i < 3; i++) await rt.identity.createUser(ctx, { email: `u${i}@acme.test`, name: `U ${i}` }, { orgRef: 'acme' });
  clock.advance(86400_000);
  const v = await rt.evidenceExports.runNow(ctx, { org: 'acme', from: '2026-07-01', to: '2026-07-02T00:30:00Z', seed: 'abc', samples: { 'CC6.2/new-users': 2 } });
  console.log(JSON.stringify(v, null, 1));
  const zip = await rt.evidenceExports.packageOf(v.id);
  const report = verifyEvidencePackage(zip, { verifierKey: rt.signer.verifierKey });
  console.log(JSON.stringify({ ok: report.ok, counts: report.counts, problems: report.problems.slice(0, 5) }, null, 1));
  expect(report.ok).toBe(true);
  await t.close();
}, 60_000);
