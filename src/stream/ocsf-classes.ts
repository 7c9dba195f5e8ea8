import type { LedgerEvent } from '../audit/event.ts';

/**
 * The OCSF 1.3 event classes Keyledger emits, and the table that gives every
 * ledger action its class and activity. An action is mapped by its exact name
 * (every action of ACTION_CATALOGUE has a row; a test enforces it) or by one of
 * the explicit prefix rules below (actions of the monitoring and streaming
 * capabilities, whose verbs decide the activity). There is no catch-all rule.
 */

export interface OcsfClass {
  name: string;
  categoryUid: number;
  categoryName: string;
  activities: Record<number, string>;
}

const FINDING_ACTIVITIES = { 0: 'Unknown', 1: 'Create', 2: 'Update', 3: 'Close', 99: 'Other' };

export const OCSF_CLASSES: Record<number, OcsfClass> = {
  0: { name: 'Base Event', categoryUid: 0, categoryName: 'Uncategorized', activities: { 0: 'Unknown', 99: 'Other' } },
  2003: { name: 'Compliance Finding', categoryUid: 2, categoryName: 'Findings', activities: FINDING_ACTIVITIES },
  2004: { name: 'Detection Finding', categoryUid: 2, categoryName: 'Findings', activities: FINDING_ACTIVITIES },
  2005: { name: 'Incident Finding', categoryUid: 2, categoryName: 'Findings', activities: FINDING_ACTIVITIES },
  3001: {
    name: 'Account Change',
    categoryUid: 3,
    categoryName: 'Identity & Access Management',
    activities: { 0: 'Unknown', 1: 'Create', 2: 'Enable', 3: 'Password Change', 4: 'Password Reset', 5: 'Disable', 6: 'Delete', 7: 'Attach Policy', 8: 'Detach Policy', 9: 'Lock', 10: 'MFA Factor Enable', 11: 'MFA Factor Disable', 12: 'Unlock', 99: 'Other' },
  },
  3002: {
    name: 'Authentication',
    categoryUid: 3,
    categoryName: 'Identity & Access Management',
    activities: { 0: 'Unknown', 1: 'Logon', 2: 'Logoff', 3: 'Authentication Ticket', 4: 'Service Ticket Request', 5: 'Service Ticket Renew', 6: 'Preauth', 99: 'Other' },
  },
  3003: { name: 'Authorize Session', categoryUid: 3, categoryName: 'Identity & Access Management', activities: { 0: 'Unknown', 1: 'Assign Privileges', 2: 'Assign Groups', 99: 'Other' } },
  3004: { name: 'Entity Management', categoryUid: 3, categoryName: 'Identity & Access Management', activities: { 0: 'Unknown', 1: 'Create', 2: 'Read', 3: 'Update', 4: 'Delete', 5: 'Move', 99: 'Other' } },
  3005: { name: 'User Access Management', categoryUid: 3, categoryName: 'Identity & Access Management', activities: { 0: 'Unknown', 1: 'Assign Privileges', 2: 'Revoke Privileges', 99: 'Other' } },
  3006: {
    name: 'Group Management',
    categoryUid: 3,
    categoryName: 'Identity & Access Management',
    activities: { 0: 'Unknown', 1: 'Assign Privileges', 2: 'Revoke Privileges', 3: 'Add User', 4: 'Remove User', 5: 'Delete', 6: 'Create', 99: 'Other' },
  },
};

/** OCSF severity_id: 1 Informational, 2 Low, 3 Medium, 4 High, 5 Critical. */
export type OcsfSeverity = 1 | 2 | 3 | 4 | 5;

export interface OcsfMapping {
  classUid: keyof typeof OCSF_CLASSES;
  /** The activity, or a function of the event when the data decides it (e.g. the status a user moved to). */
  activityId: number | ((event: LedgerEvent) => number);
  /** A label for activity 99 (Other), so the SIEM sees what happened rather than "Other". */
  label?: string;
  /** The event's severity when it is not simply Informational on success and Medium on failure. */
  severity?: OcsfSeverity;
}

