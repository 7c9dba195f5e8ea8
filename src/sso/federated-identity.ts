/**
 * The contract between the two sign-in protocols of an enterprise SSO
 * connection (`saml/`, `oidc/`) and the rest of `src/sso`: what the
 * customer's identity provider said about the person signing in, once every
 * protocol check has passed. The service links it to an account (or
 * provisions one just in time), records it in the ledger and opens a session.
 */
export interface FederatedIdentity {
  /** The IdP's stable id for the person: the SAML NameID, or the OIDC `sub`. */
  subject: string;
  /** The IdP that vouched: the SAML assertion's Issuer, or the OIDC `iss`. */
  issuer: string;
  /** The email address the IdP asserted (lower-cased), or null when it sent none. */
  email: string | null;
  givenName: string | null;
  familyName: string | null;
  /** A display name, when the IdP sent one. */
  name: string | null;
  /** Group names or ids the IdP sent (mapped to roles by the connection's rules). */
  groups: string[];
  /** Everything received, attribute name → values (shown by "test connection"; never secrets). */
  attributes: Record<string, string[]>;
  /** The id of what proved the sign-in: the SAML Assertion ID, or the ID token's `jti` (else a SHA-256 of the ID token). */
  tokenId: string;
  /** When that proof stops being acceptable (SAML NotOnOrAfter / ID token `exp`), ISO 8601; replay records live until then. */
  expiresAt: string | null;
  /** The SAML AuthnRequest ID or OIDC state this answered, or null for an IdP-initiated SAML response. */
  inResponseTo: string | null;
  /** Whether the IdP said it used more than one factor (OIDC amr, SAML AuthnContextClassRef). */
  mfa: boolean;
  /** The IdP's session index (SAML), for the record. */
  sessionIndex: string | null;
}
