import type { Transaction } from 'kysely';
import type { Database } from '../platform/schema.ts';
import { KeyledgerError } from '../platform/errors.ts';
import { canonicalize } from './canonical-json.ts';
import { hashLeaf } from './merkle-hash.ts';
import { lookupAction } from './actions.ts';
import type { CommandContext, EventDraft, LedgerEvent } from './event.ts';
import { kyselyLedgerWriter, type LedgerWriter } from './ledger-writer.ts';

/**
 * Appends events inside the caller's transaction. Sequence numbers come from
 * the ledger head row, whose row lock (PostgreSQL) or the single writer
 * (SQLite) makes appends commit in sequence order with no gaps; a rolled-back
 * command rolls its numbers back too. Call it last in a command, so the lock
 * is held briefly. Each event is stored as its canonical JSON together with
 * its RFC 6962 leaf hash.
 *
 * Refuses actions missing from the catalogue (see actions.ts).
 */
export async function appendEvents(
  trx: Transaction<Database>,
  ctx: CommandContext,
  drafts: EventDraft[],
  stamp: { time: string; newId: () => string },
  writer: LedgerWriter = kyselyLedgerWriter,
): Promise<LedgerEvent[]> {
  if (drafts.length === 0) return [];
  const specs = drafts.map((d) => {
    const spec = lookupAction(d.action);
    if (!spec) throw new KeyledgerError('internal', `ledger action "${d.action}" is not in the action catalogue`);
    return spec;
  });
  const firstSeq = await writer.reserve(trx, drafts.length);

  const events: LedgerEvent[] = drafts.map((d, i) => {
    const event: LedgerEvent = {
      id: stamp.newId(),
      seq: firstSeq + i,
      time: stamp.time,
      action: d.action,
      outcome: d.outcome ?? 'success',
      actor: ctx.actor,
      org: d.org ?? null,
      targets: d.targets,
      context: ctx.request,
      data: d.data ?? {},
      v: specs[i].v,
    };
    if (d.reason !== undefined) event.reason = d.reason;
    return event;
  });

  const rows = events.map((e) => {
    const body = canonicalize(e);
    return {
      seq: e.seq,
      id: e.id,
      time: e.time,
      action: e.action,
      outcome: e.outcome,
      actor_type: e.actor.type,
      actor_id: e.actor.id,
      org_id: e.org,
      body,
      leaf_hash: hashLeaf(Buffer.from(body, 'utf8')),
    };
  });
  const targets = events.flatMap((e) => e.targets.map((t) => ({ seq: e.seq, target_type: t.type, target_id: t.id })));
  await writer.insert(trx, rows, targets);
  return events;
}
