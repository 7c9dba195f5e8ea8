// Placeholder until the SAML protocol core lands.
import { KeyledgerError } from '../../platform/errors.ts';
import type { FederatedIdentity } from '../federated-identity.ts';
export interface SamlConnectionConfig { idpEntityId: string; ssoUrl: string; ssoBinding: 'redirect' | 'post'; certificates: string[]; spEntityId: string; acsUrl: string; spPrivateKeyPem: string; spCertificatePem: string; clockSkewSeconds: number; allowIdpInitiated: boolean }
export function serviceProviderMetadata(_config: SamlConnectionConfig): string { throw new KeyledgerError('internal', 'SAML is not available'); }
export async function createAuthnRequest(_config: SamlConnectionConfig, _relayState: string): Promise<{ requestId: string; redirectUrl: string } | { requestId: string; form: { action: string; fields: Record<string, string> } }> { throw new KeyledgerError('internal', 'SAML is not available'); }
export async function validateSamlResponse(_config: SamlConnectionConfig, _samlResponse: string, _opts: { now: Date; expectedRequestId: (inResponseTo: string) => Promise<boolean> }): Promise<FederatedIdentity> { throw new KeyledgerError('internal', 'SAML is not available'); }
