/**
 * The authentication context classes (acr) a Keyledger session can reach,
 * lowest first. Relying parties read them from tokens; the MFA policy maps a
 * session's amr to one of them (`acrForAmr`).
 */
/** A password only. */
export const ACR_PASSWORD = 'urn:keyledger:acr:pwd';
/** Two factors: a password and an authenticator-app or recovery code. */
export const ACR_MFA = 'urn:keyledger:acr:mfa';
/** A passkey (origin-bound key with user verification): phishing-resistant. */
export const ACR_PHISHING_RESISTANT = 'urn:keyledger:acr:phr';

/** Whether an authorization request's `acr_values` asks for a phishing-resistant sign-in (a passkey). */
export function asksPhishingResistant(acrValues: unknown): boolean {
  return typeof acrValues === 'string' && acrValues.split(' ').includes(ACR_PHISHING_RESISTANT);
}
