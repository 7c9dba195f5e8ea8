import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { resolveRateLimitStore, type Config } from './platform/config.ts';
import { createOperatorOrgLookup } from './console/operator-org.ts';
import { createConsoleTokens } from './console/console-tokens.ts';
import { openDatabase, type DatabaseHandle } from './platform/database.ts';
import { migrateToLatest } from './platform/migrations/index.ts';
import { systemClock, type Clock } from './platform/clock.ts';
import { createIdGenerator } from './platform/ids.ts';
import { loadMasterKey, type MasterKey } from './platform/crypto.ts';
import { createLogger, type Logger } from './platform/logger.ts';
import { createCommandRunner, type CommandRunner } from './audit/command-runner.ts';
import { loadOrCreateLedgerSigner, type LedgerSigner } from './audit/ledger-signer.ts';
import { createSequencer, type Sequencer } from './audit/sequencer.ts';
import { ledgerWriterFor } from './audit/ledger-writer.ts';
import { createLedgerQueries, type LedgerQueries } from './audit/ledger-queries.ts';
import { createIdentityService, type IdentityService, type MembershipRemovalHook, type UserDeactivationHook, type UserMoveHook } from './identity/service.ts';
import { createAccessService, type AccessService } from './access/service.ts';
import { createApiKeyService, type ApiKeyService } from './http/api-key-service.ts';
import { createBootstrapService, type BootstrapService } from './http/bootstrap-service.ts';
import { createMetrics, type Metrics } from './http/metrics.ts';
import { createSessionService, type SessionService } from './sessions/service.ts';
import { createAuthnService, type AuthnService } from './authn/service.ts';
import { createMailer, type Mailer } from './mail/mailer.ts';
import { createPasskeyService, type PasskeyService } from './authn/passkeys/passkey-service.ts';
import { createLockoutService, type LockoutService } from './authn/lockout/lockout-service.ts';
import { createRateLimiterFactory } from './authn/lockout/rate-limiters.ts';
import { lockoutPolicyFrom } from './authn/lockout/lockout-policy.ts';
import { DEFAULT_THROTTLE_TIMES } from './authn/lockout/ip-throttle.ts';
import { createEnrollmentService, type EnrollmentService } from './authn/enrollment/service.ts';
import { createMailDispatch } from './authn/enrollment/mail-dispatch.ts';
import { createOidcService, type OidcService } from './oidc/oidc-service.ts';
import type { ClientSources } from './oidc/clients.ts';
import { createPrincipalRevocation, type PrincipalRevocation } from './oidc/principal-revocation.ts';
import { createApplicationService, type ApplicationService } from './oidc/applications/service.ts';
import { createServiceAccountService, type ServiceAccountService } from './service-accounts/service.ts';
import { createAccessRequestService, type AccessRequestService } from './access/requests.ts';
import { createApprovalService, type ApprovalService } from './access/approvals.ts';
import { createElevationRequests, type ElevationRequests } from './access/elevation-requests.ts';
import { createAccessReviewService, type AccessReviewService } from './access/reviews/service.ts';
import { createLifecycleService, type LifecycleService } from './lifecycle/service.ts';
import { createSsoService, type SsoService } from './sso/service.ts';
import { createScimService, type ScimService } from './scim/service.ts';
import { createScheduler, type Scheduler } from './platform/scheduler.ts';
import { createNotifyService, type NotifyService } from './notify/service.ts';
import { createEligibilityService, type EligibilityService } from './access/eligibilities.ts';
import { createElevationService, type ElevationService } from './access/elevation.ts';
import { createElevationFindings } from './access/elevation-findings.ts';
import { createFindingsMonitor, type FindingsMonitor } from './monitor/findings/service.ts';
import { createDestinationService, type DestinationService } from './stream/destinations.ts';
import { createStreamDelivery, type StreamDelivery } from './stream/delivery.ts';
import { createDetectionService, type DetectionService } from './monitor/detections/service.ts';
import { createEvidenceExportService, type EvidenceExportService } from './evidence/exports/service.ts';
import { buildEvidencePackage } from './evidence/build-package.ts';
import { createIncidentService, type IncidentService } from './monitor/incidents/service.ts';
import { createComplianceService, type ComplianceService } from './evidence/compliance/service.ts';
import { createClusterBus, type ClusterBus } from './platform/cluster-bus.ts';
import { createCacheFanOut } from './oidc/cache-fan-out.ts';

