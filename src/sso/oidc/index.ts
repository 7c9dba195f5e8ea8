// Placeholder until the OIDC relying-party core lands.
import { KeyledgerError } from '../../platform/errors.ts';
import type { FederatedIdentity } from '../federated-identity.ts';
export interface OidcConnectionConfig { issuer: string; clientId: string; clientSecret: string; scopes: string[]; redirectUri: string }
export type Configuration = unknown;
export interface OidcDiscoveryCache { get(config: OidcConnectionConfig): Promise<Configuration>; invalidate(issuer: string): void }
export function createOidcDiscoveryCache(_opts: { ttlMs: number }): OidcDiscoveryCache { return { get: async () => { throw new KeyledgerError('internal', 'OIDC is not available'); }, invalidate: () => {} }; }
export function flowSecrets(_key: Buffer, _state: string): { nonce: string; codeVerifier: string } { throw new KeyledgerError('internal', 'OIDC is not available'); }
export function createOidcAuthorizationUrl(_c: Configuration, _config: OidcConnectionConfig, _p: { state: string; nonce: string; codeVerifier: string; loginHint?: string }): URL { throw new KeyledgerError('internal', 'OIDC is not available'); }
export async function completeOidcCallback(_c: Configuration, _config: OidcConnectionConfig, _p: { callbackUrl: URL; expectedState: string; nonce: string; codeVerifier: string }): Promise<FederatedIdentity> { throw new KeyledgerError('internal', 'OIDC is not available'); }
export async function discoverOidcProvider(_config: OidcConnectionConfig): Promise<Configuration> { throw new KeyledgerError('internal', 'OIDC is not available'); }
