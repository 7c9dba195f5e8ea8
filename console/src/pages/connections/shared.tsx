import { useState, type ReactNode } from 'react';
import { Badge } from '../../components/states.tsx';
import { useOrg } from '../../org-context.tsx';
import { Link } from '../../router.tsx';

/* Shapes of the connections APIs (src/sso/schemas.ts, src/scim/admin-schemas.ts, src/lifecycle/schemas.ts). */

export interface Certificate {
  fingerprint: string;
  subject: string;
  notBefore: string;
  notAfter: string;
  addedAt: string;
}

export interface SsoConnection {
  id: string;
  type: 'saml' | 'oidc';
  name: string;
  status: 'active' | 'disabled';
  allowIdpInitiated: boolean;
  jitProvisioning: boolean;
  loginUrl: string;
  createdAt: string;
  updatedAt: string;
  lastLoginAt: string | null;
  saml: { idpEntityId: string; ssoUrl: string; ssoBinding: string; certificates: Certificate[]; clockSkewSeconds: number; metadataUrl: string | null; spEntityId: string; acsUrl: string; spMetadataUrl: string; spCertificate: string } | null;
  oidc: { issuer: string; clientId: string; scopes: string[]; redirectUri: string } | null;
}

export interface SsoDomain {
  id: string;
  domain: string;
  verified: boolean;
  verifiedAt: string | null;
  verifiedVia: 'dns' | 'attestation' | null;
  txtRecord: { name: string; type: 'TXT'; value: string };
  createdAt: string;
}

export interface ConnectionTest {
  id: string;
  outcome: 'succeeded' | 'failed';
  subject: string | null;
  email: string | null;
  attributes: Record<string, string[]>;
  errorCode: string | null;
  createdAt: string;
}

export interface GroupRule {
  id: string;
  group: string;
  roleKey: string;
  privileged: boolean;
  createdAt: string;
}

export interface LedgerEvent {
  id: string;
  seq: number;
  time: string;
  action: string;
  outcome: string;
  reason?: string;
  actor: { type: string; id: string; display: string };
  targets: Array<{ type: string; id: string; display?: string }>;
  data: Record<string, unknown>;
}

/** `/api/v1/organizations/<org>` for the organization chosen in the header, or null before one is. */
export function useOrgApi(): string | null {
  const { org } = useOrg();
  return org ? `/api/v1/organizations/${encodeURIComponent(org.id)}` : null;
}

/** Active / disabled as a badge with its word. */
export function StatusBadge({ status }: { status: string }) {
  const tone = status === 'active' || status === 'succeeded' ? 'good' : status === 'expiring' ? 'warn' : status === 'disabled' || status === 'expired' ? 'neutral' : 'bad';
  return <Badge tone={tone}>{status}</Badge>;
}

/** A value to paste somewhere else (an SP URL, a SCIM endpoint), with a copy button labelled by what it is. */
export function CopyValue({ label, value }: { label: string; value: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <span className="copy-value">
      <code data-testid={`copy-${label}`}>{value}</code>{' '}
      <button type="button" className="small" aria-label={`Copy ${label}`} onClick={() => void navigator.clipboard?.writeText(value).then(() => setCopied(true))}>
        {copied ? 'Copied' : 'Copy'}
      </button>
    </span>
  );
}

/** The step list of the SSO wizard: where the user is, as text (not colour alone). */
export function WizardSteps({ current, steps }: { current: number; steps: string[] }) {
  return (
    <ol className="steps wizard-steps" aria-label="Setup steps">
      {steps.map((label, i) => {
        const n = i + 1;
        const state = n < current ? 'done' : n === current ? 'current' : 'to do';
        return (
          <li key={label} aria-current={n === current ? 'step' : undefined} className={`wizard-step-${state.replace(' ', '-')}`}>
            Step {n}: {label} <span className="muted small">({state})</span>
          </li>
        );
      })}
    </ol>
  );
}

/** A link to the ledger explorer for one event. */
export function EventLink({ id, children }: { id: string; children?: ReactNode }) {
  return <Link to={`/audit/events/${id}`}>{children ?? <code>{id.slice(0, 8)}…</code>}</Link>;
}
