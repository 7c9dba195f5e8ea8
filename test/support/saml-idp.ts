import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inflateRawSync } from 'node:zlib';
import * as samlify from 'samlify';
import { generateSpKeyPair } from '../../src/sso/saml/certificates.ts';
import { validateSamlSchema, warmUpSamlSchema } from './xmllint-worker.ts';
import {
  CLASS_PASSWORD,
  NAMEID_EMAIL,
  NAMEID_UNSPECIFIED,
  STATUS_SUCCESS,
  errorResponseXml,
  oktaAttributes,
  entraAttributes,
  samlId,
  successResponseXml,
  xmlEscape,
  type SamlIdpUser,
} from './saml-idp-responses.ts';

export type { SamlIdpUser } from './saml-idp-responses.ts';

/**
 * A real SAML identity provider for tests: samlify's IdentityProvider (with
 * the xmllint schema validator, so every AuthnRequest Keyledger sends is
 * schema-checked and its signature verified against the SP metadata) behind
 * an HTTP server on 127.0.0.1. It serves its metadata, takes AuthnRequests on
 * both bindings and answers with a page whose one button posts a signed
 * SAMLResponse to the ACS, as Okta or Entra ID would after a login.
 */

// samlify keeps its validator in module state; every AuthnRequest it parses is schema-checked
// (@authenio/samlify-node-xmllint, run in a worker thread: see xmllint-worker.ts).
samlify.setSchemaValidator({ validate: validateSamlSchema });

const BINDING_REDIRECT = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect';
const BINDING_POST = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST';
const FIVE_MINUTES = 5 * 60 * 1000;

export interface LoginResponseOptions {
  user: SamlIdpUser;
  /** The AuthnRequest id this answers; null or absent for an IdP-initiated response. */
  requestId?: string | null;
  /** Recipient (and, unless `destination` says otherwise, Destination); the SP's metadata ACS by default. */
  acsUrl?: string;
  /** Response Destination; null leaves it out. */
  destination?: string | null;
  audience?: string;
  issuer?: string;
  notBefore?: Date;
  notOnOrAfter?: Date;
  relayState?: string;
  /** What samlify signs: the assertion (default, as the SP metadata asks), the Response, or both. */
  sign?: 'assertion' | 'response' | 'both';
  /** Which IdP key signs, after rolloverSigningKey(). */
  signedBy?: 'current' | 'previous';
  /** Attribute names: Okta's (email, firstName, lastName, groups; the default) or Entra ID's claim URIs. */
  attributeStyle?: 'okta' | 'entra';
  /** Extra attributes (replacing same-named ones). */
  attributes?: Record<string, string[]>;
  nameIdFormat?: string;
  authnContextClassRef?: string;
  /** A non-Success status: the Response then carries no assertion. */
  status?: { code: string; subCode?: string; message?: string };
  /** Which trusted SP (entity id) this is for; the last one trusted by default. */
  sp?: string;
}

/** An AuthnRequest the IdP accepted (signature verified, schema-valid). */
export interface ReceivedAuthnRequest {
  id: string;
  binding: 'redirect' | 'post';
  spEntityId: string;
  acsUrl: string;
  relayState: string | null;
}

export interface SamlIdp {
  entityId: string;
  ssoUrl: string;
  metadataUrl: string;
  metadataXml(): string;
  signingCertificatePem(): string;
  /** The certificate the IdP signed with before the last rolloverSigningKey(), if any. */
  previousSigningCertificatePem(): string | null;
  /** Registers an SP from its metadata; returns its entity id and ACS. */
  trustServiceProvider(spMetadataXml: string): { entityId: string; acsUrl: string };
  loginResponse(opts: LoginResponseOptions): Promise<string>;
  /** A new signing key and certificate; the metadata lists only the new one, the old can still sign (`signedBy: 'previous'`). */
  rolloverSigningKey(): Promise<void>;
  /** The person the next browser sign-in (GET/POST ssoUrl) signs in as. */
  setNextUser(user: SamlIdpUser): void;
  receivedRequests(): ReceivedAuthnRequest[];
  close(): Promise<void>;
}

interface IdpKey {
  entity: samlify.IdentityProviderInstance;
  privateKeyPem: string;
  certificatePem: string;
}

