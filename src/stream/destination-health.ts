import type { Db } from '../platform/database.ts';
import type { SiemDestinationRow } from '../platform/schema-stream.ts';

/** How far a destination is behind and how its deliveries go; what GET …/health and /metrics show. */
export interface DestinationHealth {
  /** healthy: delivering (or caught up); failing: its last attempts failed and are being retried; paused. */
  status: 'healthy' | 'failing' | 'paused';
  cursorSeq: number;
  headSeq: number;
  /** Ledger events after the cursor (including ones the filter will skip). */
  lagEvents: number;
  /** Age in seconds of the oldest event not yet delivered or skipped; 0 when caught up. */
  lagSeconds: number;
  lastDeliveredAt: string | null;
  lastDeliveredSeq: number | null;
  lastError: string | null;
  lastErrorAt: string | null;
  consecutiveFailures: number;
  nextAttemptAt: string | null;
}

/**
 * The health of one destination against the ledger head `headSeq` (−1: an
 * empty ledger) at `now`. Reads the time of the first event after the cursor.
 */
export async function readDestinationHealth(db: Db, row: SiemDestinationRow, headSeq: number, now: Date): Promise<DestinationHealth> {
  const cursorSeq = Number(row.cursor_seq);
  const lagEvents = Math.max(0, headSeq - cursorSeq);
  let lagSeconds = 0;
  if (lagEvents > 0) {
    const oldest = await db.selectFrom('audit_events').select('time').where('seq', '=', cursorSeq + 1).executeTakeFirst();
    if (oldest) lagSeconds = Math.max(0, (now.getTime() - Date.parse(oldest.time)) / 1000);
  }
  return {
    status: row.status === 'paused' ? 'paused' : row.failing ? 'failing' : 'healthy',
    cursorSeq,
    headSeq,
    lagEvents,
    lagSeconds,
    lastDeliveredAt: row.last_delivered_at,
    lastDeliveredSeq: row.last_delivered_seq === null ? null : Number(row.last_delivered_seq),
    lastError: row.last_error,
    lastErrorAt: row.last_error_at,
    consecutiveFailures: row.consecutive_failures,
    nextAttemptAt: row.status === 'paused' ? null : row.next_attempt_at,
  };
}
