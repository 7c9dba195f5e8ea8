import { consoleRoutes } from '../console/static-routes.ts';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import helmet from '@fastify/helmet';
import formbody from '@fastify/formbody';
import swagger from '@fastify/swagger';
import type { Runtime } from '../runtime.ts';
import { createValidatorCompiler } from './validation.ts';
import { installErrorHandler } from './error-handler.ts';
import { healthRoutes } from './health-routes.ts';
import { bootstrapRoutes } from './bootstrap-routes.ts';
import { apiKeyRoutes } from './api-key-routes.ts';
import { identityRoutes } from '../identity/routes.ts';
import { accessRoutes } from '../access/routes.ts';
import { serviceAccountRoutes } from '../service-accounts/routes.ts';
import { auditRoutes, ledgerKeyRoutes } from '../audit/routes.ts';
import { mailRoutes } from '../mail/routes.ts';
import { webRoutes } from '../web/web-routes.ts';
import { authnRoutes } from '../authn/routes.ts';
import { lockoutRoutes } from '../authn/lockout/routes.ts';
import { enrollmentRoutes } from '../authn/enrollment/routes.ts';
import { oidcRoutes } from '../oidc/mount.ts';
import { oidcAdminRoutes } from '../oidc/routes.ts';
import { applicationRoutes } from '../oidc/applications/routes.ts';
import { accessRequestRoutes } from '../access/request-routes.ts';
import { lifecycleRoutes } from '../lifecycle/routes.ts';
import { hrWebhookRoutes } from '../lifecycle/hr-webhook-routes.ts';
import { scimAdminRoutes } from '../scim/admin-routes.ts';
import { scimRoutes } from '../scim/mount.ts';
import { ssoAdminRoutes } from '../sso/routes.ts';
import { meRoutes } from '../access/me-routes.ts';
import { accessFindingRoutes } from '../access/findings-routes.ts';
import { approvalEvidenceRoutes } from '../access/approval-evidence-routes.ts';
import { notifyRoutes } from '../notify/routes.ts';
import { eligibilityRoutes } from '../access/eligibility-routes.ts';
import { elevationRoutes } from '../access/elevation-routes.ts';
import { meApprovalRoutes } from '../access/me-approval-routes.ts';
import { accessReviewRoutes } from '../access/reviews/routes.ts';
import { meAccessReviewRoutes } from '../access/reviews/me-routes.ts';
import { findingRoutes } from '../monitor/findings/routes.ts';
import { streamRoutes } from '../stream/routes.ts';
import { detectionRoutes } from '../monitor/detections/routes.ts';
import { incidentRoutes } from '../monitor/incidents/routes.ts';
import { evidenceExportRoutes } from '../evidence/exports/routes.ts';
import { complianceRoutes } from '../evidence/compliance/routes.ts';

export type App = FastifyInstance;

/**
 * Strips secrets that can travel in a URL (bootstrap, verification and reset
 * tokens, invitation links) before a URL is logged: as parameters, and as
 * link tokens carried inside another parameter, percent-encoded (a sign-in
 * page's `return_to=%2Fsignup%3Finvitation%3Dkl_invite_…`).
 */
export function redactUrl(url: string): string {
  return url.replace(/([?&](?:token|invitation)=)[^&]*/gi, '$1[redacted]').replace(/kl_(invite|verify|reset|unlock)_[A-Za-z0-9_-]+/g, 'kl_$1_[redacted]');
}

