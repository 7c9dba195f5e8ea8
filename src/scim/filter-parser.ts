import { badRequest, ScimError, type ScimType } from './errors.ts';
import type { CompareOp, Filter, FilterValue, PatchPath } from './filter-ast.ts';
import { resolveAttribute, type AttributeDef, type ResolvedAttribute, type ResourceKind } from './schemas.ts';

/**
 * The SCIM filter and PATCH path grammars (RFC 7644 §3.4.2.2, §3.5.2), parsed
 * into the `Filter` / `PatchPath` AST with every attribute resolved against the
 * resource schema. Pure: no I/O, no database.
 *
 * Rules enforced here (each refusal is a 400 `invalidFilter`, or `invalidPath`
 * for a PATCH path, naming the character position):
 * - precedence `not` > `and` > `or`; `not` must be followed by "(" filter ")";
 * - operators, literals (`true`, `false`, `null`) and attribute names are
 *   case-insensitive (RFC 5234 string literals; RFC 7643 §2.1);
 * - a bare word that is not a literal or a number is taken as a string value
 *   (Microsoft's reference tests send `userName sw O`);
 * - unknown attributes, `password`, a singular complex attribute compared
 *   without a sub-attribute, ordering or substring operators on booleans,
 *   and values of the wrong type are refused; a multi-valued complex attribute
 *   compared without a sub-attribute means its `value` (RFC 7644 §3.4.2.2);
 * - dateTime values are normalised to the stored form (`toISOString()`);
 * - at most 4096 characters and 32 levels of nesting (parentheses, `not`,
 *   brackets), so a hostile filter cannot exhaust the stack.
 */

export const MAX_FILTER_LENGTH = 4096;
export const MAX_FILTER_DEPTH = 32;

type Token =
  | { kind: '(' | ')' | '[' | ']'; pos: number; text: string }
  | { kind: 'word'; pos: number; text: string }
  | { kind: 'string'; pos: number; text: string; value: string }
  | { kind: 'end'; pos: number; text: string };

const COMPARE_OPS: ReadonlySet<string> = new Set(['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le']);
const ORDERING_OPS: ReadonlySet<string> = new Set(['gt', 'ge', 'lt', 'le']);
const SUBSTRING_OPS: ReadonlySet<string> = new Set(['co', 'sw', 'ew']);
const NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;
const DATE_PREFIX = /^\d{4}-\d{2}-\d{2}/;
const SUB_ATTR = /^\.([A-Za-z$][A-Za-z0-9_$-]*)$/;

const where = (pos: number) => `at character ${pos + 1}`;
const describe = (t: Token) => (t.kind === 'end' ? 'the end' : `"${t.text}"`);

function tokenize(text: string, fail: (detail: string) => ScimError): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
    } else if (c === '(' || c === ')' || c === '[' || c === ']') {
      tokens.push({ kind: c, pos: i, text: c });
      i++;
    } else if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      if (j >= text.length) throw fail(`Unterminated string starting ${where(i)}`);
      const raw = text.slice(i, j + 1);
      let value: string;
      try {
        value = JSON.parse(raw) as string;
      } catch {
        throw fail(`Invalid string ${raw} ${where(i)} (strings are JSON strings)`);
      }
      tokens.push({ kind: 'string', pos: i, text: raw, value });
      i = j + 1;
    } else {
      let j = i;
      while (j < text.length && !' \t\n\r()[]"'.includes(text[j])) j++;
      tokens.push({ kind: 'word', pos: i, text: text.slice(i, j) });
      i = j;
    }
  }
  tokens.push({ kind: 'end', pos: text.length, text: '' });
  return tokens;
}

/** The definition a resolved attribute's values follow (the sub-attribute's when there is one). */
export function definitionOf(attr: ResolvedAttribute): AttributeDef {
  return attr.subAttribute ?? attr.attribute;
}

class Parser {
  private tokens: Token[];
  private at = 0;
  private depth = 0;

  constructor(
    text: string,
    private readonly kind: ResourceKind,
    private readonly scimType: ScimType,
  ) {
    if (text.length > MAX_FILTER_LENGTH) throw this.fail(`The ${this.what()} is ${text.length} characters long; at most ${MAX_FILTER_LENGTH} are accepted`);
    this.tokens = tokenize(text, (d) => this.fail(d));
  }

  private what() {
    return this.scimType === 'invalidPath' ? 'path' : 'filter';
  }

  fail(detail: string): ScimError {
    return badRequest(this.scimType, `Invalid ${this.what()}: ${detail}`);
  }

  peek(): Token {
    return this.tokens[this.at];
  }

  next(): Token {
    const t = this.tokens[this.at];
    if (t.kind !== 'end') this.at++;
    return t;
  }

  private isWord(t: Token, word: string) {
    return t.kind === 'word' && t.text.toLowerCase() === word;
  }

  expect(kind: Token['kind'], what: string): Token {
    const t = this.next();
    if (t.kind !== kind) throw this.fail(`expected ${what} ${where(t.pos)}, found ${describe(t)}`);
    return t;
  }