type Row = [classUid: number, activityId: OcsfMapping['activityId'], label?: string, severity?: OcsfSeverity];

// Entity Management activities.
const CREATE = 1, READ = 2, UPDATE = 3, DELETE = 4, OTHER = 99;
const entity = (activityId: number, label?: string, severity?: OcsfSeverity): Row => [3004, activityId, label, severity];
const account = (activityId: OcsfMapping['activityId'], label?: string, severity?: OcsfSeverity): Row => [3001, activityId, label, severity];
const authentication = (activityId: number, label?: string, severity?: OcsfSeverity): Row => [3002, activityId, label, severity];

/** A user's new status decides the Account Change activity: Enable (active), Disable (suspended), Delete (deprovisioned). */
function statusActivity(event: LedgerEvent): number {
  const after = event.data.after;
  if (after === 'active') return 2;
  if (after === 'suspended') return 5;
  if (after === 'deprovisioned') return 6;
  return 99;
}

/** Members added only: Add User; removed only: Remove User; both or neither: Other. */
function membersActivity(event: LedgerEvent): number {
  const count = (v: unknown) => (Array.isArray(v) ? v.length : 0);
  const added = count(event.data.added);
  const removed = count(event.data.removed);
  if (added > 0 && removed === 0) return 3;
  if (removed > 0 && added === 0) return 4;
  return 99;
}

