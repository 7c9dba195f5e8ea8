import { badRequest } from './errors.ts';
import type { PatchPath } from './filter-ast.ts';
import { parsePath } from './filter-parser.ts';
import { MemberSet } from './patch-members.ts';
import { describeValue, Fields, isObject, type Json } from './resource-input.ts';
import { CORE_USER, ENTERPRISE_USER, PATCH_OP, resolveAttribute, type AttributeDef, type ResourceKind } from './schemas.ts';
import { MAX_USER_VALUES } from './user-record.ts';
import { itemFromFilter, matchesItem } from './value-filter.ts';

/**
 * SCIM PATCH (RFC 7644 §3.5.2) on one resource, in memory: takes the current
 * resource as `userResource`/`groupResource` produce it and a PatchOp body,
 * and returns the changed resource, which the caller reads back with
 * `parseUserResource`/`parseGroupResource` (so every rule on stored values,
 * such as a required `userName` or one primary email, is checked once, there)
 * and stores. Operations apply in order; any refusal throws ScimError 400 and
 * the caller keeps the resource as it was.
 *
 * Rules enforced here:
 * - `schemas` names the PatchOp message (`invalidSyntax`); `Operations` is a
 *   non-empty array of at most MAX_PATCH_OPERATIONS (`invalidSyntax`);
 * - `op` is add, replace or remove in any case (Entra sends `Add`, `Replace`,
 *   `Remove`); anything else is `invalidSyntax`; add and replace need a value;
 * - remove needs a path (`noTarget`), and `active` cannot be removed or set
 *   to null (only to false): unset, it reads as true, which would re-activate
 *   the user;
 * - replace through a value filter that matches nothing is `noTarget`; add
 *   through an `eq` filter that matches nothing creates the item it describes;
 *   remove through a filter that matches nothing changes nothing;
 * - read-only attributes (`id`, `meta`, `groups`, `manager.displayName`,
 *   `members.display`) cannot change (`mutability`); a value equal to the
 *   current one is ignored, which lets Okta's group rename carry the group's
 *   own `id`; immutable sub-attributes (`members.value`) cannot be replaced;
 * - `password` is accepted and discarded;
 * - adding to a multi-valued attribute appends, skipping exact duplicates; an
 *   item set to primary clears the others; a Group's members follow the
 *   rules of MemberSet (patch-members.ts: whole members, found by id).
 *
 * Dialects accepted: Okta's no-path `replace` of `{ "active": false }` and of
 * `{ "id", "displayName" }`; Entra's string booleans (`"False"`), no-path
 * values keyed by paths (`"name.givenName"`, URN-qualified extension names,
 * a plain-string `manager`), member removal by value
 * (`{"op":"Remove","path":"members","value":[{"value":"id"}]}`); and a bare
 * string as a member (`"value": "string id 1"`, Microsoft's reference tests).
 */

export const MAX_PATCH_OPERATIONS = 1000;

type OpName = 'add' | 'replace' | 'remove';

/** The resource being changed; a Group's members are held in a MemberSet meanwhile. */
interface Target {
  kind: ResourceKind;
  res: Json;
  members: MemberSet | undefined;
}

interface Operation {
  op: OpName;
  path: string | undefined;
  value: unknown;
  hasValue: boolean;
  index: number;
}

/** Applies a PatchOp body to `resource` (not modified) and returns the new resource. */
export function applyPatch(kind: ResourceKind, resource: Record<string, unknown>, body: unknown): Record<string, unknown> {
  const operations = readOperations(body);
  const res = structuredClone(resource);
  const target: Target = { kind, res, members: kind === 'Group' ? new MemberSet(res.members) : undefined };
  for (const operation of operations) applyOperation(target, operation);
  if (target.members) res.members = target.members.toArray();
  if (kind === 'User') listSchemas(res);
  return res;
}

