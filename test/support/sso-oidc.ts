import { randomBytes } from 'node:crypto';
import type { Configuration } from 'openid-client';
import type { OidcConnectionConfig } from '../../src/sso/oidc/connection-config.ts';
import { createOidcAuthorizationUrl } from '../../src/sso/oidc/authorization-url.ts';
import { flowSecrets, type OidcFlowSecrets } from '../../src/sso/oidc/flow-secrets.ts';
import type { IdpClient, OidcIdp } from './oidc-idp.ts';

export const REDIRECT_URI = 'https://keyledger.example/sso/oidc/callback';

/** The server key flow secrets are derived from in these tests. */
export const FLOW_KEY = randomBytes(32);

/** Registers a fresh client at the IdP and returns the connection Keyledger would hold for it. */
export function connectTo(idp: OidcIdp, client: Partial<IdpClient> = {}, overrides: Partial<OidcConnectionConfig> = {}): OidcConnectionConfig {
  const registered: IdpClient = {
    clientId: `kl-${randomBytes(4).toString('hex')}`,
    clientSecret: randomBytes(24).toString('base64url'),
    redirectUris: [REDIRECT_URI],
    ...client,
  };
  idp.registerClient(registered);
  return { issuer: idp.issuer, clientId: registered.clientId, clientSecret: registered.clientSecret, redirectUri: REDIRECT_URI, ...overrides };
}

export interface StartedSignIn extends OidcFlowSecrets {
  state: string;
  url: URL;
}

/** What the SSO service does when a sign-in starts: a random state, its derived secrets, the IdP URL. */
export function beginSignIn(configuration: Configuration, config: OidcConnectionConfig, loginHint?: string): StartedSignIn {
  const state = randomBytes(24).toString('base64url');
  const secrets = flowSecrets(FLOW_KEY, state);
  return { state, ...secrets, url: createOidcAuthorizationUrl(configuration, config, { state, ...secrets, loginHint }) };
}