  expectEnd() {
    const t = this.peek();
    if (t.kind !== 'end') throw this.fail(`unexpected ${describe(t)} ${where(t.pos)}`);
  }

  private enter(pos: number) {
    if (++this.depth > MAX_FILTER_DEPTH) throw this.fail(`nested deeper than ${MAX_FILTER_DEPTH} levels ${where(pos)}`);
  }

  /** FILTER: or-expression of and-expressions of unary filters. */
  parseOr(parent: ResolvedAttribute | undefined): Filter {
    let left = this.parseAnd(parent);
    while (this.isWord(this.peek(), 'or')) {
      this.next();
      left = { op: 'or', left, right: this.parseAnd(parent) };
    }
    return left;
  }

  private parseAnd(parent: ResolvedAttribute | undefined): Filter {
    let left = this.parseUnary(parent);
    while (this.isWord(this.peek(), 'and')) {
      this.next();
      left = { op: 'and', left, right: this.parseUnary(parent) };
    }
    return left;
  }

  private parseUnary(parent: ResolvedAttribute | undefined): Filter {
    const t = this.peek();
    if (this.isWord(t, 'not')) {
      this.next();
      this.enter(t.pos);
      const open = this.next();
      if (open.kind !== '(') throw this.fail(`"not" must be followed by a parenthesised filter ${where(open.pos)}, found ${describe(open)}`);
      const inner = this.parseOr(parent);
      this.expect(')', '")" closing the "not"');
      this.depth--;
      return { op: 'not', filter: inner };
    }
    if (t.kind === '(') {
      this.next();
      this.enter(t.pos);
      const inner = this.parseOr(parent);
      this.expect(')', `")" matching the "(" ${where(t.pos)}`);
      this.depth--;
      return inner;
    }
    return this.parseAttrExp(parent);
  }

  /** Resolves an attribute path; inside brackets the names are sub-attributes of `parent`. */
  resolve(t: Token, parent: ResolvedAttribute | undefined): ResolvedAttribute {
    if (t.kind !== 'word') throw this.fail(`expected an attribute name ${where(t.pos)}, found ${describe(t)}`);
    const path = parent ? `${parent.canonical}.${t.text}` : t.text;
    const resolved = parent && t.text.includes('.') ? undefined : resolveAttribute(this.kind, path);
    if (!resolved) {
      const scope = parent ? ` (a sub-attribute of ${parent.canonical})` : '';
      throw this.fail(`unknown attribute "${t.text}"${scope} ${where(t.pos)}`);
    }
    return resolved;
  }

  private parseAttrExp(parent: ResolvedAttribute | undefined): Filter {
    const nameToken = this.next();
    let attr = this.resolve(nameToken, parent);
    if (this.scimType === 'invalidFilter' && attr.attribute.name === 'password') throw this.fail(`"password" cannot be filtered ${where(nameToken.pos)}`);
    if (this.peek().kind === '[') return this.parseValuePath(attr, nameToken, parent);
    const opToken = this.next();
    const op = opToken.kind === 'word' ? opToken.text.toLowerCase() : '';
    if (op === 'pr') return { op: 'pr', attr };
    if (!COMPARE_OPS.has(op)) throw this.fail(`expected an operator (eq, ne, co, sw, ew, gt, ge, lt, le, pr) after "${nameToken.text}" ${where(opToken.pos)}, found ${describe(opToken)}`);
    attr = this.comparable(attr, nameToken);
    const value = this.parseValue(attr, op as CompareOp, nameToken);
    return { op: op as CompareOp, attr, value };
  }

  private parseValuePath(attr: ResolvedAttribute, nameToken: Token, parent: ResolvedAttribute | undefined): Filter {
    const open = this.next();
    if (parent || attr.subAttribute || attr.attribute.type !== 'complex') {
      throw this.fail(`"[" ${where(open.pos)} must follow a complex attribute, not "${nameToken.text}"`);
    }
    this.enter(open.pos);
    const filter = this.parseOr(attr);
    this.expect(']', `"]" closing the "[" ${where(open.pos)}`);
    this.depth--;
    return { op: 'valuePath', attr, filter };
  }

  /** A multi-valued complex attribute without a sub-attribute is compared by its `value`; a singular complex one cannot be compared. */
  private comparable(attr: ResolvedAttribute, nameToken: Token): ResolvedAttribute {
    if (attr.subAttribute || attr.attribute.type !== 'complex') return attr;
    const valueAttr = attr.attribute.multiValued ? resolveAttribute(this.kind, `${attr.canonical}.value`) : undefined;
    if (!valueAttr) throw this.fail(`"${nameToken.text}" is a complex attribute; compare one of its sub-attributes ${where(nameToken.pos)}`);
    return valueAttr;
  }

