// Placeholder until the SAML protocol core lands.
import { KeyledgerError } from '../../platform/errors.ts';
export interface IdpMetadata { entityId: string; ssoUrl: string; ssoBinding: 'redirect' | 'post'; certificates: string[] }
export function parseIdpMetadata(_xml: string): IdpMetadata { throw new KeyledgerError('internal', 'SAML metadata parsing is not available'); }
export async function fetchIdpMetadata(_url: string, _opts?: { timeoutMs?: number }): Promise<string> { throw new KeyledgerError('internal', 'SAML metadata fetching is not available'); }
