import type { Actor, LedgerEvent } from '../audit/event.ts';
import { lookupAction } from '../audit/actions.ts';
import type { FeedEvent } from './ledger-feed.ts';
import type { StreamCheckpoint, StreamRecord } from './types.ts';
import { findOcsfMapping, OCSF_CLASSES, type OcsfMapping, type OcsfSeverity } from './ocsf-classes.ts';
import { PRODUCT_NAME, PRODUCT_VERSION, VENDOR_NAME } from './product.ts';

/**
 * Ledger records as OCSF 1.3 events (see docs/siem-formats.md). Each event
 * carries the class and activity of its action (ocsf-classes.ts), who acted
 * and from where, the user it concerns, and the whole Keyledger envelope
 * under `unmapped.keyledger`, so a SIEM loses nothing by reading OCSF.
 */

export const OCSF_VERSION = '1.3.0';
export const OCSF_LOG_NAME = 'keyledger.ledger';

const SEVERITY_NAMES: Record<number, string> = { 0: 'Unknown', 1: 'Informational', 2: 'Low', 3: 'Medium', 4: 'High', 5: 'Critical', 6: 'Fatal' };
const FINDING_SEVERITIES: Record<string, OcsfSeverity> = { info: 1, informational: 1, low: 2, medium: 3, high: 4, critical: 5 };
const FINDING_CLASSES = new Set([2003, 2004, 2005]);

type Json = Record<string, unknown>;

/** One stream record as an OCSF event object (ready for JSON.stringify). */
export function toOcsf(record: StreamRecord): Json {
  return record.kind === 'event' ? ocsfEvent(record.feed) : ocsfCheckpoint(record.checkpoint);
}

/** The class, activity, severity and status an event maps to: what the syslog and CEF encodings share. */
export interface OcsfClassification {
  classUid: number;
  activityId: number;
  severityId: OcsfSeverity;
  /** The action has no mapping (never for a catalogued action): the event goes out as a Base Event. */
  unmapped: boolean;
}

/** Classifies an event: its mapping's class and activity, and a severity from the mapping, the finding's data, or the outcome. */
export function classifyEvent(event: LedgerEvent): OcsfClassification {
  const mapping: OcsfMapping | null = findOcsfMapping(event.action);
  if (!mapping) return { classUid: 0, activityId: 99, severityId: event.outcome === 'failure' ? 3 : 1, unmapped: true };
  const activityId = typeof mapping.activityId === 'function' ? mapping.activityId(event) : mapping.activityId;
  const declared = typeof event.data.severity === 'string' ? FINDING_SEVERITIES[event.data.severity.toLowerCase()] : undefined;
  const base: OcsfSeverity = mapping.severity ?? (FINDING_CLASSES.has(mapping.classUid) ? 3 : 1);
  const fromOutcome: OcsfSeverity = event.outcome === 'failure' ? (Math.max(base, 3) as OcsfSeverity) : base;
  return { classUid: mapping.classUid, activityId, severityId: declared ?? fromOutcome, unmapped: false };
}

function ocsfEvent(feed: FeedEvent): Json {
  const event = feed.event;
  const mapping = findOcsfMapping(event.action);
  const { classUid, activityId, severityId, unmapped } = classifyEvent(event);
  const cls = OCSF_CLASSES[classUid];
  const activityName = (activityId === 99 && mapping?.label) || cls.activities[activityId] || 'Other';
  const failed = event.outcome === 'failure';
  const out: Json = {
    class_uid: classUid,
    class_name: cls.name,
    category_uid: cls.categoryUid,
    category_name: cls.categoryName,
    activity_id: activityId,
    activity_name: activityName,
    type_uid: classUid * 100 + activityId,
    type_name: unmapped ? `Keyledger unmapped action: ${event.action}` : `${cls.name}: ${activityName}`,
    severity_id: severityId,
    severity: SEVERITY_NAMES[severityId],
    time: Date.parse(event.time),
    message: messageOf(event),
    metadata: {
      product: { name: PRODUCT_NAME, vendor_name: VENDOR_NAME, version: PRODUCT_VERSION },
      version: OCSF_VERSION,
      uid: event.id,
      sequence: feed.seq,
      log_name: OCSF_LOG_NAME,
      correlation_uid: event.context.requestId,
      event_code: event.action,
      original_time: event.time,
    },
    actor: actorOf(event),
  };
  if (FINDING_CLASSES.has(classUid)) Object.assign(out, findingFields(event, classUid));
  else {
    out.status_id = failed ? 2 : 1;
    out.status = failed ? 'Failure' : 'Success';
  }
  if (failed && event.reason) {
    out.status_code = event.reason;
    out.status_detail = event.reason;
  }
  if (event.context.ip) out.src_endpoint = { ip: event.context.ip };
  if (event.context.userAgent) out.http_request = { user_agent: event.context.userAgent };
  Object.assign(out, classFields(event, classUid));
  out.unmapped = { keyledger: envelopeOf(feed) };
  return out;
}