interface TrustedSp {
  entityId: string;
  acsUrl: string;
  variants: Record<'assertion' | 'response' | 'both', samlify.ServiceProviderInstance>;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  res.end(body);
}

/** Starts the IdP on 127.0.0.1 (a free port). `encryptAssertions` encrypts every assertion to the SP's encryption certificate. */
export async function startSamlIdp(opts: { encryptAssertions?: boolean } = {}): Promise<SamlIdp> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const entityId = `${base}/metadata`;
  const ssoUrl = `${base}/sso`;

  const makeKey = async (): Promise<IdpKey> => {
    const keys = await generateSpKeyPair('Keyledger test IdP', new Date());
    const entity = samlify.IdentityProvider({
      entityID: entityId,
      privateKey: keys.privateKeyPem,
      signingCert: keys.certificatePem,
      wantAuthnRequestsSigned: true,
      isAssertionEncrypted: opts.encryptAssertions ?? false,
      nameIDFormat: [NAMEID_EMAIL],
      singleSignOnService: [
        { Binding: BINDING_REDIRECT, Location: ssoUrl },
        { Binding: BINDING_POST, Location: ssoUrl },
      ],
      singleLogoutService: [{ Binding: BINDING_REDIRECT, Location: `${base}/slo` }],
    });
    return { entity, privateKeyPem: keys.privateKeyPem, certificatePem: keys.certificatePem };
  };

  let [current] = await Promise.all([makeKey(), warmUpSamlSchema()]);
  let previous: IdpKey | null = null;
  const sps = new Map<string, TrustedSp>();
  let lastSp: string | null = null;
  let nextUser: SamlIdpUser | null = null;
  const received: ReceivedAuthnRequest[] = [];

  async function loginResponse(o: LoginResponseOptions): Promise<string> {
    const sp = sps.get(o.sp ?? lastSp ?? '');
    if (!sp) throw new Error('trustServiceProvider() first');
    const key = o.signedBy === 'previous' ? previous : current;
    if (!key) throw new Error('no previous key: call rolloverSigningKey() first');
    const now = new Date();
    const acsUrl = o.acsUrl ?? sp.acsUrl;
    const common = {
      issuer: o.issuer ?? entityId,
      destination: o.destination === undefined ? acsUrl : o.destination,
      inResponseTo: o.requestId ?? null,
      issueInstant: now,
    };
    if (o.status && o.status.code !== STATUS_SUCCESS) {
      const xml = errorResponseXml(common, o.status, samlId());
      return samlify.SamlLib.constructSAMLSignature({
        rawSamlMessage: xml,
        isMessageSigned: true,
        privateKey: key.privateKeyPem,
        signingCert: key.entity.entityMeta.getX509Certificate('signing'),
        signatureConfig: { prefix: 'ds', location: { reference: "/*[local-name(.)='Response']/*[local-name(.)='Issuer']", action: 'after' } },
      } as Parameters<typeof samlify.SamlLib.constructSAMLSignature>[0]);
    }
    const user = o.user;
    const attributes = { ...(o.attributeStyle === 'entra' ? entraAttributes(user) : oktaAttributes(user)), ...o.attributes };
    const ids = { responseId: samlId(), assertionId: samlId() };
    const xml = successResponseXml(
      {
        ...common,
        recipient: acsUrl,
        audience: o.audience ?? sp.entityId,
        notBefore: o.notBefore ?? now,
        notOnOrAfter: o.notOnOrAfter ?? new Date(now.getTime() + FIVE_MINUTES),
        nameId: user.nameId,
        nameIdFormat: o.nameIdFormat ?? (user.nameId.includes('@') ? NAMEID_EMAIL : NAMEID_UNSPECIFIED),
        authnContextClassRef: o.authnContextClassRef ?? CLASS_PASSWORD,
        sessionIndex: samlId(),
        attributes,
      },
      ids,
    );
    const result = await key.entity.createLoginResponse(
      sp.variants[o.sign ?? 'assertion'],
      { extract: { request: { id: o.requestId ?? '' } } },
      'post',
      { email: user.email },
      { customTagReplacement: () => ({ id: ids.responseId, context: xml }), relayState: o.relayState },
    );
    await validateSamlSchema(Buffer.from(result.context, 'base64').toString('utf8'));
    return result.context;
  }

  async function handleSso(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const binding = req.method === 'POST' ? 'post' : 'redirect';
    const rawQuery = (req.url ?? '').split('?')[1] ?? '';
    const params = new URLSearchParams(binding === 'post' ? await readBody(req) : rawQuery);
    const samlRequest = params.get('SAMLRequest');
    if (!samlRequest) return send(res, 400, 'text/plain', 'no SAMLRequest');
    const encoded = Buffer.from(samlRequest, 'base64');
    const requestXml = (binding === 'redirect' ? inflateRawSync(encoded) : encoded).toString('utf8');
    const issuer = /<(?:\w+:)?Issuer[^>]*>([^<]+)</.exec(requestXml)?.[1];
    const sp = issuer ? sps.get(issuer) : undefined;
    if (!sp) return send(res, 400, 'text/plain', `unknown service provider ${issuer}`);
    // The redirect binding signs the query exactly as sent: SAMLRequest, RelayState, SigAlg, in that order.
    const octetString = rawQuery
      .split('&')
      .filter((p) => ['SAMLRequest', 'RelayState', 'SigAlg'].includes(p.split('=')[0]))
      .join('&');
    let request: { id: string; assertionConsumerServiceUrl: string };
    try {
      const parsed = await current.entity.parseLoginRequest(sp.variants.assertion, binding, {
        query: Object.fromEntries(params),
        body: Object.fromEntries(params),
        octetString,
      });
      request = parsed.extract.request as unknown as typeof request;
    } catch (err) {
      return send(res, 400, 'text/plain', `AuthnRequest refused: ${String(err)}`);
    }
    if (request.assertionConsumerServiceUrl !== sp.acsUrl) return send(res, 400, 'text/plain', `AssertionConsumerServiceURL ${request.assertionConsumerServiceUrl} is not in the SP metadata`);
    const relayState = params.get('RelayState');
    received.push({ id: request.id, binding, spEntityId: sp.entityId, acsUrl: sp.acsUrl, relayState });
    if (!nextUser) return send(res, 409, 'text/plain', 'no user: call setNextUser() first');
    const samlResponse = await loginResponse({ user: nextUser, requestId: request.id, sp: sp.entityId });
    const label = nextUser.email ?? nextUser.nameId;
    send(
      res,
      200,
      'text/html; charset=utf-8',
      `<!doctype html><html><head><meta charset="utf-8"><title>Test IdP sign-in</title></head><body>` +
        `<form method="post" action="${xmlEscape(sp.acsUrl)}">` +
        `<input type="hidden" name="SAMLResponse" value="${samlResponse}">` +
        (relayState === null ? '' : `<input type="hidden" name="RelayState" value="${xmlEscape(relayState)}">`) +
        `<button type="submit">Sign in as ${xmlEscape(label)}</button></form></body></html>`,
    );
  }

  server.on('request', (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/metadata') return send(res, 200, 'application/samlmetadata+xml', current.entity.getMetadata());
    if ((req.method === 'GET' || req.method === 'POST') && path === '/sso') {
      handleSso(req, res).catch((err) => send(res, 500, 'text/plain', String(err)));
      return;
    }
    send(res, 404, 'text/plain', 'not found');
  });

  return {
    entityId,
    ssoUrl,
    metadataUrl: entityId,
    metadataXml: () => current.entity.getMetadata(),
    signingCertificatePem: () => current.certificatePem,
    previousSigningCertificatePem: () => previous?.certificatePem ?? null,
    trustServiceProvider(spMetadataXml) {
      const assertion = samlify.ServiceProvider({ metadata: spMetadataXml });
      const sp: TrustedSp = {
        entityId: assertion.entityMeta.getEntityID(),
        acsUrl: assertion.entityMeta.getAssertionConsumerService('post') as string,
        variants: {
          assertion,
          both: samlify.ServiceProvider({ metadata: spMetadataXml, wantMessageSigned: true }),
          response: samlify.ServiceProvider({ metadata: spMetadataXml.replace('WantAssertionsSigned="true"', 'WantAssertionsSigned="false"') }),
        },
      };
      sps.set(sp.entityId, sp);
      lastSp = sp.entityId;
      return { entityId: sp.entityId, acsUrl: sp.acsUrl };
    },
    loginResponse,
    async rolloverSigningKey() {
      previous = current;
      current = await makeKey();
    },
    setNextUser(user) {
      nextUser = user;
    },
    receivedRequests: () => [...received],
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
