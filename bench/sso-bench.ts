import { SAML, ValidateInResponseTo } from '@node-saml/node-saml';
import { systemContext } from '../src/audit/event.ts';
import { OWASP_ARGON2ID } from '../src/authn/password/password-hasher.ts';
import { validateSamlResponse, type SamlConnectionConfig } from '../src/sso/saml/service-provider.ts';
import { startSamlIdp, type SamlIdp } from '../test/support/saml-idp.ts';
import { samlConnectionFor } from '../test/support/saml-connection.ts';
import { fmt, rate, timed, type BenchRow } from './harness.ts';
import { median, startBenchApp, type BenchApp } from './bench-runtime.ts';

const admin = systemContext('bench', 'SSO benchmark');
const web = { ...admin, request: { requestId: 'bench', ip: '127.0.0.1', userAgent: 'keyledger-bench/1' } };
const PASSWORD = 'quartz-lantern-orbit-meadow-42';
/** Distinct people signing in; each is provisioned by a warm-up sign-in, so every timed one is a returning user. */
const PEOPLE = 10;

const mb = (bytes: number) => bytes / (1024 * 1024);
const rss = () => process.memoryUsage().rss;

/**
 * Where the process RSS grew: in the timed (Keyledger-only) parts, or while
 * the test IdP built responses (its xmllint schema check runs in a worker
 * thread of this process and keeps what it allocates).
 */
interface RssLedger {
  start: number;
  timed: number;
  idp: number;
}

async function tracked<T>(mem: RssLedger, part: 'timed' | 'idp', fn: () => Promise<T>): Promise<T> {
  const before = rss();
  try {
    return await fn();
  } finally {
    mem[part] += rss() - before;
  }
}

/** `count` IdP-initiated signed responses for the trusted SP `sp`, cycling through the people of `domain`; built a few at a time (signing here, schema check in the IdP's worker). */
async function responses(mem: RssLedger, idp: SamlIdp, sp: string, domain: string, count: number): Promise<string[]> {
  const out: string[] = new Array(count);
  const { seconds } = await timed(() =>
    tracked(mem, 'idp', () =>
      rate(count, 4, async (i) => {
        const n = i % PEOPLE;
        out[i] = await idp.loginResponse({ sp, user: { nameId: `person${n}@${domain}`, email: `person${n}@${domain}`, givenName: 'Person', familyName: `${n}` } });
      }),
    ),
  );
  console.error(`# sso: the test IdP built ${count} signed responses in ${seconds.toFixed(1)} s`);
  return out;
}

/**
 * validateSamlResponse against node-saml's validatePostResponseAsync alone,
 * configured as an SP would (one SAML instance, reused), on the same signed
 * responses: each response validated once by each, one right after the
 * other, alternating which goes first, so a change in machine load hits both.
 */
