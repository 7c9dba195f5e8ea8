import { KeyledgerError } from '../platform/errors.ts';
import type { Clock } from '../platform/clock.ts';
import type { CommandRunner, CommandScope } from '../audit/command-runner.ts';
import type { RequestContext } from '../audit/event.ts';
import type { IdentityService } from '../identity/service.ts';
import type { HrSourceRow } from '../platform/schema-lifecycle.ts';
import type { HrSources } from './hr-sources.ts';
import type { Deprovisioning } from './deprovision.ts';
import { verifyHrSignature } from './hr-signature.ts';
import { parseHrEvent, type HrEvent } from './hr-event.ts';

export type HrEventResult = 'deprovisioned' | 'already_deprovisioned' | 'scheduled' | 'reactivated' | 'not_deprovisioned' | 'unmatched';

/** What the webhook answers (202) for an accepted event. */
export interface HrEventOutcome {
  status: HrEventResult;
  eventId: string;
  userId: string | null;
  /** For a scheduled termination: when it will be carried out. */
  scheduledFor: string | null;
}

/** A delivery as it arrived: the two headers and the raw bytes the signature covers. */
export interface HrDelivery {
  sourceId: string | undefined;
  signature: string | undefined;
  body: Buffer | undefined;
  request: RequestContext;
}

const SOURCE_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The HR webhook: a delivery is checked in this order, and refused with nothing
 * changed and nothing recorded at the first failure — the source is known and
 * active, the signature's timestamp is within ±5 minutes, a v1 signature
 * matches the raw body (current secret, or the previous one in its overlap),
 * the payload is a well-formed event, and its id was not accepted before.
 * An accepted event is one command with the source as actor: it matches the
 * employee to a member of the source's organization and deprovisions them
 * (effective now or in the past), schedules the termination (future), or
 * reactivates them (rehire); an unmatched employee is recorded and answered
 * 202 all the same, since HR systems retry on errors.
 */
