/** The shape of one row of the bad-body table (test/http/bad-input-bodies.test.ts). */

export type Body = Record<string, unknown>;
export interface Fixtures {
  params: Record<string, string>;
  memberToKeep: string;
  nonMember: string;
}

/**
 * One row per endpoint that takes a body (or may be sent one): a body that
 * would succeed, bodies of the wrong types, one missing a required field, and
 * the status the good body gets once every bad one was refused.
 */
export interface BodyCase {
  route: string;
  params: (f: Fixtures) => Record<string, string>;
  valid: ((f: Fixtures) => Body) | null;
  wrongTypes: (f: Fixtures) => Body[];
  missing: Body | null;
  success: number;
}