/** Everything one Keyledger process holds: storage, the ledger and the capability services. */
export interface Runtime {
  config: Config;
  clock: Clock;
  logger: Logger;
  database: DatabaseHandle;
  newId: () => string;
  runner: CommandRunner;
  signer: LedgerSigner;
  sequencer: Sequencer;
  ledger: LedgerQueries;
  identity: IdentityService;
  access: AccessService;
  /** Role eligibilities: who may activate which role just in time (admin API, approved requests). */
  eligibilities: EligibilityService;
  /**
   * Just-in-time elevation: activation (fresh passkey step-up), early deactivation, `endExpired`
   * (the expiry job, for the scheduler) and `listElevationFindings`.
   */
  elevation: ElevationService & ReturnType<typeof createElevationFindings>;
  /** Pending access requests (at most one per principal and role), cancelled when the principal leaves. */
  accessRequests: AccessRequestService;
  /** Access requests decided by approvers before access is granted: filing, decisions, expiry (`expireDue`), fulfillers, findings. */
  approvals: ApprovalService;
  /** Activations and eligibilities that go through approval: the fulfillers, and asking for an activation. */
  elevationRequests: ElevationRequests;
  /** Access review campaigns (scheduled, ad hoc, mover), decisions, sign-offs, reports, findings; periodic openScheduled/markOverdue/sendReminders. */
  accessReviews: AccessReviewService;
  /** Deprovisioning with SLA evidence, reactivation, HR sources and their webhook, scheduled terminations. */
  lifecycle: LifecycleService;
  /** The SCIM 2.0 server: directories and their tokens, Users and Groups, group-to-role mappings. */
  scim: ScimService;
  /** Enterprise SSO: SAML and OIDC connections per organization, routed domains, just-in-time provisioning, setup links. */
  sso: SsoService;
  /** Service accounts: owners, lifecycle, credentials, verification for the OAuth provider, findings. */
  serviceAccounts: ServiceAccountService;
  apiKeys: ApiKeyService;
  bootstrap: BootstrapService;
  sessions: SessionService;
  authn: AuthnService;
  /** Passkeys: registration, passwordless sign-in, step-up. */
  passkeys: PasskeyService;
  /** Sign-in throttling per address and lockout per account; unlocking. */
  lockouts: LockoutService;
  /** Invitations, sign-up, email verification and password reset. */
  enrollment: EnrollmentService;
  /** OIDC applications (OAuth clients): admin registration, and findClient/verifySecret for the provider. */
  applications: ApplicationService;
  /** Outgoing mail: SMTP when configured, else the dev outbox. */
  mailer: Mailer;
  /** The OpenID Connect / OAuth 2.0 provider: its storage, signing keys and token revocation. */
  oidc: OidcService;
  /** The operator organization (whose members administer Keyledger through the console): its id, or null until it exists. */
  operatorOrgId: () => Promise<string | null>;
  /** Revokes everything a principal holds (sessions, grants, tokens) in one call: the deprovisioning hook. */
  revocation: PrincipalRevocation;
  /** The master key secrets at rest are encrypted under (TOTP secrets, the ledger signing key). */
  master: MasterKey;
  metrics: Metrics;
  /** Periodic jobs under a database lease, run by one node at a time (created here, started by `keyledger start`). */
  scheduler: Scheduler;
  /** Governance notifications: notifyInScope (inside a command), webhooks, and deliverDue (a scheduler job). */
  notify: NotifyService;
  /** Control-drift findings with a tracked lifecycle: evaluate / evaluateChanged (scheduler jobs), reads, acknowledge, resolve. */
  findings: FindingsMonitor;
  /** SIEM destinations: settings, filters, cursors, health (the admin API). */
  streamDestinations: DestinationService;
  /** Streams the ledger to the destinations; poked after every append, started by `keyledger start`. */
  streamDelivery: StreamDelivery;
  /** Security detections: `scan` (the monitor.detections.scan job), the rules in force, alerts and their triage. */
  detections: DetectionService;
  /** The incident-response record: incidents, their alerts, linked events, notes and resolution. */
  incidents: IncidentService;
  /** SOC 2 evidence packages: exports as jobs (request, progress, download) and `runNow` for the CLI. */
  evidenceExports: EvidenceExportService;
  /** The read-only compliance API for GRC platforms (users, role assignments, reviews, leavers, findings), computed at read time. */
  compliance: ComplianceService;
  /** Messages between the nodes of a cluster (Redis, PostgreSQL NOTIFY, or none on one node): committed changes that drop other nodes' caches. */
  bus: ClusterBus;
  /** Set when the node is shutting down: /readyz answers 503 so the load balancer stops sending before the listener closes. */
  readiness: { draining: boolean };
  close(): Promise<void>;
}