function readOperations(body: unknown): Operation[] {
  if (!isObject(body)) throw badRequest('invalidSyntax', `The PATCH body must be a JSON object, got ${describeValue(body)}`);
  const f = new Fields(body, '');
  const schemas = f.get('schemas');
  if (!Array.isArray(schemas) || !schemas.some((s) => typeof s === 'string' && s.toLowerCase() === PATCH_OP.toLowerCase())) {
    throw badRequest('invalidSyntax', `"schemas" must include "${PATCH_OP}", got ${describeValue(schemas)}`);
  }
  const list = f.get('Operations');
  if (!Array.isArray(list) || list.length === 0) throw badRequest('invalidSyntax', `"Operations" must be a non-empty array, got ${describeValue(list)}`);
  if (list.length > MAX_PATCH_OPERATIONS) throw badRequest('invalidSyntax', `"Operations" has ${list.length} operations, at most ${MAX_PATCH_OPERATIONS} are accepted`);
  return list.map((raw, index) => {
    if (!isObject(raw)) throw badRequest('invalidSyntax', `Operations[${index}] must be an object, got ${describeValue(raw)}`);
    const o = new Fields(raw, `Operations[${index}]`);
    const op = o.get('op');
    const name = typeof op === 'string' ? op.toLowerCase() : '';
    if (name !== 'add' && name !== 'replace' && name !== 'remove') {
      throw badRequest('invalidSyntax', `Operations[${index}].op must be "add", "replace" or "remove", got ${describeValue(op)}`);
    }
    const path = o.get('path');
    if (path !== undefined && path !== null && typeof path !== 'string') throw badRequest('invalidSyntax', `Operations[${index}].path must be a string, got ${describeValue(path)}`);
    const hasValue = o.get('value') !== undefined;
    if (name !== 'remove' && !hasValue) throw badRequest('invalidSyntax', `Operations[${index}] ("${name}") needs a "value"`);
    return { op: name, path: path || undefined, value: o.get('value'), hasValue, index };
  });
}

function applyOperation(target: Target, operation: Operation): void {
  const { op, path, value, index } = operation;
  const kind = target.kind;
  if (path !== undefined) {
    applyAt(target, op, parsePath(path, kind), value, operation.hasValue);
    return;
  }
  if (op === 'remove') throw badRequest('noTarget', `Operations[${index}]: "remove" needs a "path"`);
  if (!isObject(value)) throw badRequest('invalidSyntax', `Operations[${index}]: "${op}" without a path takes an object of attributes, got ${describeValue(value)}`);
  for (const [key, v] of Object.entries(value)) {
    if (kind === 'User' && key.toLowerCase() === ENTERPRISE_USER.toLowerCase()) {
      if (v === null) continue;
      if (!isObject(v)) throw badRequest('invalidValue', `Attribute "${ENTERPRISE_USER}" must be an object, got ${describeValue(v)}`);
      for (const [name, sub] of Object.entries(v)) {
        const at = keyPath(kind, `${ENTERPRISE_USER}:${name}`);
        if (at) applyAt(target, op, at, sub, true);
      }
      continue;
    }
    const at = keyPath(kind, key);
    if (at) applyAt(target, op, at, v, true);
  }
}

/**
 * A no-path value's key as a path: an attribute name (Entra also sends
 * `name.givenName` and URN-qualified names) or a value path. Unknown plain
 * names are ignored, as in POST and PUT bodies (RFC 7644 §3.3).
 */
function keyPath(kind: ResourceKind, key: string): PatchPath | undefined {
  if (key.includes('[')) return parsePath(key, kind);
  const attr = resolveAttribute(kind, key);
  return attr ? { attr } : undefined;
}