const ROWS: Record<string, Row> = {
  'identity.organization.created': entity(CREATE),
  'identity.organization.updated': entity(UPDATE),
  'identity.user.created': account(1),
  'identity.user.updated': entity(UPDATE),
  'identity.user.status_changed': account(statusActivity, 'Status Change'),
  'identity.user.email_verified': account(OTHER, 'Email Verified'),
  'identity.user.access_revoked': [3005, 2],
  'identity.membership.created': [3006, 3],
  'identity.membership.deleted': [3006, 4],
  'identity.service_account.created': account(1),
  'identity.service_account.updated': entity(UPDATE),
  'identity.service_account.owner_changed': entity(UPDATE),
  'identity.service_account.owner_removed': entity(UPDATE, undefined, 2),
  'identity.service_account.disabled': account(5),
  'identity.service_account.enabled': account(2),
  'identity.service_account.deleted': account(6),
  'identity.service_account.credential_created': entity(CREATE),
  'identity.service_account.credential_revoked': entity(DELETE),
  'identity.service_account.credential_rotated': entity(UPDATE),
  'access.role.created': entity(CREATE),
  'access.role.updated': entity(UPDATE),
  'access.role.deleted': entity(DELETE),
  'access.assignment.granted': [3005, 1],
  'access.assignment.revoked': [3005, 2],
  'access.assignment.expired': [3005, 2],
  'access.eligibility.granted': [3005, 1],
  'access.eligibility.revoked': [3005, 2],
  'access.eligibility.expired': [3005, 2],
  'access.elevation.activated': [3003, 1],
  'access.elevation.ended': [3003, 99, 'Privileges Ended'],
  'access.request.created': entity(CREATE),
  'access.request.cancelled': entity(UPDATE),
  'access.request.approval_recorded': entity(UPDATE),
  'access.request.approved': entity(UPDATE),
  'access.request.denied': entity(UPDATE),
  'access.request.expired': entity(UPDATE),
  'access.review.campaign_opened': entity(CREATE),
  'access.review.item_decided': entity(UPDATE),
  'access.review.item_delegated': entity(UPDATE),
  'access.review.reviewer_signed_off': entity(UPDATE),
  'access.review.campaign_closed': entity(UPDATE),
  'access.review.campaign_overdue': entity(OTHER, 'Overdue', 2),
  'access.review.reminder_sent': entity(OTHER, 'Reminder Sent'),
  'platform.api_key.created': entity(CREATE),
  'platform.api_key.revoked': entity(DELETE),
  'platform.bootstrap.link_issued': entity(CREATE),
  'platform.bootstrap.completed': entity(UPDATE),
  'sessions.session.created': authentication(1),
  'sessions.session.stepped_up': authentication(OTHER, 'Step-Up'),
  'sessions.session.revoked': authentication(2),
  'authn.password.changed': account(3),
  'authn.totp.enrollment_started': account(OTHER, 'MFA Enrollment Started'),
  'authn.totp.enrolled': account(10),
  'authn.totp.removed': account(11),
  'authn.recovery_codes.generated': account(10),
  'authn.factors.reset': account(11, undefined, 2),
  'authn.recovery_code.used': authentication(OTHER, 'Recovery Code Used', 2),
  'authn.passkey.registered': account(10),
  'authn.passkey.renamed': entity(UPDATE),
  'authn.passkey.removed': account(11),
  'authn.login.password_verified': authentication(OTHER, 'Password Verified'),
  'authn.login.factor_verified': authentication(OTHER, 'Second Factor Verified'),
  'authn.login.succeeded': authentication(1),
  'authn.login.failed': authentication(1),
  'authn.reauthentication.failed': authentication(OTHER, 'Reauthentication'),
  'authn.step_up.failed': authentication(OTHER, 'Step-Up'),
  'authn.account.locked': account(9, undefined, 3),
  'authn.account.unlocked': account(12),
  'authn.ip.throttled': authentication(OTHER, 'Address Throttled', 3),
  'authn.invitation.created': entity(CREATE),
  'authn.invitation.revoked': entity(DELETE),
  'authn.invitation.accepted': entity(UPDATE),
  'authn.signup.registered': account(1),
  'authn.signup.refused': account(1),
  'authn.email_verification.requested': account(OTHER, 'Email Verification Requested'),
  'authn.password_reset.requested': account(OTHER, 'Password Reset Requested'),
  'authn.password_reset.completed': account(4),
  'oidc.signing_key.created': entity(CREATE),
  'oidc.signing_key.retired': entity(UPDATE),
  'oidc.token.replay_detected': authentication(OTHER, 'Token Replay', 4),
  'oidc.authorization.granted': authentication(4),
  'oidc.authorization.denied': authentication(4),
  'oidc.application.created': entity(CREATE),
  'oidc.application.updated': entity(UPDATE),
  'oidc.application.secret_rotated': entity(UPDATE),
  'oidc.application.disabled': entity(UPDATE),
  'oidc.application.enabled': entity(UPDATE),
  'oidc.application.deleted': entity(DELETE),
  'scim.directory.created': entity(CREATE),
  'scim.directory.updated': entity(UPDATE),
  'scim.token.created': entity(CREATE),
  'scim.token.rotated': entity(UPDATE),
  'scim.token.revoked': entity(DELETE),
  'scim.user.created': account(1),
  'scim.user.updated': entity(UPDATE),
  'scim.user.deleted': account(6),
  'scim.user.linked': entity(UPDATE),
  'scim.user.link_conflict': entity(OTHER, 'Link Conflict', 2),
  'scim.group.created': [3006, 6],
  'scim.group.updated': [3006, 99, 'Group Updated'],
  'scim.group.members_changed': [3006, membersActivity, 'Members Changed'],
  'scim.group.deleted': [3006, 5],
  'scim.group_mapping.created': [3006, 1],
  'scim.group_mapping.deleted': [3006, 2],
  'scim.resources.read': entity(READ),
  'lifecycle.user.moved': entity(UPDATE),
  'lifecycle.user.deprovisioned': account(5),
  'lifecycle.user.reactivated': account(2),
  'lifecycle.deprovisioning.skipped': account(OTHER, 'Deprovisioning Skipped'),
  'lifecycle.sla.breached': [2003, 1, undefined, 3],
  'lifecycle.hr_source.created': entity(CREATE),
  'lifecycle.hr_source.secret_rotated': entity(UPDATE),
  'lifecycle.hr_source.deleted': entity(DELETE),
  'lifecycle.hr_event.received': entity(OTHER, 'HR Event Received'),
  'lifecycle.hr_event.unmatched': entity(OTHER, 'HR Event Unmatched', 2),
  'lifecycle.termination.carried_out': account(5),
  'ledger.signing_key.created': entity(CREATE),
  'sso.connection.created': entity(CREATE),
  'sso.connection.updated': entity(UPDATE),
  'sso.connection.deleted': entity(DELETE),
  'sso.certificate.added': entity(CREATE),
  'sso.certificate.removed': entity(DELETE),
  'sso.domain.added': entity(CREATE),
  'sso.domain.verified': entity(UPDATE),
  'sso.domain.removed': entity(DELETE),
  'sso.group_mapping.created': [3006, 1],
  'sso.group_mapping.deleted': [3006, 2],
  'sso.login.succeeded': authentication(1),
  'sso.login.failed': authentication(1),
  'sso.identity.linked': entity(UPDATE),
  'sso.setup_link.created': entity(CREATE),
  'sso.setup_link.revoked': entity(DELETE),
  'sso.connection.test_started': entity(CREATE),
  'sso.connection.tested': authentication(OTHER, 'Connection Test'),
  'notify.webhook.created': entity(CREATE),
  'notify.webhook.deleted': entity(DELETE),
  'notify.webhook.secret_rotated': entity(UPDATE),
};