/**
 * A signed checkpoint: a Base Event (class 0, activity Other) named "Keyledger
 * ledger checkpoint". OCSF has no class for a transparency-log tree head; the
 * SIEM keeps it as an external witness of the ledger (size, root hash and the
 * signed note, verifiable with the ledger's public key).
 */
function ocsfCheckpoint(cp: StreamCheckpoint): Json {
  return {
    class_uid: 0,
    class_name: 'Base Event',
    category_uid: 0,
    category_name: 'Uncategorized',
    activity_id: 99,
    activity_name: 'Checkpoint',
    type_uid: 99,
    type_name: 'Keyledger ledger checkpoint',
    severity_id: 1,
    severity: 'Informational',
    status_id: 1,
    status: 'Success',
    time: Date.parse(cp.createdAt),
    message: `Ledger checkpoint signed: tree size ${cp.size}, root hash ${cp.rootHash}`,
    metadata: {
      product: { name: PRODUCT_NAME, vendor_name: VENDOR_NAME, version: PRODUCT_VERSION },
      version: OCSF_VERSION,
      uid: checkpointUid(cp),
      log_name: OCSF_LOG_NAME,
      event_code: 'ledger.checkpoint',
      original_time: cp.createdAt,
    },
    unmapped: { keyledger: { kind: 'checkpoint', size: cp.size, root_hash: cp.rootHash, note: cp.note, key_id: cp.keyId, created_at: cp.createdAt } },
  };
}

/** A checkpoint's stable identity (the same checkpoint re-sent deduplicates): its size and root hash. */
export function checkpointUid(cp: StreamCheckpoint): string {
  return `checkpoint-${cp.size}-${cp.rootHash}`;
}

/** The catalogue's description of the action, with the reason when it failed. */
export function messageOf(event: LedgerEvent): string {
  const description = lookupAction(event.action)?.description ?? event.action;
  return event.outcome === 'failure' && event.reason ? `${description} Reason: ${event.reason}.` : description;
}

/** Everything the ledger holds about the event, unchanged, plus its position and leaf hash. */
function envelopeOf(feed: FeedEvent): Json {
  const e = feed.event;
  return {
    id: e.id,
    seq: feed.seq,
    leaf_hash: feed.leafHash,
    time: e.time,
    action: e.action,
    outcome: e.outcome,
    ...(e.reason ? { reason: e.reason } : {}),
    actor: e.actor,
    org: e.org,
    targets: e.targets,
    context: e.context,
    data: e.data,
    v: e.v,
  };
}

const ACTOR_TYPES: Record<Actor['type'], { typeId: number; type: string }> = {
  user: { typeId: 1, type: 'User' },
  service_account: { typeId: 99, type: 'Service Account' },
  api_key: { typeId: 99, type: 'API Key' },
  scim_directory: { typeId: 99, type: 'SCIM Directory' },
  hr_source: { typeId: 99, type: 'HR Source' },
  sso_connection: { typeId: 99, type: 'SSO Connection' },
  sso_setup_link: { typeId: 99, type: 'SSO Setup Link' },
  system: { typeId: 3, type: 'System' },
};

/** OCSF actor: who acted (a user, a machine principal or Keyledger itself), and in which session. */
function actorOf(event: LedgerEvent): Json {
  const kind = ACTOR_TYPES[event.actor.type] ?? { typeId: 99, type: event.actor.type };
  const actor: Json = { user: { uid: event.actor.id, name: event.actor.display, type_id: kind.typeId, type: kind.type }, app_name: PRODUCT_NAME };
  if (event.context.sessionId) actor.session = { uid: event.context.sessionId };
  return actor;
}