export function createHrEventReceiver(deps: { runner: CommandRunner; clock: Clock; newId: () => string; identity: IdentityService; hrSources: HrSources; deprovisioning: Deprovisioning }) {
  const { runner, clock, newId, identity, hrSources, deprovisioning } = deps;

  async function checkNotReplayed(scope: CommandScope, source: HrSourceRow, event: HrEvent): Promise<void> {
    const seen = await scope.trx.selectFrom('hr_events').select(['received_at']).where('source_id', '=', source.id).where('event_id', '=', event.id).executeTakeFirst();
    if (seen) throw new KeyledgerError('lifecycle.event_replayed', `event ${JSON.stringify(event.id)} was already accepted from this source at ${seen.received_at}`);
  }

  async function terminate(scope: CommandScope, source: HrSourceRow, event: HrEvent, userId: string): Promise<Omit<HrEventOutcome, 'eventId' | 'userId'> & { detail: Record<string, unknown> }> {
    if (Date.parse(event.effectiveAt) > scope.now.getTime()) {
      const id = newId();
      await scope.trx
        .insertInto('scheduled_terminations')
        .values({ id, org_id: source.org_id, user_id: userId, hr_source_id: source.id, event_id: event.id, terminated_at: event.effectiveAt, status: 'pending', created_at: scope.now.toISOString(), completed_at: null })
        .execute();
      return { status: 'scheduled', scheduledFor: event.effectiveAt, detail: { scheduledTerminationId: id } };
    }
    // A late HR feed keeps its effective time as the termination time, so the delay shows as an SLA breach.
    const removal = await deprovisioning.deprovisionInScope(scope, { orgId: source.org_id, userId, source: 'hr', sourceRef: event.id, terminatedAt: event.effectiveAt, reason: 'HR termination' });
    return { status: removal.alreadyDeprovisioned ? 'already_deprovisioned' : 'deprovisioned', scheduledFor: null, detail: { leaverId: removal.leaverId } };
  }

  async function rehire(scope: CommandScope, source: HrSourceRow, userId: string): Promise<Omit<HrEventOutcome, 'eventId' | 'userId'> & { detail: Record<string, unknown> }> {
    // A rehire overrides a termination still waiting for its date.
    const waiting = await scope.trx.selectFrom('scheduled_terminations').select('id').where('org_id', '=', source.org_id).where('user_id', '=', userId).where('status', '=', 'pending').orderBy('id').execute();
    for (const w of waiting) await scope.trx.updateTable('scheduled_terminations').set({ status: 'cancelled', completed_at: scope.now.toISOString() }).where('id', '=', w.id).where('status', '=', 'pending').execute();
    const cancelledTerminations = waiting.map((w) => w.id);
    const user = await identity.requireUser(userId, scope.trx);
    if (user.status !== 'deprovisioned') return { status: 'not_deprovisioned', scheduledFor: null, detail: { cancelledTerminations } };
    const { leaverId } = await deprovisioning.reactivateInScope(scope, { orgId: source.org_id, userId, source: 'hr', reason: 'HR rehire' });
    return { status: 'reactivated', scheduledFor: null, detail: { cancelledTerminations, leaverId } };
  }

  async function accept(scope: CommandScope, source: HrSourceRow, event: HrEvent): Promise<HrEventOutcome> {
    await checkNotReplayed(scope, source, event);
    const matches = await identity.findMembersByEmployeeNumber(source.org_id, event.employeeId, scope.trx);
    const time = scope.now.toISOString();
    const facts = { eventId: event.id, type: event.type, employeeId: event.employeeId, effectiveAt: event.effectiveAt };
    const targets = [{ type: 'hr_source', id: source.id, display: source.name }];
    let outcome: HrEventOutcome;
    if (matches.length !== 1) {
      outcome = { status: 'unmatched', eventId: event.id, userId: null, scheduledFor: null };
      scope.record({ action: 'lifecycle.hr_event.unmatched', org: source.org_id, targets, data: { ...facts, candidates: matches.length } });
    } else {
      const user = matches[0];
      const done = event.type === 'employee.terminated' ? await terminate(scope, source, event, user.id) : await rehire(scope, source, user.id);
      outcome = { status: done.status, eventId: event.id, userId: user.id, scheduledFor: done.scheduledFor };
      scope.record({ action: 'lifecycle.hr_event.received', org: source.org_id, targets: [...targets, { type: 'user', id: user.id, display: user.email }], data: { ...facts, userId: user.id, result: done.status, ...done.detail } });
    }
    await scope.trx
      .insertInto('hr_events')
      .values({ id: newId(), source_id: source.id, org_id: source.org_id, event_id: event.id, type: event.type, employee_id: event.employeeId, effective_at: event.effectiveAt, user_id: outcome.userId, result: outcome.status, received_at: time })
      .execute();
    await scope.trx.updateTable('hr_sources').set({ last_event_at: time }).where('id', '=', source.id).execute();
    return outcome;
  }

  return {
    /**
     * Verifies and carries out one delivery. Throws `lifecycle.source_unknown`,
     * `lifecycle.timestamp_outside_window`, `lifecycle.signature_invalid`,
     * `lifecycle.event_invalid`, `lifecycle.event_replayed`.
     */
    async receive(delivery: HrDelivery): Promise<HrEventOutcome> {
      const sourceId = delivery.sourceId?.trim();
      const verification = sourceId && SOURCE_ID.test(sourceId) ? await hrSources.loadVerification(sourceId.toLowerCase(), clock.now()) : undefined;
      if (!verification) throw new KeyledgerError('lifecycle.source_unknown', 'the Keyledger-Source header names no active HR source');
      const body = delivery.body ?? Buffer.alloc(0);
      verifyHrSignature(delivery.signature, body, verification.secrets, clock.now());
      const event = parseHrEvent(body);
      const { source } = verification;
      const ctx = { actor: { type: 'hr_source' as const, id: source.id, display: source.name }, request: delivery.request };
      return (await runner.run(ctx, (scope) => accept(scope, source, event))).result;
    },
  };
}

export type HrEventReceiver = ReturnType<typeof createHrEventReceiver>;
