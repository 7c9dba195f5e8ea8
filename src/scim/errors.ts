import { ERROR_SCHEMA } from './schemas.ts';

/** The `scimType` values of RFC 7644 §3.12 (400 and 409 responses). */
export type ScimType = 'invalidFilter' | 'tooMany' | 'uniqueness' | 'mutability' | 'invalidSyntax' | 'invalidPath' | 'noTarget' | 'invalidValue' | 'invalidVers' | 'sensitive';

/**
 * A SCIM protocol error: answered with the RFC 7644 §3.12 error body
 * (`schemas`, `status` as a string, `scimType`, `detail`), not with the admin
 * API's error shape, and nothing the request asked for is changed.
 */
export class ScimError extends Error {
  readonly status: number;
  readonly scimType: ScimType | null;

  constructor(status: number, scimType: ScimType | null, detail: string) {
    super(detail);
    this.name = 'ScimError';
    this.status = status;
    this.scimType = scimType;
  }

  body(): Record<string, unknown> {
    return { schemas: [ERROR_SCHEMA], status: String(this.status), ...(this.scimType ? { scimType: this.scimType } : {}), detail: this.message };
  }
}

/** A 400 with `scimType` (the most common refusal). */
export const badRequest = (scimType: ScimType, detail: string) => new ScimError(400, scimType, detail);