/** The object without its undefined members (they would vanish in JSON anyway; a consumer sees what is sent). */
function compact(o: Record<string, unknown>): Json {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** The user (or service account) an IAM event concerns: a user target, else the user or principal named in the data, else a service account target, else only the email address asked about. */
export function subjectUser(event: LedgerEvent): { uid?: string; name?: string; email_addr?: string; type?: string } | null {
  const userTarget = event.targets.find((t) => t.type === 'user');
  const accountTarget = event.targets.find((t) => t.type === 'service_account');
  const email = str(event.data.email);
  let uid = userTarget?.id ?? str(event.data.userId);
  let name = userTarget?.display;
  let type: string | undefined;
  const principal = str(event.data.principalId);
  if (!uid && principal) {
    uid = principal;
    if (event.data.principalType === 'service_account') {
      type = 'Service Account';
      name = accountTarget?.id === principal ? accountTarget.display : undefined;
    }
  } else if (!uid && accountTarget) {
    uid = accountTarget.id;
    name = accountTarget.display;
    type = 'Service Account';
  }
  if (!uid && !email) return null;
  return compact({ uid, name: name ?? email, email_addr: email, type }) as { uid?: string; name?: string; email_addr?: string; type?: string };
}

function privilegesOf(event: LedgerEvent): string[] | undefined {
  const key = str(event.data.roleKey) ?? str(event.data.roleId);
  return key ? [key] : undefined;
}

/** The fields each class asks for, beyond the base event. */
function classFields(event: LedgerEvent, classUid: number): Json {
  const user = subjectUser(event);
  const withUser = user ? { user } : {};
  switch (classUid) {
    case 3002: {
      const out: Json = { ...withUser };
      const sessionId = str(event.data.sessionId) ?? (event.targets.find((t) => t.type === 'session')?.id);
      if (sessionId) out.session = { uid: sessionId };
      const amr = Array.isArray(event.data.amr) ? (event.data.amr as string[]) : undefined;
      if (amr) out.is_mfa = amr.length > 1 || amr.includes('mfa');
      if (event.action.startsWith('sso.')) {
        const saml = event.data.type === 'saml';
        out.auth_protocol_id = saml ? 5 : 4;
        out.auth_protocol = saml ? 'SAML' : 'OpenID';
      } else if (event.action.startsWith('oidc.')) {
        out.auth_protocol_id = 4;
        out.auth_protocol = 'OpenID';
        const app = event.targets.find((t) => t.type === 'oidc_application') ?? (str(event.data.clientId) ? { id: str(event.data.clientId)!, display: undefined } : undefined);
        if (app) out.service = { uid: app.id, name: app.display ?? app.id };
      }
      return out;
    }
    case 3001:
      return withUser;
    case 3003:
    case 3005: {
      const privileges = privilegesOf(event);
      return { ...withUser, ...(privileges ? { privileges } : {}) };
    }
    case 3006: {
      const groupTarget = event.targets.find((t) => t.type.endsWith('group')) ?? event.targets[0];
      const group = event.action.startsWith('identity.membership.')
        ? { uid: event.org ?? undefined, name: event.org ?? undefined, type: 'Organization' }
        : { uid: str(event.data.groupId) ?? groupTarget?.id, name: str(event.data.groupDisplayName) ?? str(event.data.displayName) ?? str(event.data.group) ?? groupTarget?.display };
      const privileges = privilegesOf(event);
      return { group: compact(group), ...withUser, ...(privileges ? { privileges } : {}) };
    }
    case 3004: {
      const t = event.targets[0];
      const out: Json = t ? { entity: { uid: t.id, name: t.display ?? t.id, type: t.type } } : { entity: { name: event.action, type: 'unknown' } };
      if (user) out.user = user;
      return out;
    }
    default:
      return {};
  }
}

const FINDING_STATUS: Record<string, number> = { opened: 1, raised: 1, reopened: 1, breached: 1, acknowledged: 2, updated: 2, event_linked: 2, note_added: 2, resolved: 4, closed: 4 };

/** Findings: finding_info, and status_id as OCSF defines it for findings (the finding's state, not the event's outcome). */
function findingFields(event: LedgerEvent, classUid: number): Json {
  const verb = event.action.slice(event.action.lastIndexOf('.') + 1);
  const target = event.targets[0];
  const uid = str(event.data.findingId) ?? str(event.data.alertId) ?? str(event.data.incidentId) ?? str(event.data.leaverId) ?? target?.id ?? event.id;
  const title = str(event.data.title) ?? str(event.data.rule) ?? str(event.data.kind) ?? target?.display ?? event.action;
  const info: Json = { uid, title, desc: messageOf(event), types: [event.action], created_time: Date.parse(event.time) };
  let statusId = FINDING_STATUS[verb] ?? 99;
  // Incident Finding has its own states: 1 New, 2 In Progress, 3 On Hold, 4 Resolved, 5 Closed.
  if (classUid === 2005 && verb === 'closed') statusId = 5;
  const statusNames: Record<number, string> = { 1: 'New', 2: 'In Progress', 4: 'Resolved', 5: 'Closed', 99: 'Other' };
  const out: Json = { status_id: statusId, status: statusNames[statusId] };
  if (classUid === 2005) out.finding_info_list = [info];
  else out.finding_info = info;
  if (classUid === 2003) {
    const control = str(event.data.control) ?? str(event.data.criterion) ?? (event.action === 'lifecycle.sla.breached' ? 'CC6.2' : undefined);
    out.compliance = { standards: ['SOC 2'], ...(control ? { control } : {}), status: statusId === 4 ? 'Pass' : 'Fail', status_id: statusId === 4 ? 1 : 3 };
  }
  return out;
}