  /** compValue, checked against the attribute's type. */
  private parseValue(attr: ResolvedAttribute, op: CompareOp, nameToken: Token): FilterValue {
    const t = this.next();
    const def = definitionOf(attr);
    const name = `"${nameToken.text}"`;
    const wrong = (expected: string) => this.fail(`${name} is a ${def.type} attribute and takes ${expected}, found ${describe(t)} ${where(t.pos)}`);
    if (t.kind !== 'word' && t.kind !== 'string') throw this.fail(`expected a value after "${op}" ${where(t.pos)}, found ${describe(t)}`);
    const literal = t.kind === 'word' ? t.text.toLowerCase() : undefined;
    if (literal === 'null') {
      if (op !== 'eq' && op !== 'ne') throw this.fail(`null can only be compared with eq or ne ${where(t.pos)}`);
      return null;
    }
    if (def.type === 'boolean') {
      if (op !== 'eq' && op !== 'ne') throw this.fail(`${name} is a boolean; "${op}" cannot be applied to it ${where(nameToken.pos)}`);
      const text = t.kind === 'string' ? t.value.toLowerCase() : literal;
      if (text === 'true' || text === 'false') return text === 'true';
      throw wrong('true or false');
    }
    if (literal === 'true' || literal === 'false') throw wrong('a string');
    if (def.type === 'decimal' || def.type === 'integer') {
      if (t.kind !== 'word' || !NUMBER.test(t.text) || (def.type === 'integer' && !Number.isInteger(Number(t.text)))) throw wrong(`an ${def.type === 'integer' ? 'integer' : 'number'}`);
      if (SUBSTRING_OPS.has(op)) throw this.fail(`"${op}" cannot be applied to the number ${name} ${where(nameToken.pos)}`);
      return Number(t.text);
    }
    const text = t.kind === 'string' ? t.value : t.text;
    if (def.type === 'dateTime') {
      if (SUBSTRING_OPS.has(op)) throw this.fail(`"${op}" cannot be applied to the dateTime ${name} ${where(nameToken.pos)}`);
      const time = DATE_PREFIX.test(text) ? new Date(text).getTime() : NaN;
      if (Number.isNaN(time)) throw wrong('an RFC 3339 date and time');
      return new Date(time).toISOString();
    }
    if (def.type === 'binary' && ORDERING_OPS.has(op)) throw this.fail(`"${op}" cannot be applied to the binary ${name} ${where(nameToken.pos)}`);
    return text;
  }
}

/**
 * Parses a SCIM filter (the `filter` query parameter or a SearchRequest's) for
 * resources of `kind`. Throws `ScimError` 400 `invalidFilter` on any refusal.
 */
export function parseFilter(text: string, kind: ResourceKind): Filter {
  const parser = new Parser(text, kind, 'invalidFilter');
  if (parser.peek().kind === 'end') throw parser.fail('the filter is empty');
  const filter = parser.parseOr(undefined);
  parser.expectEnd();
  return filter;
}

/**
 * Parses the contents of a value path's brackets (`type eq "work" and value co
 * "@x"`), whose names are sub-attributes of `parent` (a complex attribute).
 */
export function parseValueFilter(text: string, kind: ResourceKind, parent: ResolvedAttribute): Filter {
  const parser = new Parser(text, kind, 'invalidFilter');
  if (parent.subAttribute || parent.attribute.type !== 'complex') throw parser.fail(`"${parent.canonical}" is not a complex attribute`);
  if (parser.peek().kind === 'end') throw parser.fail('the filter is empty');
  const filter = parser.parseOr(parent);
  parser.expectEnd();
  return filter;
}

/**
 * Parses a PATCH operation's `path` (RFC 7644 §3.5.2: `attrPath` or
 * `valuePath [subAttr]`). For `emails[type eq "work"].value` the result's
 * `attr` is `emails.value` and `valueFilter` the bracket's filter. Throws
 * `ScimError` 400 `invalidPath` on any refusal (a bad bracket filter included).
 */
export function parsePath(text: string, kind: ResourceKind): PatchPath {
  const parser = new Parser(text, kind, 'invalidPath');
  const nameToken = parser.next();
  if (nameToken.kind === 'end') throw parser.fail('the path is empty');
  const attr = parser.resolve(nameToken, undefined);
  if (parser.peek().kind !== '[') {
    parser.expectEnd();
    return { attr };
  }
  const open = parser.next();
  if (attr.subAttribute || attr.attribute.type !== 'complex') throw parser.fail(`"[" ${where(open.pos)} must follow a complex attribute, not "${nameToken.text}"`);
  const valueFilter = parser.parseOr(attr);
  parser.expect(']', `"]" closing the "[" ${where(open.pos)}`);
  const after = parser.next();
  if (after.kind === 'end') return { attr, valueFilter };
  const sub = after.kind === 'word' ? SUB_ATTR.exec(after.text) : null;
  const target = sub ? resolveAttribute(kind, `${attr.canonical}.${sub[1]}`) : undefined;
  if (!target) throw parser.fail(`expected ".subAttribute" of ${attr.canonical} or the end ${where(after.pos)}, found ${describe(after)}`);
  parser.expectEnd();
  return { attr: target, valueFilter };
}