function applyAt(target: Target, op: OpName, path: PatchPath, value: unknown, hasValue: boolean): void {
  const { res } = target;
  const { attr, valueFilter } = path;
  const def = attr.attribute;
  const sub = attr.subAttribute;
  const container = attr.schema === ENTERPRISE_USER ? extensionOf(res) : res;
  if (def.mutability === 'writeOnly') return; // password: accepted and discarded
  if (def.mutability === 'readOnly' || sub?.mutability === 'readOnly') {
    if (op !== 'remove' && !sub && !valueFilter && sameJson(container[def.name], value)) return;
    throw badRequest('mutability', `Attribute "${attr.canonical}" is read-only and cannot be changed`);
  }
  if (sub?.mutability === 'immutable' && op !== 'add') throw badRequest('mutability', `Attribute "${attr.canonical}" cannot be changed once set`);
  // An unset `active` reads as true, so clearing it would re-activate the user.
  if (target.kind === 'User' && def.name === 'active' && (op === 'remove' || value === null)) {
    throw badRequest('invalidValue', 'Attribute "active" cannot be removed or set to null; replace it with false to deactivate the user');
  }
  if (target.members && def.name === 'members') target.members.apply(op, path, value, hasValue);
  else if (def.multiValued) applyMultiValued(container, op, path, value, hasValue);
  else if (valueFilter) throw badRequest('invalidPath', `"${attr.canonical}" is not multi-valued; a value filter cannot select from it`);
  else if (op === 'remove') removeSingular(container, def, sub);
  else setSingular(container, def, sub, value);
  if (container !== res && Object.keys(container).length === 0) delete res[ENTERPRISE_USER];
}

function extensionOf(res: Json): Json {
  if (!isObject(res[ENTERPRISE_USER])) res[ENTERPRISE_USER] = {};
  return res[ENTERPRISE_USER] as Json;
}

function removeSingular(container: Json, def: AttributeDef, sub: AttributeDef | undefined): void {
  if (!sub) {
    delete container[def.name];
    return;
  }
  const current = container[def.name];
  if (!isObject(current)) return;
  delete current[sub.name];
  if (Object.keys(current).length === 0) delete container[def.name];
}

/** add and replace on a singular attribute: a simple value is set; a complex one is merged (RFC 7644 §3.5.2.1, §3.5.2.3). */
function setSingular(container: Json, def: AttributeDef, sub: AttributeDef | undefined, value: unknown): void {
  if (value === null && !sub) {
    delete container[def.name];
    return;
  }
  if (def.type !== 'complex') {
    container[def.name] = coerce(def, value);
    return;
  }
  const current = isObject(container[def.name]) ? (container[def.name] as Json) : {};
  const patch = sub ? { [sub.name]: coerce(sub, value) } : complexValue(def, value);
  const merged: Json = { ...current };
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete merged[k];
    else merged[k] = v;
  }
  if (Object.keys(merged).length) container[def.name] = merged;
  else delete container[def.name];
}

/** add, replace and remove on a User's multi-valued attribute (at most MAX_USER_VALUES items, so scans are cheap). */
function applyMultiValued(container: Json, op: OpName, path: PatchPath, value: unknown, hasValue: boolean): void {
  const { attr, valueFilter } = path;
  const def = attr.attribute;
  const sub = attr.subAttribute;
  let items = Array.isArray(container[def.name]) ? [...(container[def.name] as Json[])] : [];
  const selected = valueFilter ? items.filter((item) => matchesItem(valueFilter, item)) : items;
  let touched: Json[] = [];

  if (op === 'remove') {
    if (sub) for (const item of selected) delete item[sub.name];
    else if (valueFilter) items = items.filter((item) => !selected.includes(item));
    else if (hasValue && value !== null) {
      // The form Entra uses for members ({"op":"Remove","path":"members","value":[{"value":"id"}]}),
      // here for a User's attribute: removes the items named by value (or equal, for items without one).
      const gone = itemsOf(def, value);
      items = items.filter((item) => !gone.some((g) => (g.value !== undefined ? g.value === item.value : sameItem(def, item, g))));
    } else items = [];
  } else if (!valueFilter && !sub) {
    const incoming = itemsOf(def, value);
    if (op === 'replace') items = touched = incoming;
    else touched = appendNew(def, items, incoming);
  } else {
    touched = selected;
    if (touched.length === 0) {
      const created = op === 'add' ? (valueFilter ? itemFromFilter(valueFilter) : {}) : undefined;
      if (!created) {
        const target = valueFilter ? `no value of "${def.name}" matches the filter` : `"${def.name}" has no values`;
        throw badRequest('noTarget', `Cannot ${op} "${attr.canonical}": ${target}`);
      }
      items.push(created);
      touched = [created];
    }
    for (const item of touched) {
      if (sub) item[sub.name] = coerce(sub, value);
      else if (op === 'replace') {
        const replacement = complexValue(def, value);
        for (const k of Object.keys(item)) delete item[k];
        Object.assign(item, replacement);
      } else Object.assign(item, complexValue(def, value));
    }
  }

  // Setting one item primary clears the others (RFC 7643 §2.4: at most one primary).
  if (touched.some((item) => item.primary === true)) {
    for (const item of items) if (!touched.includes(item)) delete item.primary;
  }
  container[def.name] = items;
}

