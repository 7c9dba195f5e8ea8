import type { FastifyPluginAsync } from 'fastify';
import { Type } from 'typebox';
import type { Runtime } from '../runtime.ts';
import { requireScope } from '../http/auth-guard.ts';
import { errors, Nullable, PageQuery, Timestamp, Uuid } from '../http/schemas.ts';
import type { EventFilter } from './ledger-queries.ts';
import { KeyledgerError } from '../platform/errors.ts';

/** A ledger event as the API shows it (also in alert and incident responses). */
export const EventSchema = Type.Object({
  id: Uuid,
  seq: Type.Integer(),
  time: Timestamp,
  action: Type.String(),
  outcome: Type.String(),
  reason: Type.Optional(Type.String()),
  actor: Type.Object({ type: Type.String(), id: Type.String(), display: Type.String() }),
  org: Nullable(Type.String()),
  targets: Type.Array(Type.Object({ type: Type.String(), id: Type.String(), display: Type.Optional(Type.String()) })),
  context: Type.Object({}, { additionalProperties: true }),
  data: Type.Object({}, { additionalProperties: true }),
  v: Type.Integer(),
});
const CheckpointSchema = Type.Object({ size: Type.Integer(), rootHash: Type.String({ description: 'base64' }), note: Type.String({ description: 'C2SP signed note' }), keyId: Type.String(), createdAt: Timestamp });
const EventQuery = Type.Object(
  {
    actor: Type.Optional(Type.String({ maxLength: 100 })),
    action: Type.Optional(Type.String({ maxLength: 100, description: 'action prefix, e.g. identity.user; several separated by commas (any of them), e.g. scim.user,scim.group' })),
    target: Type.Optional(Type.String({ maxLength: 100 })),
    org: Type.Optional(Type.String({ maxLength: 64, description: 'organization id or slug' })),
    since: Type.Optional(Timestamp),
    until: Type.Optional(Timestamp),
    order: Type.Optional(Type.Union([Type.Literal('asc'), Type.Literal('desc')], { description: 'asc (default): ledger order; desc: newest first' })),
    ...PageQuery,
  },
  { additionalProperties: false },
);
const ProofQuery = Type.Object({ treeSize: Type.Optional(Type.Integer({ minimum: 1 })) }, { additionalProperties: false });
const ConsistencyQuery = Type.Object({ from: Type.Integer({ minimum: 1 }), to: Type.Optional(Type.Integer({ minimum: 1 })) }, { additionalProperties: false });

const toApiCheckpoint = (cp: { size: number; rootHash: Buffer; note: string; keyId: string; createdAt: string }) => ({ ...cp, rootHash: cp.rootHash.toString('base64') });

/**
 * The ledger read API (scope audit:read) and the public verifier key at
 * /.well-known/keyledger/ledger-key, so anyone holding a checkpoint or proof
 * can check it without trusting this server.
 */