async function validationRows(mem: RssLedger, idp: SamlIdp, count: number): Promise<BenchRow[]> {
  const config: SamlConnectionConfig = await samlConnectionFor(idp, { allowIdpInitiated: true });
  const warm = await responses(mem, idp, config.spEntityId, 'validate.test', PEOPLE);
  const all = await responses(mem, idp, config.spEntityId, 'validate.test', count);
  const nodeSaml = new SAML({
    idpCert: config.certificates,
    issuer: config.spEntityId,
    audience: config.spEntityId,
    callbackUrl: config.acsUrl,
    // The test IdP signs the assertion, not the Response, as the SP metadata asks.
    wantAssertionsSigned: true,
    wantAuthnResponseSigned: false,
    validateInResponseTo: ValidateInResponseTo.never,
    acceptedClockSkewMs: config.clockSkewSeconds * 1000,
  });
  const noRequest = async () => false;
  const ours = async (r: string) => {
    const id = await validateSamlResponse(config, r, { now: new Date(), expectedRequestId: noRequest });
    if (!id.subject.endsWith('@validate.test')) throw new Error(`unexpected subject ${id.subject}`);
  };
  const base = async (r: string) => {
    const { profile } = await nodeSaml.validatePostResponseAsync({ SAMLResponse: r });
    if (!profile?.nameID.endsWith('@validate.test')) throw new Error('node-saml returned no profile');
  };
  // Warm both (JIT, xml-crypto, certificate parsing) on responses that are not timed.
  for (const r of warm) {
    await ours(r);
    await base(r);
  }
  let ourSeconds = 0;
  let baseSeconds = 0;
  await tracked(mem, 'timed', async () => {
    for (let i = 0; i < all.length; i++) {
      const first = i % 2 === 0 ? ours : base;
      const second = first === ours ? base : ours;
      const a = (await timed(() => first(all[i]))).seconds;
      const b = (await timed(() => second(all[i]))).seconds;
      ourSeconds += first === ours ? a : b;
      baseSeconds += first === ours ? b : a;
    }
  });
  return [
    {
      name: `SAML response validation: validateSamlResponse (structure + signature-wrapping checks, node-saml, assertion checks), ${count} IdP-initiated responses, assertion signed RSA-SHA256, interleaved one by one`,
      value: count / ourSeconds,
      unit: 'responses/s',
      baseline: { name: 'node-saml validatePostResponseAsync alone on the same responses (idpCert, audience, callbackUrl, issuer, wantAssertionsSigned; one instance)', value: count / baseSeconds },
    },
  ];
}

/** Posts a SAMLResponse to the connection's ACS as the IdP's page would; throws unless a session cookie comes back. */
async function postAcs(b: BenchApp, connectionId: string, samlResponse: string): Promise<void> {
  const res = await b.app.inject({
    method: 'POST',
    url: `/sso/saml/${connectionId}/acs`,
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'cross-site', origin: 'http://127.0.0.1' },
    payload: new URLSearchParams({ SAMLResponse: samlResponse }).toString(),
  });
  const cookies = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
  if (res.statusCode !== 303 || !cookies.some((c) => c.startsWith('kl_session=') && !c.startsWith('kl_session=;'))) {
    throw new Error(`ACS: ${res.statusCode} ${res.body.slice(0, 300)}`);
  }
}

/**
 * The whole IdP-initiated SAML sign-in through the ACS route (validation,
 * replay record, account link, session, ledger events) against a password
 * sign-in without second factor on the same runtime, alternating rounds at
 * the same concurrency; and the process RSS before and after those rounds.
 */
