import type { AttributeMapping } from './connection-settings.ts';
import type { FederatedIdentity } from './federated-identity.ts';

/**
 * Applies a connection's attribute mapping to what the protocol read: each
 * mapped field is taken from the named attribute (SAML) or claim (OIDC)
 * instead of the usual names. A mapped attribute the IdP did not send leaves
 * the field empty, so a wrong mapping shows up in "test connection" rather
 * than silently falling back.
 */
export function applyAttributeMapping(fid: FederatedIdentity, mapping: AttributeMapping): FederatedIdentity {
  const first = (name: string): string | null => {
    const value = fid.attributes[name]?.find((v) => v.trim() !== '');
    return value === undefined ? null : value.trim();
  };
  const out = { ...fid };
  if (mapping.email) out.email = first(mapping.email)?.toLowerCase() ?? null;
  if (mapping.givenName) out.givenName = first(mapping.givenName);
  if (mapping.familyName) out.familyName = first(mapping.familyName);
  if (mapping.name) out.name = first(mapping.name);
  if (mapping.groups) out.groups = (fid.attributes[mapping.groups] ?? []).map((g) => g.trim()).filter((g) => g !== '');
  return out;
}
