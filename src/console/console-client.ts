import { CONSOLE_CLIENT_ID } from './operator.ts';

/** Where the console lives and comes back to after sign-in. */
export function consoleUrls(publicUrl: string) {
  return { home: `${publicUrl}/console/`, callback: `${publicUrl}/console/callback` };
}

/**
 * The console as a client of Keyledger's own OpenID provider: a public client
 * (no secret can be kept in a browser) of the operator organization, with the
 * authorization-code flow and PKCE (required for every client), first party
 * (no consent screen), no refresh tokens (a new sign-in is silent while the
 * Keyledger session lives), and short-lived access tokens.
 */
export function consoleClientMetadata(publicUrl: string, operatorOrgId: string, accessTokenTtlSeconds = 900): Record<string, unknown> {
  const urls = consoleUrls(publicUrl);
  return {
    client_id: CONSOLE_CLIENT_ID,
    client_name: 'Keyledger console',
    application_type: 'web',
    token_endpoint_auth_method: 'none',
    grant_types: ['authorization_code'],
    response_types: ['code'],
    redirect_uris: [urls.callback],
    post_logout_redirect_uris: [urls.home],
    scope: 'openid profile email',
    kl_org_id: operatorOrgId,
    kl_kind: 'console',
    kl_access_token_ttl: accessTokenTtlSeconds,
    kl_id_token_ttl: accessTokenTtlSeconds,
    kl_required_acr: null,
    kl_first_party: true,
  };
}