export function auditRoutes(rt: Runtime): FastifyPluginAsync {
  return async (app) => {
    const read = requireScope(rt.apiKeys, 'audit:read');
    const tags = ['Audit ledger'];

    app.get('/audit/events', {
      onRequest: read,
      schema: { tags, summary: 'List ledger events in order (or newest first), filtered by actor, action prefixes, target, organization and time', querystring: EventQuery, response: { 200: Type.Object({ items: Type.Array(EventSchema), nextCursor: Nullable(Type.String()) }), ...errors(400, 401, 403, 404) } },
      handler: async (req) => {
        const q = req.query as { actor?: string; action?: string; target?: string; org?: string; since?: string; until?: string; order?: 'asc' | 'desc'; limit: number; cursor?: string };
        const filter: EventFilter = { actorId: q.actor, actionPrefix: q.action, targetId: q.target, since: q.since && new Date(q.since).toISOString(), until: q.until && new Date(q.until).toISOString() };
        if (q.org) filter.orgId = (await rt.identity.requireOrg(q.org)).id;
        const { events, nextCursor } = await rt.ledger.listEvents(filter, { limit: q.limit, cursor: q.cursor, order: q.order });
        return { items: events, nextCursor };
      },
    });

    app.get('/audit/events/:id', {
      onRequest: read,
      schema: { tags, summary: 'Read one ledger event', params: Type.Object({ id: Uuid }), response: { 200: EventSchema, ...errors(400, 401, 403, 404) } },
      handler: async (req) => rt.ledger.getEvent((req.params as { id: string }).id),
    });

    app.get('/audit/events/:id/proof', {
      onRequest: read,
      schema: {
        tags,
        summary: 'Inclusion proof of an event against the latest (or a given) signed checkpoint',
        params: Type.Object({ id: Uuid }),
        querystring: ProofQuery,
        response: {
          200: Type.Object({
            eventId: Type.String(),
            leafIndex: Type.Integer(),
            treeSize: Type.Integer(),
            leafHash: Type.String(),
            rootHash: Type.String(),
            proof: Type.Array(Type.String()),
            checkpoint: Type.String(),
            canonicalEvent: Type.String(),
            event: EventSchema,
          }),
          ...errors(400, 401, 403, 404, 409),
        },
      },
      handler: async (req) => rt.ledger.inclusionProof((req.params as { id: string }).id, (req.query as { treeSize?: number }).treeSize),
    });

    app.get('/audit/checkpoints/latest', {
      onRequest: read,
      schema: { tags, summary: 'The newest signed checkpoint', response: { 200: CheckpointSchema, ...errors(401, 403, 404) } },
      handler: async () => {
        const cp = await rt.ledger.latestCheckpoint();
        if (!cp) throw new KeyledgerError('ledger.checkpoint_not_found', 'the ledger has no signed checkpoint yet');
        return toApiCheckpoint(cp);
      },
    });

    app.get('/audit/checkpoints/:size', {
      onRequest: read,
      schema: { tags, summary: 'The signed checkpoint of a tree size', params: Type.Object({ size: Type.Integer({ minimum: 1 }) }), response: { 200: CheckpointSchema, ...errors(400, 401, 403, 404) } },
      handler: async (req) => {
        const size = (req.params as { size: number }).size;
        const cp = await rt.ledger.checkpointAt(size);
        if (!cp) throw new KeyledgerError('ledger.checkpoint_not_found', `no signed checkpoint for tree size ${size}`);
        return toApiCheckpoint(cp);
      },
    });

    app.get('/audit/consistency', {
      onRequest: read,
      schema: {
        tags,
        summary: 'Consistency proof between two tree sizes (the newer one a signed checkpoint)',
        querystring: ConsistencyQuery,
        response: {
          200: Type.Object({ fromSize: Type.Integer(), toSize: Type.Integer(), fromRoot: Type.String(), toRoot: Type.String(), proof: Type.Array(Type.String()), fromCheckpoint: Nullable(Type.String()), toCheckpoint: Type.String() }),
          ...errors(400, 401, 403, 404),
        },
      },
      handler: async (req) => {
        const q = req.query as { from: number; to?: number };
        return rt.ledger.consistencyProof(q.from, q.to);
      },
    });
  };
}

/** The public verifier key, served without authentication at the root. */
export function ledgerKeyRoutes(rt: Runtime): FastifyPluginAsync {
  return async (app) => {
    const tags = ['Audit ledger'];
    app.get('/.well-known/keyledger/ledger-key', {
      schema: {
        tags,
        summary: 'The public key that signs ledger checkpoints (C2SP signed-note verifier key, and PEM)',
        security: [],
        response: { 200: Type.Object({ keyName: Type.String(), keyId: Type.String(), algorithm: Type.Literal('Ed25519'), verifierKey: Type.String(), publicKeyPem: Type.String() }) },
      },
      handler: async () => ({
        keyName: rt.signer.keyName,
        keyId: rt.signer.keyId,
        algorithm: 'Ed25519' as const,
        verifierKey: rt.signer.verifierKey,
        publicKeyPem: rt.signer.publicKey.export({ format: 'pem', type: 'spki' }).toString(),
      }),
    });
  };
}
