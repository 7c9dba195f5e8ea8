import { stepUpChallenge } from './auth-guard.ts';
import type { FastifyError, FastifyInstance } from 'fastify';
import { KeyledgerError, type ErrorCode } from '../platform/errors.ts';

export interface ErrorBody {
  error: { code: ErrorCode; message: string; requestId: string; details?: unknown };
}

/** Maps Fastify's own errors to catalogue codes. */
function fromFastifyError(err: FastifyError): KeyledgerError | null {
  if (err.validation) {
    const details = err.validation.map((v) => ({ path: `${err.validationContext ?? ''}${v.instancePath}`, message: v.message, params: v.params }));
    return new KeyledgerError('request.invalid', `${err.validationContext ?? 'request'}${err.validation[0]?.instancePath ?? ''} ${err.validation[0]?.message ?? 'is invalid'}`, details);
  }
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new KeyledgerError('request.body_too_large', err.message);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new KeyledgerError('request.unsupported_media_type', err.message);
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new KeyledgerError('request.malformed_json', 'the body is not valid JSON');
  }
  if (err instanceof SyntaxError || (err as { type?: string }).type === 'entity.parse.failed') {
    return new KeyledgerError('request.malformed_json', 'the body is not valid JSON');
  }
  if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
    return new KeyledgerError('request.invalid', err.message);
  }
  return null;
}

/** The whole seconds a throttled client must wait, from a 429's `details.retryAfterSeconds`; null for any other error. */
function retryAfterSeconds(err: KeyledgerError): number | null {
  const value = (err.details as { retryAfterSeconds?: unknown } | undefined)?.retryAfterSeconds;
  return err.status === 429 && typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : null;
}

/**
 * One place turns every error into `{ error: { code, message, requestId } }`.
 * Client errors are logged at info with their code; server errors are logged
 * in full and reach the client only as `internal`.
 */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((raw: FastifyError | KeyledgerError, request, reply) => {
    const known = raw instanceof KeyledgerError ? raw : fromFastifyError(raw as FastifyError);
    if (known && known.expose) {
      request.log.info({ code: known.code, status: known.status }, known.message);
      const body: ErrorBody = { error: { code: known.code, message: known.message, requestId: request.id } };
      if (known.details !== undefined) body.error.details = known.details;
      const retryAfter = retryAfterSeconds(known);
      // RFC 9110 §10.2.3: a 429 tells the client when it may try again.
      if (retryAfter !== null) reply.header('retry-after', String(retryAfter));
      if (known.code === 'auth.step_up_required') reply.header('www-authenticate', stepUpChallenge(known.details as { acrValues: string; maxAge: number }));
      return reply.status(known.status).send(body);
    }
    request.log.error({ err: raw }, 'request failed');
    return reply.status(500).send({ error: { code: 'internal', message: 'internal server error', requestId: request.id } });
  });
  app.setNotFoundHandler((request, reply) => {
    reply.status(404).send({ error: { code: 'route.not_found', message: `no endpoint ${request.method} ${request.url.split('?')[0]}`, requestId: request.id } });
  });
}
