import type { LedgerEvent } from '../../audit/event.ts';
import type { Column, EvidenceParameters, Row, RowBuilder } from '../model.ts';
import { secondsBetween } from './evidence-values.ts';

/**
 * Row builders for SIEM delivery (CC7.2: security events leave the system
 * for monitoring): destinations and their failure episodes, recomputed from
 * `stream.destination.*` events alone.
 */

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const later = (a: string, b: string): string => (a > b ? a : b);
const earlier = (a: string, b: string): string => (a < b ? a : b);

/** Seconds of [start, end) that fall inside the window [from, to); 0 when they do not meet. */
function overlapSeconds(start: string, end: string, params: EvidenceParameters): number {
  const s = later(start, params.from);
  const e = earlier(end, params.to);
  return e > s ? (secondsBetween(s, e) ?? 0) : 0;
}

export const DESTINATION_COLUMNS: Column[] = [
  { name: 'destination_id', description: 'The SIEM destination.' },
  { name: 'name', description: 'Its name (the latest before the window end).' },
  { name: 'kind', description: 'webhook, splunk_hec, syslog_tls or jsonl_file.' },
  { name: 'scope', description: 'organization (this organization’s events only) or deployment (a deployment-wide destination).' },
  { name: 'created_at', description: 'When it was created.' },
  { name: 'deleted_at', description: 'When it was deleted, or null.' },
  { name: 'status_at_window_end', description: 'active, paused, failing or deleted.' },
  { name: 'pauses_in_window', description: 'Times delivery was paused by someone during the window.' },
  { name: 'failure_episodes_in_window', description: 'Delivery outages (failing until recovered) that overlap the window.' },
  { name: 'failing_seconds_in_window', description: 'Seconds of the window the destination spent failing.' },
];

/** One destination from all of its lifecycle events before the window end. */
export const buildDestinationRow: RowBuilder = (cited: LedgerEvent[], params: EvidenceParameters): Row => {
  const created = cited.find((e) => e.action === 'stream.destination.created') ?? null;
  const first = cited[0];
  let name = str(created?.data.name) ?? first?.targets[0]?.display ?? null;
  let kind = str(created?.data.kind);
  let deletedAt: string | null = null;
  let paused = false;
  let failingSince: string | null = null;
  let pauses = 0;
  let episodes = 0;
  let failingSeconds = 0;
  const endEpisode = (at: string) => {
    if (failingSince === null) return;
    if (failingSince < params.to && at >= params.from) episodes++;
    failingSeconds += overlapSeconds(failingSince, at, params);
    failingSince = null;
  };
  for (const e of cited) {
    const verb = e.action.slice('stream.destination.'.length);
    if (verb === 'updated') name = str((e.data.after as Record<string, unknown> | undefined)?.name) ?? name;
    else if (verb === 'paused') {
      paused = true;
      if (e.time >= params.from) pauses++;
    } else if (verb === 'resumed') paused = false;
    else if (verb === 'failing') {
      failingSince ??= e.time;
      kind ??= str(e.data.kind);
    } else if (verb === 'recovered') endEpisode(e.time);
    else if (verb === 'deleted') {
      endEpisode(e.time);
      deletedAt = e.time;
    }
  }
  const failingAtEnd = failingSince !== null;
  endEpisode(params.to);
  return {
    destination_id: first?.targets[0]?.id ?? null,
    name,
    kind,
    scope: first?.org ? 'organization' : 'deployment',
    created_at: created?.time ?? null,
    deleted_at: deletedAt,
    status_at_window_end: deletedAt ? 'deleted' : paused ? 'paused' : failingAtEnd ? 'failing' : 'active',
    pauses_in_window: pauses,
    failure_episodes_in_window: episodes,
    failing_seconds_in_window: failingSeconds,
  };
};

export const EPISODE_COLUMNS: Column[] = [
  { name: 'destination_id', description: 'The SIEM destination.' },
  { name: 'destination', description: 'Its name when the failure was recorded.' },
  { name: 'kind', description: 'Its kind.' },
  { name: 'failed_at', description: 'When delivery started failing (recorded once per outage, not per retry).' },
  { name: 'first_error', description: 'The error of the first failed attempt.' },
  { name: 'ended_at', description: 'When delivery recovered (or the destination was deleted), or null while still failing at the window end.' },
  { name: 'ended_by', description: 'recovered, deleted, or null.' },
  { name: 'failed_attempts', description: 'Failed attempts before recovery (or so far, when still failing).' },
  { name: 'duration_seconds', description: 'Seconds from failed_at to ended_at, or to the window end when still failing.' },
  { name: 'failing_at_window_end', description: 'true when the outage had not ended by the window end.' },
];

/** One outage from its failing event and the event that ended it (recovered or deleted), if any. */
export const buildEpisodeRow: RowBuilder = (cited: LedgerEvent[], params: EvidenceParameters): Row => {
  const failing = cited.find((e) => e.action === 'stream.destination.failing');
  const end = cited.find((e) => e.action === 'stream.destination.recovered' || e.action === 'stream.destination.deleted') ?? null;
  const recovered = end?.action === 'stream.destination.recovered';
  const failedAt = failing?.time ?? null;
  return {
    destination_id: failing?.targets[0]?.id ?? null,
    destination: failing?.targets[0]?.display ?? null,
    kind: str(failing?.data.kind),
    failed_at: failedAt,
    first_error: str(failing?.data.error),
    ended_at: end?.time ?? null,
    ended_by: end ? (recovered ? 'recovered' : 'deleted') : null,
    failed_attempts: recovered ? (end.data.failedAttempts as number) : ((failing?.data.consecutiveFailures as number | undefined) ?? null),
    duration_seconds: secondsBetween(failedAt, end?.time ?? params.to),
    failing_at_window_end: end === null,
  };
};

export const CC7_SIEM_ROW_BUILDERS: Record<string, RowBuilder> = {
  'cc7.siem-destination': buildDestinationRow,
  'cc7.siem-failure-episode': buildEpisodeRow,
};