/** A rule for a family of actions: its class, and the activity each verb (the last part of the action) means. */
export interface OcsfPrefixRule {
  prefix: string;
  classUid: number;
  verbs: Record<string, number>;
  /** Verbs whose event deserves a severity above Informational. */
  severities?: Record<string, OcsfSeverity>;
}

/**
 * The monitoring and streaming capabilities' actions, mapped by prefix so a
 * verb added there is mapped (to its class, activity Other) before this table
 * learns it. Findings: 1 Create, 2 Update, 3 Close.
 */
export const OCSF_PREFIX_RULES: OcsfPrefixRule[] = [
  { prefix: 'monitor.finding.', classUid: 2003, verbs: { opened: 1, reopened: 2, acknowledged: 2, resolved: 3, closed: 3 } },
  { prefix: 'monitor.alert.', classUid: 2004, verbs: { raised: 1, updated: 2, acknowledged: 2, closed: 3 } },
  { prefix: 'monitor.incident.', classUid: 2005, verbs: { opened: 1, updated: 2, event_linked: 2, note_added: 2, resolved: 3, closed: 3 } },
  {
    prefix: 'stream.destination.',
    classUid: 3004,
    verbs: { created: CREATE, updated: UPDATE, deleted: DELETE, paused: UPDATE, resumed: UPDATE, rewound: UPDATE, secret_rotated: UPDATE, failing: OTHER, recovered: OTHER },
    severities: { failing: 3 },
  },
  { prefix: 'evidence.export.', classUid: 3004, verbs: { requested: CREATE, completed: OTHER, failed: OTHER, downloaded: READ }, severities: { failed: 3 } },
];

const titleCase = (verb: string) => verb.split('_').map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join(' ');

/**
 * The class and activity of an action: its row in the table, or the prefix
 * rule that covers it; null when neither does (a test keeps that from
 * happening for any catalogued action).
 */
export function findOcsfMapping(action: string): OcsfMapping | null {
  const row = Object.prototype.hasOwnProperty.call(ROWS, action) ? ROWS[action] : undefined;
  if (row) return { classUid: row[0], activityId: row[1], label: row[2], severity: row[3] };
  const rule = OCSF_PREFIX_RULES.find((r) => action.startsWith(r.prefix));
  if (!rule) return null;
  const verb = action.slice(rule.prefix.length);
  const activityId = rule.verbs[verb] ?? OTHER;
  return { classUid: rule.classUid, activityId, label: activityId === OTHER ? titleCase(verb) : undefined, severity: rule.severities?.[verb] };
}

/** The actions with a row of their own (for the documentation and the coverage test). */
export function mappedActions(): string[] {
  return Object.keys(ROWS);
}
