import { expect } from 'vitest';
import { lookupAction } from '../../src/audit/actions.ts';
import type { CommandContext, LedgerEvent } from '../../src/audit/event.ts';
import { systemContext } from '../../src/audit/event.ts';
import type { Dialect } from '../../src/platform/database.ts';
import type { Clock } from '../../src/platform/clock.ts';
import { createTestRuntime, type TestRuntime } from './runtime.ts';
import { SoftAuthenticator, type Tamper } from './soft-authenticator.ts';
import { refusalOf as refusal } from './thrown.ts';

/** The relying party the passkey suites run as: Keyledger served at https://id.acme.test. */
export const RP_ID = 'id.acme.test';
export const ORIGIN = 'https://id.acme.test';
export const admin = systemContext('test', 'passkey test');
export const web: CommandContext = { actor: { type: 'system', id: 'login-page', display: 'login page' }, request: { requestId: 'req-passkey', ip: '203.0.113.7', userAgent: 'vitest' } };

/** A runtime whose public URL is ORIGIN, with a reader of the ledger events appended since the last read. */
export async function startPasskeySuite(dialect: Dialect, clock: Clock) {
  const t: TestRuntime = await createTestRuntime(dialect, { clock, env: { KEYLEDGER_PUBLIC_URL: ORIGIN } });
  let seen = 0;
  return {
    t,
    rt: t.rt,
    /** Events appended since the previous call. */
    async newEvents(): Promise<LedgerEvent[]> {
      const { events } = await t.rt.ledger.listEvents({}, { limit: 5000 });
      const fresh = events.filter((e) => e.seq >= seen);
      seen = events.length;
      return fresh;
    },
    /** How many sessions exist (any state). */
    async sessionCount(): Promise<number> {
      return (await t.database.db.selectFrom('sessions').select('id').execute()).length;
    },
    /** Registers a passkey on `authenticator` for the user through the real ceremony. */
    async register(userId: string, authenticator: SoftAuthenticator, name?: string, tamper: Tamper = {}) {
      const { challengeId, options } = await t.rt.passkeys.startRegistration(admin, userId);
      return t.rt.passkeys.finishRegistration(admin, userId, challengeId, authenticator.create(options, ORIGIN, tamper), name);
    },
  };
}

/** Every event is a catalogued action carrying only catalogued data fields, and no passkey's public key appears in any. */
export async function expectCataloguedWithoutKeys(t: TestRuntime): Promise<number> {
  const { events } = await t.rt.ledger.listEvents({}, { limit: 5000 });
  for (const e of events) {
    const spec = lookupAction(e.action);
    expect(spec, e.action).toBeDefined();
    expect({ action: e.action, extra: Object.keys(e.data).filter((f) => !(f in spec!.data)) }).toEqual({ action: e.action, extra: [] });
  }
  const bodies = JSON.stringify(events);
  const keys = await t.database.db.selectFrom('passkey_credentials').select(['public_key']).execute();
  expect(keys.length).toBeGreaterThan(0);
  for (const k of keys) expect(bodies.includes(k.public_key)).toBe(false);
  return events.length;
}

export { refusal };
