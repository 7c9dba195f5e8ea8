import type { Db } from '../platform/database.ts';

/** What a user has enrolled to sign in with (never a secret): the compliance API's MFA columns. */
export interface EnrolledFactors {
  password: boolean;
  /** An active (confirmed) TOTP factor. */
  totp: boolean;
  /** Passkeys not removed. */
  passkeys: number;
}

/** Enrolled factors of many users at once, a few queries per page of users instead of a few per user. */
export function createFactorInventory(deps: { db: Db }) {
  const { db } = deps;
  return {
    /** The enrolled factors of each of `userIds` (every id gets an entry, all false/0 when nothing is enrolled). */
    async listEnrolledFactors(userIds: readonly string[]): Promise<Map<string, EnrolledFactors>> {
      const out = new Map<string, EnrolledFactors>(userIds.map((id) => [id, { password: false, totp: false, passkeys: 0 }]));
      for (let i = 0; i < userIds.length; i += 500) {
        const part = userIds.slice(i, i + 500);
        const [passwords, totp, passkeys] = await Promise.all([
          db.selectFrom('password_credentials').select('user_id').where('user_id', 'in', part).execute(),
          db.selectFrom('totp_factors').select('user_id').where('user_id', 'in', part).where('status', '=', 'active').execute(),
          db.selectFrom('passkey_credentials').select(['user_id', (eb) => eb.fn.countAll().as('n')]).where('user_id', 'in', part).where('removed_at', 'is', null).groupBy('user_id').execute(),
        ]);
        for (const r of passwords) out.get(r.user_id)!.password = true;
        for (const r of totp) out.get(r.user_id)!.totp = true;
        for (const r of passkeys) out.get(r.user_id)!.passkeys = Number(r.n);
      }
      return out;
    },
  };
}
