import { DAY_MS, HOUR_MS, before, cite, type DetectionRule } from './rule.ts';
import { distanceKm } from './geo.ts';

/**
 * The rules over one user's account history: the account-takeover sequence
 * (recovery, then a factor change, then a sign-in from somewhere new),
 * impossible travel between two sign-ins, and privileged access granted
 * outside the approval path.
 */

/**
 * For one user: a recovery (password reset completed, recovery code used, factors reset) THEN a factor change
 * (TOTP enrolled or removed, passkey registered or removed) THEN a sign-in whose address or user agent the user
 * did not sign in from in the lookback before the recovery — all within the window.
 */
export const accountTakeoverSequence: DetectionRule = {
  name: 'account_takeover_sequence',
  severity: 'critical',
  description: 'Recovery, then a change of second factors, then a sign-in from an address or device the user had not used in the look-back period before the recovery — all within the window: the pattern of someone taking an account over.',
  events: ['authn.password_reset.completed', 'authn.recovery_code.used', 'authn.factors.reset', 'authn.totp.enrolled', 'authn.totp.removed', 'authn.passkey.registered', 'authn.passkey.removed', 'authn.login.succeeded'],
  thresholds: (s) => ({ ...s.accountTakeover }),
  async evaluate(ctx) {
    const { signal, settings, trx } = ctx;
    const t = settings.accountTakeover;
    if (signal?.kind !== 'login_succeeded' || !signal.user_id) return null;
    const windowStart = before(signal.time, t.windowHours * HOUR_MS);
    const recovery = await trx.selectFrom('detection_signals').selectAll().where('user_id', '=', signal.user_id).where('kind', '=', 'recovery').where('time', '>=', windowStart).where('seq', '<', signal.seq).orderBy('seq').executeTakeFirst();
    if (!recovery) return null;
    const change = await trx.selectFrom('detection_signals').selectAll().where('user_id', '=', signal.user_id).where('kind', '=', 'factor_changed').where('seq', '>', recovery.seq).where('seq', '<', signal.seq).orderBy('seq').executeTakeFirst();
    if (!change) return null;
    // What the user signed in from before the recovery: the baseline a new address or device is judged against.
    const seen = await trx.selectFrom('detection_signals').select(['ip', 'user_agent']).where('user_id', '=', signal.user_id).where('kind', '=', 'login_succeeded').where('time', '>=', before(recovery.time, t.newDeviceLookbackDays * DAY_MS)).where('seq', '<', recovery.seq).execute();
    const newIp = signal.ip !== null && !seen.some((r) => r.ip === signal.ip);
    const newDevice = signal.user_agent !== null && !seen.some((r) => r.user_agent === signal.user_agent);
    if (!newIp && !newDevice) return null;
    return {
      rule: 'account_takeover_sequence',
      severity: 'critical',
      subjectType: 'user',
      subject: signal.user_id,
      windowMs: t.windowHours * HOUR_MS,
      events: [cite(recovery), cite(change), cite(signal)],
      details: { newIp, newDevice, ip: signal.ip, userAgent: signal.user_agent, knownSignIns: seen.length, thresholds: t },
    };
  },
};

/** Two successful sign-ins of one user whose GeoIP places are further apart than anyone could travel in between. */
export const impossibleTravel: DetectionRule = {
  name: 'impossible_travel',
  severity: 'high',
  description: 'Two successful sign-ins of one user from places (GeoIP) at least minDistanceKm apart, faster than speedKmh allows. Off unless GeoIP is configured (KEYLEDGER_GEOIP=bundled).',
  events: ['authn.login.succeeded'],
  thresholds: (s) => (s.geoip ? { ...s.impossibleTravel, geoip: s.geoip } : null),
  async evaluate(ctx) {
    const { signal, settings, trx } = ctx;
    const t = settings.impossibleTravel;
    if (!settings.geoip || signal?.kind !== 'login_succeeded' || !signal.user_id || signal.latitude === null || signal.longitude === null) return null;
    const previous = await trx.selectFrom('detection_signals').selectAll().where('user_id', '=', signal.user_id).where('kind', '=', 'login_succeeded').where('seq', '<', signal.seq).where('latitude', 'is not', null).orderBy('seq', 'desc').executeTakeFirst();
    if (!previous || previous.latitude === null || previous.longitude === null) return null;
    const km = distanceKm({ latitude: Number(previous.latitude), longitude: Number(previous.longitude) }, { latitude: signal.latitude, longitude: signal.longitude });
    if (km < t.minDistanceKm) return null;
    const hours = (Date.parse(signal.time) - Date.parse(previous.time)) / HOUR_MS;
    const speed = hours > 0 ? km / hours : Number.POSITIVE_INFINITY;
    if (speed <= t.speedKmh) return null;
    return {
      rule: 'impossible_travel',
      severity: 'high',
      subjectType: 'user',
      subject: signal.user_id,
      windowMs: t.dedupHours * HOUR_MS,
      events: [cite(previous), cite(signal)],
      details: {
        from: { ip: previous.ip, country: previous.country },
        to: { ip: signal.ip, country: signal.country },
        distanceKm: Math.round(km),
        hours: Math.round(hours * 100) / 100,
        speedKmh: Number.isFinite(speed) ? Math.round(speed) : null,
        speedLimitKmh: t.speedKmh,
        minDistanceKm: t.minDistanceKm,
      },
    };
  },
};

/**
 * A privileged role granted with neither an access request nor an approval reference (access.assignment.granted),
 * or a just-in-time activation whose eligibility the ledger never granted (access.elevation.activated).
 */
export const privilegeOutsideApproval: DetectionRule = {
  name: 'privilege_outside_approval',
  severity: 'high',
  description: 'A privileged role granted with no access request and no approval reference, or an elevation whose eligibility the ledger does not show as granted.',
  events: ['access.assignment.granted', 'access.elevation.activated'],
  thresholds: (s) => ({ ...s.privilegeOutsideApproval }),
  async evaluate(ctx) {
    const { event, settings } = ctx;
    const d = event.data;
    const cited = [{ id: event.id, seq: event.seq, time: event.time, org: event.org }];
    const windowMs = settings.privilegeOutsideApproval.dedupHours * HOUR_MS;
    if (event.action === 'access.assignment.granted') {
      if (d.privileged !== true || d.requestId || d.approvalRef) return null;
      const subject = `${String(d.principalType)}:${String(d.principalId)}`;
      return { rule: 'privilege_outside_approval', severity: 'high', subjectType: 'principal', subject, windowMs, events: cited, details: { kind: 'grant_without_approval', roleId: d.roleId, roleKey: d.roleKey, reason: d.reason ?? null } };
    }
    if (event.action === 'access.elevation.activated') {
      const eligibilityId = typeof d.eligibilityId === 'string' ? d.eligibilityId : null;
      if (eligibilityId && (await ctx.eligibilityWasGranted(eligibilityId))) return null;
      return { rule: 'privilege_outside_approval', severity: 'high', subjectType: 'principal', subject: `user:${String(d.principalId)}`, windowMs, events: cited, details: { kind: 'elevation_without_eligibility', roleId: d.roleId, roleKey: d.roleKey, eligibilityId } };
    }
    return null;
  },
};
