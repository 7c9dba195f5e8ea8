import * as x509 from '@peculiar/x509';
import type { Element } from '@xmldom/xmldom';
import { checkConnectionUrl } from '../urls.ts';
import { KeyledgerError } from '../../platform/errors.ts';
import { derToPem } from './certificates.ts';
import { NS, attr, childElement, childElements, descendants, parseXml, textOf } from './xml.ts';

/** What Keyledger needs from an IdP's SAML metadata to configure a connection. */
export interface IdpMetadata {
  entityId: string;
  /** Where AuthnRequests go. */
  ssoUrl: string;
  ssoBinding: 'redirect' | 'post';
  /** The IdP's signing certificates (PEM), in metadata order, without duplicates. */
  certificates: string[];
}

/** The most metadata Keyledger reads (parsed or fetched): one IdP's document is a few KiB. */
export const MAX_METADATA_BYTES = 1024 * 1024;

const BINDING_REDIRECT = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect';
const BINDING_POST = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST';

function invalid(reason: string, message: string, extra?: Record<string, unknown>): KeyledgerError {
  return new KeyledgerError('sso.metadata_invalid', message, { reason, ...extra });
}

/** The one EntityDescriptor that describes an IdP: the root, or the only one in an EntitiesDescriptor. */
function findIdpEntity(root: Element): Element {
  if (root.namespaceURI === NS.metadata && root.localName === 'EntityDescriptor') return root;
  if (root.namespaceURI === NS.metadata && root.localName === 'EntitiesDescriptor') {
    const idps = descendants(root, NS.metadata, 'EntityDescriptor').filter((e) => childElement(e, NS.metadata, 'IDPSSODescriptor'));
    if (idps.length === 1) return idps[0];
    if (idps.length > 1) throw invalid('multiple_entities', `The metadata describes ${idps.length} identity providers; give the metadata of exactly one`);
    throw invalid('no_idp_descriptor', 'The metadata has no EntityDescriptor with an IDPSSODescriptor');
  }
  throw invalid('not_entity_descriptor', `The metadata root is <${root.localName}>, expected an md:EntityDescriptor`);
}

/** The SAML 2.0 IDPSSODescriptor of an entity. */
function findIdpDescriptor(entity: Element): Element {
  const descriptor = childElements(entity, NS.metadata, 'IDPSSODescriptor').find((d) =>
    (attr(d, 'protocolSupportEnumeration') ?? '').split(/\s+/).includes(NS.protocol),
  );
  if (!descriptor) throw invalid('no_idp_descriptor', 'The metadata has no IDPSSODescriptor supporting SAML 2.0');
  return descriptor;
}

/** The SingleSignOnService to send AuthnRequests to: HTTP-Redirect when offered (the common case), else HTTP-POST. */
function pickSsoService(descriptor: Element): { ssoUrl: string; ssoBinding: 'redirect' | 'post' } {
  const services = childElements(descriptor, NS.metadata, 'SingleSignOnService');
  for (const [binding, name] of [[BINDING_REDIRECT, 'redirect'], [BINDING_POST, 'post']] as const) {
    const service = services.find((s) => attr(s, 'Binding') === binding && attr(s, 'Location'));
    if (service) {
      const location = attr(service, 'Location')!.trim();
      if (!URL.canParse(location)) throw invalid('sso_url_invalid', `The SingleSignOnService Location "${location}" is not a URL`);
      return { ssoUrl: location, ssoBinding: name };
    }
  }
  throw invalid('no_sso_service', 'The IDPSSODescriptor has no SingleSignOnService with the HTTP-Redirect or HTTP-POST binding');
}

/** The signing certificates: KeyDescriptors with use="signing" or no use (which means both), as PEM. */
function readSigningCertificates(descriptor: Element): string[] {
  const pems: string[] = [];
  for (const key of childElements(descriptor, NS.metadata, 'KeyDescriptor')) {
    const use = attr(key, 'use');
    if (use !== null && use !== 'signing') continue;
    for (const certEl of descendants(key, NS.dsig, 'X509Certificate')) {
      const b64 = textOf(certEl).replace(/\s+/g, '');
      let der: Uint8Array;
      try {
        der = new Uint8Array(new x509.X509Certificate(new Uint8Array(Buffer.from(b64, 'base64'))).rawData);
      } catch {
        throw invalid('certificate_malformed', 'A signing KeyDescriptor holds something that is not an X.509 certificate');
      }
      const pem = derToPem(der);
      if (!pems.includes(pem)) pems.push(pem);
    }
  }
  if (pems.length === 0) throw invalid('no_signing_certificate', 'The IDPSSODescriptor has no signing certificate (KeyDescriptor use="signing" with an X509Certificate)');
  return pems;
}

