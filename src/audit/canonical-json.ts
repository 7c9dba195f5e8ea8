/**
 * RFC 8785 JSON Canonicalization Scheme (JCS): one byte sequence per JSON
 * value, so an event hashes the same wherever it is re-serialized.
 *
 * - object members sorted by key, comparing UTF-16 code units (§3.2.3);
 *   members whose value is `undefined` are omitted, as JSON.stringify does;
 * - numbers in ECMAScript Number-to-String form (§3.2.2.3), -0 as 0;
 * - strings escaped as JSON.stringify does, which is JCS's escaping (§3.2.2.2)
 *   for well-formed strings; lone surrogates are refused (I-JSON, RFC 7493);
 * - no whitespace.
 *
 * Only plain data is accepted: null, booleans, finite numbers, strings,
 * arrays and plain objects. Dates, Buffers, BigInts, Maps, class instances,
 * functions, symbols, NaN/Infinity, `undefined` outside an object member,
 * sparse arrays and cycles are refused with CanonicalJsonError; callers
 * convert such values themselves (e.g. a Date to an ISO string). `toJSON`
 * methods are not consulted. Symbol-keyed and non-enumerable properties are
 * ignored, as in JSON.stringify.
 */

import { KeyledgerError } from '../platform/errors.ts';

/** A value that has no RFC 8785 form; `path` locates it (`$.a[2].b`). */
export class CanonicalJsonError extends KeyledgerError {
  override readonly name = 'CanonicalJsonError';
  constructor(
    readonly path: string,
    problem: string,
  ) {
    super('ledger.not_canonicalizable', `cannot canonicalize ${path}: ${problem}`, { path });
  }
}

// Deeper than any audit event; refusing here beats a RangeError from the stack.
const MAX_DEPTH = 1000;

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/**
 * Raised deep inside a value; each enclosing container adds its path segment
 * as the error unwinds, so the hot path never builds paths.
 */
class Refusal {
  segments: string[] = [];
  constructor(readonly problem: string) {}
}

/**
 * Returns the RFC 8785 canonical JSON text of `value`.
 * Requires plain JSON data (see the module comment); throws CanonicalJsonError
 * with code `ledger.not_canonicalizable` for anything else.
 */
export function canonicalize(value: unknown): string {
  try {
    return serialize(value, new Set(), 0);
  } catch (err) {
    if (err instanceof Refusal) throw new CanonicalJsonError('$' + err.segments.reverse().join(''), err.problem);
    throw err;
  }
}

function serialize(value: unknown, open: Set<object>, depth: number): string {
  switch (typeof value) {
    case 'string':
      return serializeString(value);
    case 'number':
      if (!Number.isFinite(value)) throw new Refusal(`${value} is not a JSON number`);
      return String(value); // ECMAScript shortest round-trip form; String(-0) is "0"
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      if (value === null) return 'null';
      return serializeContainer(value, open, depth);
    case 'undefined':
      throw new Refusal('undefined has no JSON form (only object members may be undefined, and are omitted)');
    case 'bigint':
      throw new Refusal('a BigInt is not a JSON number; convert it to a string or a safe integer');
    default:
      throw new Refusal(`a ${typeof value} has no JSON form`);
  }
}

function serializeString(s: string): string {
  if (!s.isWellFormed()) throw new Refusal('string contains a lone UTF-16 surrogate');
  return JSON.stringify(s);
}

// Events reuse a small set of member names; their serialized form is kept (bounded, so odd keys cannot grow it).
const KEY_CACHE = new Map<string, string>();
const KEY_CACHE_LIMIT = 2_000;

function serializeKey(key: string): string {
  let text = KEY_CACHE.get(key);
  if (text === undefined) {
    text = serializeString(key);
    if (KEY_CACHE.size < KEY_CACHE_LIMIT) KEY_CACHE.set(key, text);
  }
  return text;
}

function serializeContainer(value: object, open: Set<object>, depth: number): string {
  if (depth >= MAX_DEPTH) throw new Refusal(`nesting deeper than ${MAX_DEPTH} levels`);
  if (open.has(value)) throw new Refusal('value contains a cycle');
  open.add(value);
  try {
    if (Array.isArray(value)) return serializeArray(value, open, depth);
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) throw new Refusal(`${describe(value)} is not a plain object; convert it first`);
    return serializeObject(value as Record<string, unknown>, open, depth);
  } finally {
    open.delete(value);
  }
}

function serializeArray(items: readonly unknown[], open: Set<object>, depth: number): string {
  let out = '[';
  let i = 0;
  try {
    for (; i < items.length; i++) {
      if (!(i in items)) throw new Refusal('sparse array hole');
      if (i > 0) out += ',';
      out += serialize(items[i], open, depth + 1);
    }
  } catch (err) {
    if (err instanceof Refusal) err.segments.push(`[${i}]`);
    throw err;
  }
  return out + ']';
}

function serializeObject(obj: Record<string, unknown>, open: Set<object>, depth: number): string {
  // Array.prototype.sort without a comparator orders by UTF-16 code units, as §3.2.3 requires.
  const keys = Object.keys(obj).sort();
  let out = '{';
  let first = true;
  let key = '';
  try {
    for (key of keys) {
      const member = obj[key];
      if (member === undefined) continue;
      if (!first) out += ',';
      first = false;
      out += serializeKey(key) + ':' + serialize(member, open, depth + 1);
    }
  } catch (err) {
    if (err instanceof Refusal) err.segments.push(IDENTIFIER.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`);
    throw err;
  }
  return out + '}';
}

function describe(value: object): string {
  const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof name === 'string' && name !== '' ? `a ${name}` : 'an object with a custom prototype';
}