async function signInRows(mem: RssLedger, idp: SamlIdp, label: string, pgUrl: string | null, options: { signIns: number; rounds: number; concurrency: number }): Promise<BenchRow[]> {
  const b = await startBenchApp({ pgUrl });
  try {
    const { rt } = b;
    await rt.identity.createOrganization(admin, { slug: 'sso', name: 'SSO Inc' });
    const domain = await rt.sso.domains.add(admin, 'sso', 'sso.test');
    await rt.sso.domains.attest(admin, 'sso', domain.id, 'sso.test belongs to the benchmark organization');
    const conn = await rt.sso.connections.create(admin, 'sso', { type: 'saml', name: 'Bench IdP', metadataXml: idp.metadataXml(), allowIdpInitiated: true });
    const sp = idp.trustServiceProvider(await rt.sso.spMetadata(conn.id)).entityId;

    await rt.identity.createOrganization(admin, { slug: 'pw', name: 'Passwords Inc' });
    for (let i = 0; i < PEOPLE; i++) {
      const id = (await rt.identity.createUser(admin, { email: `user${i}@pw.test`, name: `User ${i}` }, { orgRef: 'pw' })).id;
      await rt.authn.setPassword(admin, id, PASSWORD);
    }
    const password = (i: number) =>
      rt.authn.beginPasswordLogin(web, { email: `user${i % PEOPLE}@pw.test`, password: PASSWORD, orgRef: 'pw' }).then((r) => {
        if (r.mfaRequired) throw new Error('bench users have no second factor');
      });

    // Warm up: every person's first sign-in provisions the account (not timed), and the password path.
    for (const r of await responses(mem, idp, sp, 'sso.test', PEOPLE)) await postAcs(b, conn.id, r);
    await rate(8, options.concurrency, password);

    const per = Math.floor(options.signIns / options.rounds);
    const signed = await responses(mem, idp, sp, 'sso.test', per * options.rounds);
    const ours: number[] = [];
    const base: number[] = [];
    const rssBefore = rss();
    await tracked(mem, 'timed', async () => {
      for (let round = 0; round < options.rounds; round++) {
        const slice = signed.slice(round * per, (round + 1) * per);
        const saml = () => rate(per, options.concurrency, (i) => postAcs(b, conn.id, slice[i]));
        const pw = () => rate(per, options.concurrency, password);
        // Alternate which goes first, so neither gains from a warmer cache or a quieter machine.
        if (round % 2 === 0) {
          ours.push(await saml());
          base.push(await pw());
        } else {
          base.push(await pw());
          ours.push(await saml());
        }
      }
    });
    const rssAfter = rss();
    const params = `m=${OWASP_ARGON2ID.memoryCost} KiB, t=${OWASP_ARGON2ID.timeCost}, p=${OWASP_ARGON2ID.parallelism}`;
    const total = per * options.rounds;
    return [
      {
        name: `${label} SAML sign-in, IdP-initiated, through POST /sso/saml/{id}/acs (app.inject; validation, replay record, account link, session, ledger events), returning users, ${options.concurrency} concurrent, ${per} per round, median of ${options.rounds} alternating rounds`,
        value: median(ours),
        unit: 'sign-ins/s',
        baseline: { name: `rt.authn.beginPasswordLogin without second factor, same runtime and concurrency (argon2id ${params} dominates it; no HTTP layer)`, value: median(base) },
      },
      {
        name: `${label} process RSS after those ${total} SAML and ${total} password sign-ins (${rssAfter >= rssBefore ? '+' : '−'}${fmt(mb(Math.abs(rssAfter - rssBefore)))} MB)`,
        value: mb(rssAfter),
        unit: 'MB',
        baseline: { name: 'RSS before them, after setup and warm-up', value: mb(rssBefore) },
      },
    ];
  } finally {
    await b.close();
  }
}

const signed = (bytes: number) => `${bytes >= 0 ? '+' : '−'}${fmt(mb(Math.abs(bytes)))} MB`;

/** SAML response validation against node-saml alone; full SAML sign-ins through the ACS against password sign-ins (SQLite, and PostgreSQL when given); RSS over the section. */
export async function ssoBench(options: { responses: number; signIns: number; concurrency: number; pgUrl: string | null }): Promise<BenchRow[]> {
  const mem: RssLedger = { start: rss(), timed: 0, idp: 0 };
  const idp = await tracked(mem, 'idp', () => startSamlIdp());
  try {
    const rows = await validationRows(mem, idp, options.responses);
    rows.push(...(await signInRows(mem, idp, 'SQLite', null, { signIns: options.signIns, rounds: 6, concurrency: options.concurrency })));
    if (options.pgUrl) rows.push(...(await signInRows(mem, idp, 'PostgreSQL', options.pgUrl, { signIns: options.signIns, rounds: 6, concurrency: options.concurrency })));
    const end = rss();
    const rest = end - mem.start - mem.timed - mem.idp;
    rows.push({
      name: `process RSS at the end of the SSO section: ${signed(mem.timed)} in the timed parts, ${signed(rest)} in setup and warm-up (${options.pgUrl ? 'two runtimes' : 'one runtime'}), ${signed(mem.idp)} while the test IdP started and built responses (its xmllint schema check, a worker thread)`,
      value: mb(end),
      unit: 'MB',
      baseline: { name: 'RSS at the start of the section', value: mb(mem.start) },
    });
    return rows;
  } finally {
    await idp.close();
  }
}
