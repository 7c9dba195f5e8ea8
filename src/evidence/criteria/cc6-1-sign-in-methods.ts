import type { LedgerEvent } from '../../audit/event.ts';
import type { CitedRow, Column, EvidenceParameters } from '../model.ts';

/**
 * Counts the organization's successful sign-ins by method. The method comes
 * from the session's amr (RFC 8176: pwd, otp, hwk/swk, fed) and, where amr
 * cannot tell, from the events of the same command: `authn.recovery_code.used`
 * (a recovery code also reads as otp) and `sso.login.succeeded` (SAML or OIDC).
 */

export const METHODS = ['password', 'totp', 'recovery_code', 'passkey', 'sso_saml', 'sso_oidc'] as const;
type Method = (typeof METHODS)[number];

export const METHOD_ACTIONS = ['authn.login.succeeded', 'authn.recovery_code.used', 'sso.login.succeeded'];

export const METHOD_COLUMNS: Column[] = [
  { name: 'method', description: 'password, totp, recovery_code, passkey, sso_saml or sso_oidc.' },
  { name: 'sign_ins', description: 'Successful sign-ins in the window that used the method.' },
  { name: 'distinct_users', description: 'Distinct users who signed in with it.' },
  { name: 'first_at', description: 'The first such sign-in in the window, or null.' },
  { name: 'last_at', description: 'The last one, or null.' },
];

interface Tally {
  count: number;
  users: Set<string>;
  first: LedgerEvent | null;
  last: LedgerEvent | null;
}

/** The methods one sign-in used, from its amr and what the same command recorded. */
export function methodsOf(amr: readonly string[], recoveryUsed: boolean, ssoType: string | null): Method[] {
  const out: Method[] = [];
  if (amr.includes('fed')) out.push(ssoType === 'oidc' ? 'sso_oidc' : 'sso_saml');
  if (amr.includes('pwd')) out.push('password');
  if (amr.includes('otp')) out.push(recoveryUsed ? 'recovery_code' : 'totp');
  if (amr.includes('hwk') || amr.includes('swk')) out.push('passkey');
  return out;
}

export class AuthMethodCounter {
  private readonly tallies = new Map<Method, Tally>(METHODS.map((m) => [m, { count: 0, users: new Set<string>(), first: null, last: null }]));
  private sameCommand: { requestId: string; recovery: boolean; ssoType: string | null } | null = null;
  private signIns = 0;

  constructor(private readonly params: EvidenceParameters) {}

  add(e: LedgerEvent): void {
    if (e.time < this.params.from) return;
    const requestId = e.context.requestId;
    if (this.sameCommand?.requestId !== requestId) this.sameCommand = { requestId, recovery: false, ssoType: null };
    if (e.action === 'authn.recovery_code.used') this.sameCommand.recovery = true;
    else if (e.action === 'sso.login.succeeded') this.sameCommand.ssoType = typeof e.data.type === 'string' ? e.data.type : null;
    else if (e.action === 'authn.login.succeeded' && e.org === this.params.orgId) {
      const userId = typeof e.data.userId === 'string' ? e.data.userId : '';
      const amr = Array.isArray(e.data.amr) ? e.data.amr.map(String) : [];
      this.signIns++;
      for (const m of methodsOf(amr, this.sameCommand.recovery, this.sameCommand.ssoType)) {
        const t = this.tallies.get(m)!;
        t.count++;
        t.users.add(userId);
        t.first ??= e;
        t.last = e;
      }
    }
  }

  /** Successful sign-ins in the window, whatever their method. */
  total(): number {
    return this.signIns;
  }

  /** One row per method; cites the method's first and last sign-in. */
  rows(): CitedRow[] {
    return METHODS.map((method) => {
      const t = this.tallies.get(method)!;
      const cites = [...new Set([t.first?.id, t.last?.id].filter((x): x is string => x !== undefined))];
      return { row: { method, sign_ins: t.count, distinct_users: t.users.size, first_at: t.first?.time ?? null, last_at: t.last?.time ?? null }, cites };
    });
  }
}
