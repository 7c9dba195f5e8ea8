import type { FastifyPluginAsync } from 'fastify';
import type { Runtime } from '../runtime.ts';
import { requestContext } from '../http/auth-guard.ts';
import { errors } from '../http/schemas.ts';
import { HrEventOutcomeSchema } from './schemas.ts';

/** An HR event is small; a larger body is refused before it is read. */
const HR_EVENT_BODY_LIMIT = 64 * 1024;

const header = (value: string | string[] | undefined): string | undefined => (typeof value === 'string' ? value : undefined);

/**
 * POST /api/v1/lifecycle/hr-events: authenticated by its HMAC signature, not an
 * API key. The signature covers the raw bytes, so this plugin (and only it)
 * takes application/json bodies as a Buffer, unparsed; the event is parsed
 * after the signature verified.
 */
export function hrWebhookRoutes(rt: Runtime): FastifyPluginAsync {
  return async (app) => {
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: HR_EVENT_BODY_LIMIT }, (_req, body, done) => done(null, body));

    app.post('/lifecycle/hr-events', {
      bodyLimit: HR_EVENT_BODY_LIMIT,
      schema: {
        tags: ['HR sources'],
        summary: 'Receive a signed HR event (employee.terminated, employee.rehired)',
        description:
          'Headers: `Keyledger-Source: <hr source id>` and `Keyledger-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, t + "." + raw body)>`. Body: `{ "id", "type", "employeeId", "effectiveAt" }`. The timestamp must be within 5 minutes; an event id is accepted once per source. See docs/lifecycle.md.',
        security: [],
        response: { 202: HrEventOutcomeSchema, ...errors(400, 401, 409, 413, 415) },
      },
      handler: async (req, reply) => {
        const outcome = await rt.lifecycle.receiveHrEvent({
          sourceId: header(req.headers['keyledger-source']),
          signature: header(req.headers['keyledger-signature']),
          body: Buffer.isBuffer(req.body) ? req.body : undefined,
          request: requestContext(req),
        });
        return reply.status(202).send(outcome);
      },
    });
  };
}
