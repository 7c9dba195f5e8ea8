import { Type, type TSchema } from 'typebox';
import { ERROR_CATALOGUE } from '../platform/errors.ts';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../platform/pagination.ts';

/** Shared pieces of route contracts. */
export const ErrorResponse = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ enum: Object.keys(ERROR_CATALOGUE) }),
      message: Type.String(),
      requestId: Type.String(),
      details: Type.Optional(Type.Unknown()),
    }),
  },
);

export const PageQuery = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE })),
  cursor: Type.Optional(Type.String({ maxLength: 400 })),
};

export function Paged<T extends TSchema>(item: T) {
  return Type.Object({ items: Type.Array(item), nextCursor: Type.Union([Type.String(), Type.Null()]) });
}

export const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

export const OrgParams = Type.Object({ org: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false });
export const Uuid = Type.String({ format: 'uuid' });
export const Timestamp = Type.String({ format: 'date-time' });

/** Error responses a route may return, for OpenAPI (each refers to the one ErrorResponse shape). */
export function errors(...statuses: number[]): Record<number, typeof ErrorResponse> {
  return Object.fromEntries(statuses.map((s) => [s, ErrorResponse]));
}