/** Assembles the HTTP server: plumbing first, then each capability's routes. */
export async function buildApp(rt: Runtime): Promise<App> {
  const app = Fastify({
    loggerInstance: rt.logger.child(
      {},
      { serializers: { req: (req: { method: string; url: string; id: string }) => ({ method: req.method, url: redactUrl(req.url), id: req.id }) } },
    ) as unknown as FastifyBaseLogger,
    bodyLimit: rt.config.bodyLimitBytes,
    requestIdHeader: false,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && /^[A-Za-z0-9._-]{1,64}$/.test(given) ? given : rt.newId();
    },
    trustProxy: rt.config.trustProxy,
  }) as unknown as FastifyInstance;

  app.setValidatorCompiler(createValidatorCompiler());
  installErrorHandler(app);

  const https = rt.config.publicUrl.startsWith('https://');
  await app.register(helmet, {
    // Written out in full (no defaults): scripts and styles only from this origin, nothing inline, no framing.
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        // Only on https: on http://localhost it would send form posts to an https port nobody serves.
        ...(https ? { upgradeInsecureRequests: [] } : {}),
      },
    },
    frameguard: { action: 'deny' },
    hsts: https,
  });
  await app.register(formbody, { bodyLimit: rt.config.bodyLimitBytes });
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Keyledger admin API', version: '1', description: 'Organizations, principals, roles, assignments, API keys and the tamper-evident audit ledger.' },
      servers: [{ url: rt.config.publicUrl }],
      components: {
        securitySchemes: {
          apiKey: { type: 'http', scheme: 'bearer', description: 'An admin API key (kl_key_…), or an access token the provider issued to the admin console (client keyledger-console): its scopes are the signed-in user’s keyledger:<scope> role permissions in the operator organization, and changes need a passkey proved within KEYLEDGER_CONSOLE_STEP_UP_SECONDS (401 auth.step_up_required with an RFC 9470 WWW-Authenticate challenge otherwise)' },
          session: { type: 'apiKey', in: 'cookie', name: 'kl_session', description: 'A signed-in Keyledger session (the self-service API under /api/v1/me); changes must come from this site with a JSON body' },
        },
      },
      security: [{ apiKey: [] }],
    },
  });

  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
    if (request.url.startsWith('/api/')) reply.header('cache-control', 'no-store');
  });
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    rt.metrics.httpRequests.inc(1, { method: request.method, route, status: String(reply.statusCode) });
    rt.metrics.httpDuration.observe(reply.elapsedTime / 1000, { route });
  });

  await app.register(healthRoutes(rt));
  await app.register(bootstrapRoutes(rt));
  // The admin API speaks JSON only: a text or form body is refused (415) instead of being parsed into something that might validate.
  await app.register(
    async (api) => {
      api.removeContentTypeParser(['text/plain', 'application/x-www-form-urlencoded']);
      await api.register(apiKeyRoutes(rt));
      await api.register(identityRoutes(rt));
      await api.register(accessRoutes(rt));
      await api.register(serviceAccountRoutes(rt));
      await api.register(auditRoutes(rt));
      await api.register(mailRoutes(rt));
      await api.register(authnRoutes(rt));
      await api.register(lockoutRoutes(rt));
      await api.register(enrollmentRoutes(rt));
      await api.register(oidcAdminRoutes(rt));
      await api.register(applicationRoutes(rt));
      await api.register(accessRequestRoutes(rt));
      await api.register(lifecycleRoutes(rt));
      await api.register(scimAdminRoutes(rt));
      await api.register(ssoAdminRoutes(rt));
      await api.register(meRoutes(rt));
      await api.register(approvalEvidenceRoutes(rt));
      await api.register(accessFindingRoutes(rt, () => [(org) => rt.approvals.listApprovalFindings(org), (org) => rt.elevation.listElevationFindings(org), (org) => rt.accessReviews.listReviewFindings(org)]));
      await api.register(notifyRoutes(rt));
      await api.register(eligibilityRoutes(rt));
      await api.register(elevationRoutes(rt));
      await api.register(meApprovalRoutes(rt));
      await api.register(accessReviewRoutes(rt));
      await api.register(meAccessReviewRoutes(rt));
      await api.register(findingRoutes(rt));
      await api.register(streamRoutes(rt));
      await api.register(detectionRoutes(rt));
      await api.register(incidentRoutes(rt));
      await api.register(evidenceExportRoutes(rt));
      await api.register(complianceRoutes(rt));
    },
    { prefix: '/api/v1' },
  );
  // Signed by the HR system, not authorized by an API key; it keeps its raw body for the signature.
  await app.register(hrWebhookRoutes(rt), { prefix: '/api/v1' });
  await app.register(ledgerKeyRoutes(rt));
  await app.register(webRoutes(rt));
  await app.register(consoleRoutes(rt));
  await app.register(oidcRoutes(rt));
  await app.register(scimRoutes(rt));

  app.get('/api/v1/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  return app;
}
