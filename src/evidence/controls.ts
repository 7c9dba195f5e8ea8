import type { CriterionId } from './model.ts';

/** A SOC 2 criterion as Keyledger implements it: the statement of the control and where its evidence is. */
export interface ControlImplementation {
  criterion: CriterionId;
  /** The Trust Services criteria ids it answers (OSCAL control ids, lower case). */
  controlIds: string[];
  title: string;
  statement: string;
  /** Evidence files in an export, `<folder>/<stem>` (each written as .csv and .json unless it has an extension). */
  evidence: string[];
}

/** What Keyledger implements, per criterion; `docs/soc2/controls-matrix.md` says the same in prose. */
export const CONTROL_IMPLEMENTATIONS: ControlImplementation[] = [
  {
    criterion: 'CC6.1',
    controlIds: ['cc6.1'],
    title: 'Logical access security',
    statement: 'Applications authenticate users through Keyledger (OpenID Connect, enterprise SSO) under the organization’s MFA policy; directories provision through SCIM.',
    evidence: ['CC6.1/applications', 'CC6.1/authentication-methods', 'CC6.1/mfa-policy'],
  },
  {
    criterion: 'CC6.2',
    controlIds: ['cc6.2'],
    title: 'Registration and authorization before access',
    statement: 'Users are registered through invitations, sign-up policy, SCIM or SSO provisioning; access is granted through approved requests, and the ledger shows the approval preceding the grant.',
    evidence: ['CC6.2/new-users'],
  },
  {
    criterion: 'CC6.3',
    controlIds: ['cc6.3'],
    title: 'Role changes and access reviews',
    statement: 'Role changes follow approval policies; role definitions change under audit; access review campaigns run on schedule with reviewer decisions and sign-off.',
    evidence: ['CC6.3/role-changes', 'CC6.3/role-definitions', 'CC6.3/access-review-campaigns', 'CC6.3/access-review-decisions'],
  },
  {
    criterion: 'CC6.5',
    controlIds: ['cc6.5'],
    title: 'Removal of access',
    statement: 'HR and directory terminations deprovision the user (sessions, tokens, grants, owned credentials) and the time from termination to removal is measured against the SLA.',
    evidence: ['CC6.5/leavers', 'CC6.5/deprovisioning-latency.svg'],
  },
  {
    criterion: 'CC6.6',
    controlIds: ['cc6.6'],
    title: 'Authentication and MFA',
    statement: 'TOTP and passkeys with per-organization and per-role MFA policy; privileged users covered by phishing-resistant factors; sign-in throttling and lockout.',
    evidence: ['CC6.6/mfa-accounts', 'CC6.6/privileged-phishing-resistant', 'CC6.6/lockouts', 'CC6.6/lockout-policy', 'CC6.6/rate-limits'],
  },
  {
    criterion: 'CC6.7',
    controlIds: ['cc6.7'],
    title: 'Transmission and session security',
    statement: '__Host- session cookies (HttpOnly, Secure, SameSite) with idle and absolute timeouts, bounded token lifetimes, secrets hashed or envelope-encrypted at rest, rotating signing keys.',
    evidence: ['CC6.7/session-settings', 'CC6.7/token-lifetimes', 'CC6.7/transport', 'CC6.7/encryption-at-rest', 'CC6.7/signing-keys'],
  },
  {
    criterion: 'CC7.2-CC7.3',
    controlIds: ['cc7.2', 'cc7.3'],
    title: 'Monitoring, detection and incident response',
    statement: 'Documented detection rules raise alerts, control-drift findings track their lifecycle, incidents record the response, and the ledger streams to SIEMs with delivery health.',
    evidence: ['CC7.2-CC7.3/detection-rules', 'CC7.2-CC7.3/alerts', 'CC7.2-CC7.3/findings', 'CC7.2-CC7.3/incidents', 'CC7.2-CC7.3/siem-destinations', 'CC7.2-CC7.3/siem-delivery-health'],
  },
  {
    criterion: 'privileged-access',
    controlIds: ['cc6.1', 'cc6.3'],
    title: 'Privileged access',
    statement: 'Privileged roles are held time-bound through just-in-time elevation with eligibility, justification and approval, and standing privileged assignments are findings.',
    evidence: ['privileged-access/privileged-principals', 'privileged-access/jit-activations'],
  },
  {
    criterion: 'log-integrity',
    controlIds: ['cc7.2'],
    title: 'Log integrity',
    statement: 'Every change is an event in an RFC 6962 Merkle ledger with Ed25519-signed checkpoints; inclusion and consistency proofs let anyone check the log was neither altered nor rewritten.',
    evidence: ['log-integrity/checkpoints', 'log-integrity/consistency-proof.json', 'log-integrity/retention'],
  },
];