export interface RuntimeOptions {
  clock?: Clock;
  logger?: Logger;
  /** A database opened by the caller (tests); otherwise opened from config. */
  database?: DatabaseHandle;
  /** Migrate on open (the default); `keyledger migrate` and tests may do it themselves. */
  migrate?: boolean;
  /** This node's name in the scheduler lease (default: host name, process id and a random suffix). */
  nodeId?: string;
}

/** Opens the database, migrates it, loads the ledger key and wires the services. */
export async function createRuntime(config: Config, options: RuntimeOptions = {}): Promise<Runtime> {
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? createLogger(config.logLevel);
  const database = options.database ?? openDatabase(config);
  let bus: ClusterBus | undefined;
  try {
    if (options.migrate !== false) await migrateToLatest(database.db, database.dialect);
    const newId = createIdGenerator(clock);
    const metrics = createMetrics();
    let sequencer: Sequencer | undefined;
    let oidcCommitted: ((actions: string[]) => void) | undefined;
    let streamDelivery: StreamDelivery | undefined;
    let fanOut: { committed(actions: string[]): void } | undefined;
    const runner = createCommandRunner({
      db: database.db,
      clock,
      newId,
      ledgerWriter: ledgerWriterFor(database),
      onAppended: (events) => {
        metrics.ledgerEventsAppended.inc(events.length);
        sequencer?.poke();
        streamDelivery?.poke();
        const actions = events.map((e) => e.action);
        oidcCommitted?.(actions);
        fanOut?.committed(actions);
      },
    });
    const master = loadMasterKey(config.masterKey, config.dataDir);
    const signer = await loadOrCreateLedgerSigner({ db: database.db, runner, master, publicUrl: config.publicUrl });
    sequencer = createSequencer({ db: database.db, dialect: database.dialect, clock, signer, intervalMs: config.sequencerIntervalMs, logger });
    const hooks: MembershipRemovalHook[] = [];
    const deactivationHooks: UserDeactivationHook[] = [];
    const moveHooks: UserMoveHook[] = [];
    const identity = createIdentityService({ db: database.db, runner, newId, membershipRemovalHooks: hooks, userDeactivationHooks: deactivationHooks, userMoveHooks: moveHooks });
    const ledger = createLedgerQueries(database.db);
    const access = createAccessService({ db: database.db, runner, clock, newId, identity, ledger });
    hooks.push((scope, orgId, userId) => access.endAssignmentsOf(scope, orgId, 'user', userId, 'membership ended'));
    const serviceAccounts = createServiceAccountService({ db: database.db, runner, clock, newId, identity, access });
    // An owner who leaves or is deactivated leaves their service accounts ownerless (a finding), in the same transaction.
    hooks.push(serviceAccounts.onMembershipRemoved);
    deactivationHooks.push(serviceAccounts.onUserDeactivated);
    const apiKeys = createApiKeyService({ db: database.db, runner, clock, newId });
    const bootstrap = createBootstrapService({ db: database.db, runner, clock, newId, apiKeys, publicUrl: config.publicUrl });
    const sessions = createSessionService({ db: database.db, runner, clock, newId });
    // Leaving an organization ends the sessions signed in to it, in the same transaction.
    hooks.push(async (scope, orgId, userId) => {
      await sessions.revokeAllForUserInScope(scope, userId, 'membership ended', { orgId });
      return [];
    });
    deactivationHooks.push(async (scope, userId, status) => {
      await sessions.revokeAllForUserInScope(scope, userId, `user ${status}`);
    });
    const mailer = createMailer({ db: database.db, clock, newId, logger, smtpUrl: config.smtpUrl, from: config.mailFrom });
    const limiters = await createRateLimiterFactory({ store: resolveRateLimitStore(config, database.dialect), keyPrefix: config.rateLimit.keyPrefix, pgPool: database.pgPool, redisUrl: config.redisUrl, logger });
    const { ipFailures, ipAccounts, backoffAfter } = config.rateLimit;
    const lockouts = createLockoutService({ db: database.db, runner, clock, newId, master, mailer, identity, logger, publicUrl: config.publicUrl, policy: lockoutPolicyFrom(config.lockout), limiters, limits: { ipFailures, ipAccounts, backoffAfter, ...DEFAULT_THROTTLE_TIMES } });
    const rp = { id: config.webauthnRpId, name: 'Keyledger', origins: config.webauthnOrigins };
    const authn = createAuthnService({ db: database.db, runner, clock, newId, master, sessions, identity, rp, guard: lockouts.guard });
    const passkeys = createPasskeyService({ db: database.db, runner, clock, newId, sessions, rp });
    const enrollment = createEnrollmentService({ db: database.db, runner, clock, newId, identity, authn, sessions, mail: createMailDispatch(mailer, logger), publicUrl: config.publicUrl });
    const applications = createApplicationService({ db: database.db, runner, clock, newId, identity });
    const clientSources: ClientSources = { findApplication: (id) => applications.findClient(id), findServiceAccount: (id) => serviceAccounts.findClient(id) };
    const operatorOrgId = createOperatorOrgLookup(database.db, config.operatorOrg, () => clock.now().getTime());
    const oidc = createOidcService({
      db: database.db,
      sqlite: database.sqlite,
      runner,
      clock,
      master,
      logger,
      publicUrl: config.publicUrl,
      operatorOrgId,
      trustProxy: config.trustProxy,
      sessions,
      sources: clientSources,
      verifyApplicationSecret: (id, secret) => applications.verifySecret(id, secret),
      verifyServiceAccountSecret: (id, secret) => serviceAccounts.verifySecret(id, secret),
      recordCredentialUse: (id, ip) => serviceAccounts.recordUse(id, ip),
    });
    oidcCommitted = oidc.onCommitted;
    oidc.start();
    // The admin API also takes the console's access tokens: a user of the operator organization, scoped by their roles there.
    apiKeys.acceptBearer(createConsoleTokens({ db: database.db, clock, oidc, operatorOrgId, stepUpSeconds: config.consoleStepUpSeconds }).authenticate);
    // Deprovisioning and leaving: the user's grants and tokens go with their sessions, in the same transaction.
    hooks.push(async (scope, _orgId, userId) => {
      await oidc.revokeAccount(scope, userId);
      return [];
    });
    deactivationHooks.push(async (scope, userId) => {
      await oidc.revokeAccount(scope, userId);
    });
    // A disabled or deleted service account's tokens, or a revoked credential's, go in the same transaction.
    serviceAccounts.principalRevocationHooks.push(async (scope, { serviceAccountId, credentialId, reason }) => {
      if (reason === 'account_disabled' || reason === 'account_deleted') await oidc.revokeClient(scope, serviceAccountId);
      else if (reason === 'credential_revoked' && credentialId) await oidc.revokeCredential(scope, credentialId);
      // A rotated-out credential keeps working until its overlap ends; introspection checks it is still active.
    });
    // A disabled or deleted application's tokens go in the same transaction (its client_id is its id).
    applications.revocationHooks.push(async (scope, { applicationId }) => {
      await oidc.revokeClient(scope, applicationId);
    });
    const accessRequests = createAccessRequestService({ db: database.db, newId, identity });
    const notify = createNotifyService({ db: database.db, runner, clock, newId, logger, master, identity, mailer });
    const accessReviews = createAccessReviewService({ db: database.db, runner, clock, newId, identity, access, logger, notify: notify.notifyInScope });
    // A change of department, title or manager opens a mover review of the user's access, in the same transaction.
    moveHooks.push(accessReviews.onUserMoved);
    const approvals = createApprovalService({ db: database.db, runner, clock, newId, logger, ledger, identity, access, requests: accessRequests, notify: notify.notifyInScope });
    const lifecycle = createLifecycleService({ db: database.db, runner, clock, newId, logger, master, publicUrl: config.publicUrl, identity, access, accessRequests });
    // Deprovisioning (however it comes) ends every role assignment and pending request and writes the leaver record, after the revocations above.
    deactivationHooks.push(lifecycle.onUserDeactivated);
    const eligibilities = createEligibilityService({ db: database.db, runner, clock, newId, identity, access });
    const elevation = { ...createElevationService({ db: database.db, runner, clock, newId, logger, identity, access, eligibilities, notify: notify.notifyInScope }), ...createElevationFindings({ db: database.db, clock, identity }) };
    const elevationRequests = createElevationRequests({ runner, identity, approvals, eligibilities, elevation });
    // A leaver can no longer activate anything: their eligibilities end with their membership or account (after their assignments above).
    hooks.push(async (scope, orgId, userId) => {
      await eligibilities.endEligibilitiesOfInScope(scope, orgId, userId, 'membership ended');
      return [];
    });
    deactivationHooks.push(async (scope, userId, status) => {
      if (status === 'deprovisioned') await eligibilities.endEligibilitiesOfInScope(scope, null, userId, 'user deprovisioned');
    });
    const scim = createScimService({ db: database.db, dialect: database.dialect, runner, clock, newId, identity, access, lifecycle, requests: accessRequests, publicUrl: config.publicUrl });
    const sso = createSsoService({ db: database.db, runner, clock, newId, master, identity, access, requests: accessRequests, openSessionInScope: authn.openSessionInScope, publicUrl: config.publicUrl, dnsServers: config.dnsServers });
    const nodeId = options.nodeId ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
    const scheduler = createScheduler({ db: database.db, clock, logger, nodeId });
    // Other nodes hear of committed client and key changes at once; what they miss, their caches' TTL bounds.
    bus = createClusterBus({ redisUrl: config.redisUrl, pgPool: database.pgPool, dialect: database.dialect, logger, nodeId, prefix: config.rateLimit.keyPrefix });
    fanOut = createCacheFanOut({ bus, caches: oidc, logger });
    const clusterBus = bus;
    const streamDestinations = createDestinationService({ db: database.db, runner, clock, newId, master, identity });
    streamDelivery = createStreamDelivery({ db: database.db, runner, clock, logger, metrics, unseal: streamDestinations.unseal, nodeId });
    const delivery = streamDelivery;
    // Everything periodic runs through the scheduler; each job keeps its own per-item claims as well.
    scheduler.register('lifecycle.scheduled_terminations', () => lifecycle.runDue(), { everySeconds: 60 });
    scheduler.register('notify.deliver', () => notify.deliverDue(), { everySeconds: 10 });
    // Activations and assignments past their expiry are already gone for every read; this job closes their rows and records the end.
    scheduler.register('access.expire_assignments', () => elevation.endExpired(), { everySeconds: 30 });
    scheduler.register('access.expire_requests', () => approvals.expireDue(), { everySeconds: 300 });
    scheduler.register('access.reviews.open_scheduled', () => accessReviews.openScheduled(), { everySeconds: 3600 });
    scheduler.register('access.reviews.mark_overdue', () => accessReviews.markOverdue(), { everySeconds: 300 });
    scheduler.register('access.reviews.remind', () => accessReviews.sendReminders(), { everySeconds: 3600 });
    const findings = createFindingsMonitor({
      db: database.db,
      runner,
      clock,
      newId,
      logger,
      ledger,
      sources: {
        elevation: (orgId) => elevation.listElevationFindings(orgId),
        approvals: (orgId) => approvals.listApprovalFindings(orgId),
        reviews: (orgId) => accessReviews.listReviewFindings(orgId),
        serviceAccounts: (orgId) => serviceAccounts.listFindings(orgId),
        lifecycle: (orgId) => lifecycle.listFindings(orgId),
      },
    });
    // New ledger events re-evaluate the organizations they touched; the sweep catches what time alone changes (stale accounts, overdue reviews).
    scheduler.register('monitor.findings.evaluate_changed', () => findings.evaluateChanged().then((r) => r.opened + r.reopened + r.closed), { everySeconds: 10 });
    scheduler.register('monitor.findings.evaluate', () => findings.evaluate().then((r) => r.opened + r.reopened + r.closed), { everySeconds: 900 });
    const detections = createDetectionService({ db: database.db, runner, newId, ledger, identity, settings: config.detections, logger });
    const incidents = createIncidentService({ db: database.db, runner, newId, ledger, identity });
    // Detections read the ledger after their own cursor; a run claims each batch with a conditional update.
    scheduler.register('monitor.detections.scan', () => detections.scan(), { everySeconds: 5 });
    // An export reads the whole runtime (ledger, settings, monitors); it is built once the runtime exists.
    let self: Runtime | undefined;
    const evidenceExports = createEvidenceExportService({ db: database.db, runner, clock, newId, logger, identity, nodeId, build: (request, progress) => buildEvidencePackage(self!, request, progress) });
    scheduler.register('evidence.exports.run', () => evidenceExports.kick(), { everySeconds: 5 });
    const compliance = createComplianceService({ clock, identity, access, accessReviews, authn, sessions, sso, ledger, lifecycle, findings });
    const seq = sequencer;
    self = {
      config,
      clock,
      logger,
      database,
      newId,
      runner,
      signer,
      sequencer: seq,
      ledger,
      identity,
      access,
      eligibilities,
      elevation,
      accessRequests,
      approvals,
      elevationRequests,
      accessReviews,
      lifecycle,
      scim,
      sso,
      serviceAccounts,
      apiKeys,
      bootstrap,
      sessions,
      authn,
      passkeys,
      lockouts,
      enrollment,
      applications,
      mailer,
      oidc,
      operatorOrgId,
      revocation: createPrincipalRevocation({ runner, sessions, oidc }),
      master,
      metrics,
      scheduler,
      notify,
      findings,
      streamDestinations,
      streamDelivery: delivery,
      detections,
      incidents,
      evidenceExports,
      compliance,
      bus: clusterBus,
      readiness: { draining: false },
      async close() {
        // Links already promised to someone (sign-up, reset) are delivered before the database goes away.
        await enrollment.mailIdle();
        await scheduler.stop();
        await evidenceExports.stop();
        await delivery.stop();
        await lifecycle.stop();
        oidc.stop();
        await oidc.settled();
        await seq.stop();
        await lockouts.close();
        // After the last commits above, so other nodes hear of them.
        await clusterBus.close();
        await database.destroy();
      },
    };
    return self;
  } catch (err) {
    await bus?.close();
    if (!options.database) await database.destroy();
    throw err;
  }
}