/** Appends the incoming items that are not already there (exact duplicates are skipped) and returns them. */
function appendNew(def: AttributeDef, items: Json[], incoming: Json[]): Json[] {
  const added: Json[] = [];
  for (const item of incoming) {
    if (items.some((existing) => sameItem(def, existing, item))) continue;
    items.push(item);
    added.push(item);
    if (items.length > MAX_USER_VALUES) throw badRequest('invalidValue', `Attribute "${def.name}" would have more than ${MAX_USER_VALUES} values`);
  }
  return added;
}

/** A multi-valued attribute's incoming items: an array, one item, or a bare string meaning `{ value }`. */
function itemsOf(def: AttributeDef, value: unknown): Json[] {
  if (value === null || value === undefined) return [];
  const list = Array.isArray(value) ? value : [value];
  return list.map((v) => complexValue(def, v));
}

/** A complex value with canonical sub-attribute names; a bare string is `{ value }` (Entra's plain-string manager, string members). */
function complexValue(def: AttributeDef, value: unknown): Json {
  if (typeof value === 'string' && def.subAttributes?.some((s) => s.name === 'value')) return { value };
  if (!isObject(value)) throw badRequest('invalidValue', `Attribute "${def.name}" takes a complex value (an object), got ${describeValue(value)}`);
  // Only the attribute's own sub-attributes are kept (the reader ignores the rest anyway); this also keeps a
  // "__proto__" key from reaching an object's prototype.
  const out: Json = {};
  for (const [k, v] of Object.entries(value)) {
    const subDef = def.subAttributes?.find((s) => s.name.toLowerCase() === k.toLowerCase());
    if (subDef) out[subDef.name] = coerce(subDef, v);
  }
  return out;
}

/** Entra's string booleans become booleans; anything else is left for the resource reader to check. */
function coerce(def: AttributeDef, value: unknown): unknown {
  if (def.type === 'boolean' && typeof value === 'string' && /^(true|false)$/i.test(value)) return value.toLowerCase() === 'true';
  return value;
}

/** Whether two items are the same value: equal in every sub-attribute (a missing primary is false). */
function sameItem(def: AttributeDef, a: Json, b: Json): boolean {
  return (def.subAttributes ?? []).every((s) => {
    const norm = (v: unknown) => (s.name === 'primary' ? v === true : (v ?? null));
    return sameJson(norm(a[s.name]), norm(b[s.name]));
  });
}

function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => sameJson(v, b[i]));
  if (isObject(a) && isObject(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((k) => k in b && sameJson(a[k], b[k]));
  }
  return false;
}

/** A User's `schemas` lists the enterprise extension exactly when it holds a value. */
function listSchemas(res: Json): void {
  res.schemas = isObject(res[ENTERPRISE_USER]) && Object.keys(res[ENTERPRISE_USER] as Json).length ? [CORE_USER, ENTERPRISE_USER] : [CORE_USER];
}
