import { badRequest } from './errors.ts';

/**
 * Readers for incoming SCIM resource bodies (POST, PUT, and the result of a
 * PATCH). Rules shared by Users and Groups:
 * - attribute names are matched case-insensitively at every level (Microsoft
 *   Entra sends `"Primary"`, `"Department"`, `"Manager": {"Value": …}`);
 * - a value of the wrong type is refused with `invalidValue`, naming the
 *   attribute, what it got and what it expected;
 * - booleans may arrive as the strings "true"/"false" in any case (Entra);
 * - strings are at most MAX_STRING characters, multi-valued attributes hold at
 *   most a given number of items.
 */

export type Json = Record<string, unknown>;

/** The longest string attribute accepted (characters). */
export const MAX_STRING = 1024;

export function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A short rendering of a refused value for an error detail (never the whole body). */
export function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  const text = JSON.stringify(v) ?? String(v);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/**
 * An object's members by lower-cased name. Two names that differ only in case
 * are refused: which of them is meant cannot be told.
 */
export class Fields {
  private readonly byName = new Map<string, unknown>();

  constructor(obj: Json, readonly where: string) {
    for (const [key, value] of Object.entries(obj)) {
      const lower = key.toLowerCase();
      if (this.byName.has(lower)) throw badRequest('invalidValue', `${where} has the attribute "${key}" twice (names are case-insensitive)`);
      this.byName.set(lower, value);
    }
  }

  /** The raw member `name` (any case); undefined when absent. */
  get(name: string): unknown {
    return this.byName.get(name.toLowerCase());
  }

  /** The attribute's path in error details, e.g. `emails[1].primary`. */
  path(name: string): string {
    return this.where ? `${this.where}.${name}` : name;
  }

  /** A string attribute; null when absent or null. */
  string(name: string): string | null {
    return readString(this.get(name), this.path(name));
  }

  /** A boolean attribute (true/false or "true"/"false" in any case); null when absent or null. */
  boolean(name: string): boolean | null {
    return readBoolean(this.get(name), this.path(name));
  }

  /** A complex attribute's fields; null when absent or null. */
  object(name: string): Fields | null {
    const v = this.get(name);
    if (v === undefined || v === null) return null;
    if (!isObject(v)) throw badRequest('invalidValue', `Attribute "${this.path(name)}" must be a complex value (an object), got ${describeValue(v)}`);
    return new Fields(v, this.path(name));
  }

  /** A multi-valued attribute's items (empty when absent or null), at most `max` of them. */
  list(name: string, max: number): unknown[] {
    const v = this.get(name);
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) throw badRequest('invalidValue', `Attribute "${this.path(name)}" must be multi-valued (an array), got ${describeValue(v)}`);
    if (v.length > max) throw badRequest('invalidValue', `Attribute "${this.path(name)}" has ${v.length} values, at most ${max} are accepted`);
    return v;
  }
}

export function readString(v: unknown, path: string): string | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string') throw badRequest('invalidValue', `Attribute "${path}" must be a string, got ${describeValue(v)}`);
  if (v.length > MAX_STRING) throw badRequest('invalidValue', `Attribute "${path}" is ${v.length} characters long, at most ${MAX_STRING} are accepted`);
  return v;
}

export function readBoolean(v: unknown, path: string): boolean | null {
  if (v === undefined || v === null) return null;
  if (typeof v === 'boolean') return v;
  // Microsoft Entra sends "True"/"False" as strings (a documented deviation).
  if (typeof v === 'string' && /^(true|false)$/i.test(v)) return v.toLowerCase() === 'true';
  throw badRequest('invalidValue', `Attribute "${path}" must be a boolean, got ${describeValue(v)}`);
}

/**
 * The body's top-level fields after checking `schemas`: present, an array of
 * strings, naming `core`, and naming nothing outside `known` (URNs compare
 * case-insensitively).
 */
export function readResourceBody(body: unknown, core: string, known: string[]): Fields {
  if (!isObject(body)) throw badRequest('invalidSyntax', `The request body must be a JSON object, got ${describeValue(body)}`);
  const fields = new Fields(body, '');
  const schemas = fields.get('schemas');
  if (!Array.isArray(schemas) || schemas.some((s) => typeof s !== 'string')) {
    throw badRequest('invalidValue', `"schemas" must be an array of schema URNs including "${core}", got ${describeValue(schemas)}`);
  }
  const lowerKnown = known.map((k) => k.toLowerCase());
  const unknown = (schemas as string[]).find((s) => !lowerKnown.includes(s.toLowerCase()));
  if (unknown !== undefined) throw badRequest('invalidValue', `Unknown schema "${unknown}"; expected only ${known.map((k) => `"${k}"`).join(', ')}`);
  if (!(schemas as string[]).some((s) => s.toLowerCase() === core.toLowerCase())) {
    throw badRequest('invalidValue', `"schemas" must include "${core}", got ${describeValue(schemas)}`);
  }
  return fields;
}

/** Refuses more than one item with `primary: true` (RFC 7643 §2.4). */
export function checkOnePrimary(items: { primary: boolean }[], path: string): void {
  const count = items.filter((i) => i.primary).length;
  if (count > 1) throw badRequest('invalidValue', `Attribute "${path}" has ${count} values with primary true, at most one is allowed`);
}
