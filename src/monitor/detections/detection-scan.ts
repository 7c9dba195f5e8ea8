import type { CommandRunner } from '../../audit/command-runner.ts';
import { systemContext } from '../../audit/event.ts';
import { createLedgerQueries, type LedgerQueries } from '../../audit/ledger-queries.ts';
import type { Db } from '../../platform/database.ts';
import type { Logger } from '../../platform/logger.ts';
import { readLedgerAfter } from '../../stream/ledger-feed.ts';
import { applyMatch, openKey, recordTouches, type AlertTouch } from './alert-store.ts';
import type { DetectionSettings } from './detection-settings.ts';
import type { GeoLocator } from './geo.ts';
import { DAY_MS, HOUR_MS, MINUTE_MS, type DetectionRule, type RuleContext } from './rule.ts';
import { signalOf } from './signals.ts';

/** Events read per batch, and batches per scan (the rest waits for the next run). */
const BATCH = 500;
const MAX_BATCHES = 20;

/** Thrown inside the batch command when another scanner advanced the cursor first: roll back, do nothing. */
class AlreadyScanned extends Error {}

export interface DetectionScanDeps {
  db: Db;
  runner: CommandRunner;
  newId: () => string;
  ledger: LedgerQueries;
  settings: DetectionSettings;
  rules: readonly DetectionRule[];
  geo: GeoLocator | null;
  logger?: Logger;
}

/** How long signals are kept: the longest look-back any rule needs, plus a day. */
export function signalRetentionMs(s: DetectionSettings): number {
  const t = s.accountTakeover;
  const longest = Math.max(
    s.bruteForce.windowMinutes * MINUTE_MS,
    s.credentialStuffing.windowMinutes * MINUTE_MS,
    s.passwordSpraying.windowMinutes * MINUTE_MS,
    s.mfaFatigue.windowMinutes * MINUTE_MS,
    t.newDeviceLookbackDays * DAY_MS + t.windowHours * HOUR_MS,
    s.impossibleTravel.dedupHours * HOUR_MS,
  );
  return longest + DAY_MS;
}

/**
 * The detection scan: reads the ledger after the stored cursor (through
 * `readLedgerAfter`), stores each relevant event's signal, runs every rule
 * that reads the event, and raises or extends alerts — all in one command per
 * batch, whose first write advances the cursor only if it still holds the
 * value read (a conditional update). Two scans at once: one wins the batch,
 * the other rolls back having changed nothing, so each alert is raised once.
 */
export function createDetectionScanner(deps: DetectionScanDeps) {
  const { db, runner, settings } = deps;
  const active = deps.rules.filter((r) => r.thresholds(settings) !== null);
  const ctx = systemContext('detections', 'security detections');


  /** Scans one batch; returns how many events it covered (0 when caught up or beaten to it). */
  async function scanBatch(): Promise<number> {
    const cursor = await db.selectFrom('detection_cursor').select('last_seq').where('id', '=', 1).executeTakeFirstOrThrow();
    const from = Number(cursor.last_seq);
    const feed = await readLedgerAfter(db, from, BATCH);
    if (feed.length === 0) return 0;
    const last = feed[feed.length - 1].seq;
    try {
      await runner.run(
        ctx,
        async (scope) => {
          const { trx, now } = scope;
          const claim = await trx.updateTable('detection_cursor').set({ last_seq: last, updated_at: now.toISOString() }).where('id', '=', 1).where('last_seq', '=', from).executeTakeFirst();
          if (Number(claim.numUpdatedRows) !== 1) throw new AlreadyScanned();
          const touched = new Map<string, AlertTouch>();
          // Read in the batch's transaction: on SQLite the one connection is held by it until it commits.
          const ledgerInTrx = createLedgerQueries(trx);
          const eligibilityWasGranted = async (eligibilityId: string) => (await ledgerInTrx.listEvents({ targetId: eligibilityId, actionPrefix: 'access.eligibility.granted' }, { limit: 1 })).events.length > 0;
          const hasOpenAlert = async (rule: string, subject: string, since: string) =>
            (await trx.selectFrom('detection_alerts').select('id').where('open_key', '=', openKey(rule, subject)).where('last_seen_at', '>=', since).executeTakeFirst()) !== undefined;
          for (const { event } of feed) {
            const signal = signalOf(event, deps.geo);
            if (signal) await trx.insertInto('detection_signals').values(signal).onConflict((oc) => oc.column('event_id').doNothing()).execute();
            const ruleCtx: RuleContext = { trx, settings, event, signal, hasOpenAlert, eligibilityWasGranted };
            for (const rule of active) {
              if (!rule.events.includes(event.action)) continue;
              const match = await rule.evaluate(ruleCtx);
              if (match) await applyMatch(trx, match, { now, newId: deps.newId, eventTime: event.time }, touched);
            }
          }
          await recordTouches(scope, touched);
          await trx.deleteFrom('detection_signals').where('time', '<', new Date(now.getTime() - signalRetentionMs(settings)).toISOString()).execute();
        },
        { allowNoEvents: true },
      );
    } catch (err) {
      if (err instanceof AlreadyScanned) return 0;
      throw err;
    }
    return feed.length;
  }

  return {
    /** Scans what the ledger holds after the cursor (up to 10,000 events a run); returns how many events were scanned. */
    async scan(): Promise<number> {
      let total = 0;
      for (let i = 0; i < MAX_BATCHES; i++) {
        const n = await scanBatch();
        if (n === 0) break;
        total += n;
      }
      return total;
    },
  };
}

export type DetectionScanner = ReturnType<typeof createDetectionScanner>;