/**
 * Reads an IdP's SAML 2.0 metadata. Refuses (sso.metadata_invalid, with
 * details.reason) a document over 1 MiB ('too_large'), one with a DOCTYPE or
 * entity declaration ('doctype'), malformed XML ('malformed'), a root that is
 * not an EntityDescriptor ('not_entity_descriptor'), no entityID, no SAML 2.0
 * IDPSSODescriptor ('no_idp_descriptor'), no Redirect/POST SingleSignOnService
 * ('no_sso_service') and no signing certificate ('no_signing_certificate').
 * The metadata's own signature is not checked: the administrator vouches for
 * it by uploading it or naming its https URL, as with every SaaS SP.
 */
export function parseIdpMetadata(xml: string): IdpMetadata {
  if (Buffer.byteLength(xml, 'utf8') > MAX_METADATA_BYTES) throw invalid('too_large', `The metadata is larger than ${MAX_METADATA_BYTES} bytes`);
  const parsed = parseXml(xml);
  if (!parsed.ok) throw invalid(parsed.reason, parsed.reason === 'doctype' ? 'The metadata has a DOCTYPE or entity declaration' : 'The metadata is not well-formed XML');
  const entity = findIdpEntity(parsed.root);
  const entityId = (attr(entity, 'entityID') ?? '').trim();
  if (!entityId) throw invalid('no_entity_id', 'The EntityDescriptor has no entityID');
  const descriptor = findIdpDescriptor(entity);
  return { entityId, ...pickSsoService(descriptor), certificates: readSigningCertificates(descriptor) };
}

const MAX_REDIRECTS = 3;

function unreachable(reason: string, message: string, extra?: Record<string, unknown>): KeyledgerError {
  return new KeyledgerError('sso.metadata_unreachable', message, { reason, ...extra });
}

/** The response body as text, refusing more than MAX_METADATA_BYTES however the server frames it. */
async function readCappedBody(res: Response): Promise<string> {
  const declared = Number(res.headers.get('content-length') ?? '0');
  if (declared > MAX_METADATA_BYTES) throw unreachable('too_large', `The metadata is larger than ${MAX_METADATA_BYTES} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  const reader = res.body?.getReader();
  for (let part = await reader?.read(); part && !part.done; part = await reader!.read()) {
    size += part.value.byteLength;
    if (size > MAX_METADATA_BYTES) {
      await reader!.cancel();
      throw unreachable('too_large', `The metadata is larger than ${MAX_METADATA_BYTES} bytes`);
    }
    chunks.push(Buffer.from(part.value));
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Downloads an IdP's metadata document (the text; give it to parseIdpMetadata).
 * The URL, and every redirect it leads to, must pass checkConnectionUrl
 * (sso.connection_invalid otherwise). A timeout (default 10 s), a network
 * error, a non-2xx status, too many redirects or a body over 1 MiB give
 * sso.metadata_unreachable with details.reason.
 */
export async function fetchIdpMetadata(url: string, opts: { timeoutMs?: number } = {}): Promise<string> {
  let target = checkConnectionUrl(url, 'metadataUrl');
  const signal = AbortSignal.timeout(opts.timeoutMs ?? 10_000);
  try {
    for (let hop = 0; ; hop++) {
      const res = await fetch(target, { redirect: 'manual', signal, headers: { accept: 'application/samlmetadata+xml, application/xml, text/xml' } });
      if (res.status >= 300 && res.status < 400 && res.headers.get('location')) {
        await res.body?.cancel();
        if (hop >= MAX_REDIRECTS) throw unreachable('too_many_redirects', `The metadata URL redirected more than ${MAX_REDIRECTS} times`);
        target = checkConnectionUrl(new URL(res.headers.get('location')!, target).href, 'metadataUrl');
        continue;
      }
      if (!res.ok) {
        await res.body?.cancel();
        throw unreachable('http_status', `The metadata URL answered HTTP ${res.status}`, { status: res.status });
      }
      return await readCappedBody(res);
    }
  } catch (err) {
    if (err instanceof KeyledgerError) throw err;
    if (signal.aborted) throw unreachable('timeout', `The metadata URL did not answer within ${opts.timeoutMs ?? 10_000} ms`);
    throw unreachable('network', `The metadata URL could not be fetched: ${(err as Error).message}`);
  }
}
