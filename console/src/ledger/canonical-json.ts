/**
 * RFC 8785 (JCS) canonical JSON, byte for byte as the server writes ledger
 * events (src/audit/canonical-json.ts), so the console recomputes an event's
 * leaf hash from its fields instead of trusting a serialized copy:
 *
 * - object members sorted by key in UTF-16 code-unit order, `undefined` members omitted;
 * - numbers in ECMAScript Number-to-String form, -0 as 0; NaN and Infinity refused;
 * - strings escaped as JSON.stringify does; lone surrogates refused;
 * - no whitespace.
 *
 * Only plain JSON data (what JSON.parse returns) is accepted.
 */
import { LedgerVerifyError } from './bytes.ts';

const MAX_DEPTH = 1000;

/** Returns the canonical JSON text of `value`; throws LedgerVerifyError ('not_canonicalizable') naming the offending path. */
export function canonicalize(value: unknown): string {
  return serialize(value, '$', new Set(), 0);
}

const refuse = (path: string, problem: string): never => {
  throw new LedgerVerifyError('not_canonicalizable', `cannot canonicalize ${path}: ${problem}`);
};

function serialize(value: unknown, path: string, open: Set<object>, depth: number): string {
  switch (typeof value) {
    case 'string':
      if (!value.isWellFormed()) refuse(path, 'string contains a lone UTF-16 surrogate');
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) refuse(path, `${value} is not a JSON number`);
      return String(value); // shortest round-trip form; String(-0) is "0"
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      if (value === null) return 'null';
      if (depth >= MAX_DEPTH) refuse(path, `nesting deeper than ${MAX_DEPTH} levels`);
      if (open.has(value)) refuse(path, 'value contains a cycle');
      open.add(value);
      try {
        return Array.isArray(value) ? serializeArray(value, path, open, depth) : serializeObject(value, path, open, depth);
      } finally {
        open.delete(value);
      }
    default:
      return refuse(path, `a ${typeof value} has no JSON form`);
  }
}

function serializeArray(items: readonly unknown[], path: string, open: Set<object>, depth: number): string {
  const parts: string[] = [];
  for (let i = 0; i < items.length; i++) {
    if (!(i in items)) refuse(`${path}[${i}]`, 'sparse array hole');
    parts.push(serialize(items[i], `${path}[${i}]`, open, depth + 1));
  }
  return `[${parts.join(',')}]`;
}

function serializeObject(obj: object, path: string, open: Set<object>, depth: number): string {
  const proto: unknown = Object.getPrototypeOf(obj);
  if (proto !== Object.prototype && proto !== null) refuse(path, 'not a plain object');
  const record = obj as Record<string, unknown>;
  const parts: string[] = [];
  // sort() without a comparator orders by UTF-16 code units, as RFC 8785 §3.2.3 requires.
  for (const key of Object.keys(record).sort()) {
    const member = record[key];
    if (member === undefined) continue;
    const at = `${path}[${JSON.stringify(key)}]`;
    if (!key.isWellFormed()) refuse(at, 'member name contains a lone UTF-16 surrogate');
    parts.push(`${JSON.stringify(key)}:${serialize(member, at, open, depth + 1)}`);
  }
  return `{${parts.join(',')}}`;
}
