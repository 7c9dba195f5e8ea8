import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/databases.ts';
import { createTestRuntime, type TestRuntime } from '../support/runtime.ts';
import { ManualClock } from '../../src/platform/clock.ts';
import { systemContext } from '../../src/audit/event.ts';
import { cc67Transmission } from '../../src/evidence/criteria/cc6-7-transmission.ts';
import type { CriterionSection } from '../../src/evidence/model.ts';
import { rowsNotRecomputable, sectionFor, table } from './sections.ts';

const START = '2026-04-01T00:00:00.000Z';
const HOUR = 3_600_000;
const admin = systemContext('test', 'evidence test');

const settingsOf = (section: CriterionSection, name: string) => Object.fromEntries(table(section, name).rows.map((r) => [r.row.setting, r.row.value]));

/** CC6.7: the deployment's transport, session, token and at-rest configuration, and the signing keys from the ledger. */
describe.each(DIALECTS)('CC6.7 transmission evidence, on %s', (dialect) => {
  const clock = new ManualClock(START);
  let https: TestRuntime;
  let plain: TestRuntime;
  let clientId: string;
  const window = { org: 'acme', from: START, to: new Date(Date.parse(START) + 48 * HOUR).toISOString() };

  beforeAll(async () => {
    https = await createTestRuntime(dialect, { clock, env: { KEYLEDGER_PUBLIC_URL: 'https://id.acme.test', KEYLEDGER_TRUST_PROXY: 'true' } });
    plain = await createTestRuntime(dialect, { clock });
    for (const t of [https, plain]) await t.rt.identity.createOrganization(admin, { slug: 'acme', name: 'Acme', settings: { sessionPolicy: { idleTimeoutMinutes: 15, absoluteTimeoutHours: 8 } } });
    const created = await https.rt.applications.create(admin, 'acme', { name: 'Wiki', type: 'web', redirectUris: ['https://wiki.acme.test/cb'], accessTokenTtlSeconds: 300 });
    clientId = created.application.clientId;
    clock.advance(HOUR);
    await https.rt.oidc.rotateSigningKeyNow(admin);
    clock.advance(HOUR);
  }, 60_000);
  afterAll(async () => {
    await https?.close();
    await plain?.close();
  });

  it('on https: __Host- Secure HttpOnly cookies, HSTS, the organization’s timeouts, per-application lifetimes and the signing keys', async () => {
    const section = await sectionFor(https.rt, cc67Transmission, window);
    expect(section.status).toBe('pass');
    expect(settingsOf(section, 'session-settings')).toMatchObject({ cookie_name: '__Host-kl_session', cookie_host_prefix: true, cookie_http_only: true, cookie_secure: true, cookie_same_site: 'Lax', idle_timeout_minutes: 15, absolute_timeout_hours: 8 });
    expect(settingsOf(section, 'token-lifetimes')).toMatchObject({ authorization_code_seconds: 60, default_access_token_seconds: 600, [`application:${clientId}:access_token_seconds`]: 300, [`application:${clientId}:refresh_token_seconds`]: 30 * 86_400 });
    expect(settingsOf(section, 'transport')).toMatchObject({ public_url: 'https://id.acme.test', public_url_https: true, trust_proxy: true });
    const rest = settingsOf(section, 'encryption-at-rest');
    expect(rest).toMatchObject({ master_key_source: 'environment (KEYLEDGER_MASTER_KEY)', master_key_id: https.rt.master.id });
    // Never the key itself.
    expect(JSON.stringify(section)).not.toContain(https.rt.config.masterKey!);
    for (const t of section.tables.filter((x) => x.name !== 'signing-keys')) expect(t.recompute).toBeUndefined();

    const keys = table(section, 'signing-keys');
    const rows = keys.rows.map((r) => r.row);
    expect(rows.filter((r) => r.purpose === 'ledger_checkpoints')).toHaveLength(1);
    const oidc = rows.filter((r) => r.purpose === 'oidc_tokens');
    expect(oidc.map((r) => r.event)).toContain('retired');
    expect(oidc.filter((r) => r.reason === 'manual')).toEqual([expect.objectContaining({ event: 'created', algorithm: 'RS256', at: new Date(Date.parse(START) + HOUR).toISOString() })]);
    expect(await rowsNotRecomputable(https.rt, keys, window)).toEqual([]);
  });

  it('on plain http the section needs attention: no __Host- cookie, no HSTS', async () => {
    const section = await sectionFor(plain.rt, cc67Transmission, window);
    expect(section.status).toBe('attention');
    expect(section.facts[0]).toEqual({ label: 'Public URL is https', value: 'no', attention: true });
    expect(settingsOf(section, 'session-settings')).toMatchObject({ cookie_name: 'kl_session', cookie_host_prefix: false, cookie_secure: false });
    expect(settingsOf(section, 'transport')).toMatchObject({ public_url_https: false, trust_proxy: false });
  });
});
