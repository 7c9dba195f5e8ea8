import { COMMON_ATTRIBUTES, resolveAttribute, schemasOf, type AttributeDef, type ResourceKind } from './schemas.ts';

/**
 * `attributes` / `excludedAttributes` (RFC 7644 §3.9, §3.4.2.5) and the
 * `returned` rules of RFC 7643 §7:
 * - `always` attributes (`id`, and `schemas`) are in every response, even when
 *   excluded or not asked for; `never` ones (`password`) in none;
 * - `request` attributes only when named in `attributes`;
 * - with `attributes`, only those (and `always`); with `excludedAttributes`,
 *   the default set minus those; `attributes` wins when both are sent;
 * - names are case-insensitive, may be URN-qualified, may name a
 *   sub-attribute (`name.givenName`, `emails.value`) or a whole extension
 *   (its URN); `emails[type eq "work"]` is read as `emails`;
 * - unknown names are ignored (some clients send attributes we do not serve).
 */

export interface AttributeSelection {
  /** Names from `attributes`, or null when the parameter is absent. */
  attributes: string[] | null;
  /** Names from `excludedAttributes`. */
  excluded: string[];
}

/** Splits a comma-separated list, ignoring commas inside brackets or quotes. */
function splitList(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '\\') i++;
      else if (c === '"') quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === '[') depth++;
    else if (c === ']') depth = Math.max(0, depth - 1);
    else if (c === ',' && depth === 0) {
      out.push(text.slice(start, i));
      start = i + 1;
    }
  }
  out.push(text.slice(start));
  return out;
}

/** `emails[type eq "work"].value` → `emails.value`; `emails[type eq "work"]` → `emails`. */
function dropValueFilter(name: string): string {
  const open = name.indexOf('[');
  if (open < 0) return name;
  const close = name.lastIndexOf(']');
  return name.slice(0, open) + (close > open ? name.slice(close + 1) : '');
}

function readList(raw: unknown): string[] | null {
  if (raw === undefined || raw === null) return null;
  const items = Array.isArray(raw) ? raw.filter((x): x is string => typeof x === 'string').flatMap(splitList) : typeof raw === 'string' ? splitList(raw) : [];
  return items.map((s) => dropValueFilter(s.trim())).filter((s) => s.length > 0);
}

function pick(query: Record<string, unknown>, name: string): unknown {
  const lower = name.toLowerCase();
  const key = Object.keys(query).find((k) => k.toLowerCase() === lower);
  return key === undefined ? undefined : query[key];
}

/**
 * Reads `attributes` and `excludedAttributes` from a query string or a
 * SearchRequest body (parameter names in any case; comma-separated strings or
 * arrays of strings).
 */
export function readAttributeSelection(query: Record<string, unknown>): AttributeSelection {
  const attributes = readList(pick(query, 'attributes'));
  return { attributes: attributes && attributes.length ? attributes : null, excluded: readList(pick(query, 'excludedAttributes')) ?? [] };
}

/** Selected names per schema: attribute name (lower case) → null for the whole attribute, or the selected sub-attributes. */
type Picks = Map<string, Map<string, Set<string> | null>>;

function addPick(picks: Picks, schema: string, attribute: string, sub: string | undefined) {
  const bySchema = picks.get(schema) ?? new Map<string, Set<string> | null>();
  picks.set(schema, bySchema);
  const key = attribute.toLowerCase();
  if (sub === undefined) bySchema.set(key, null);
  else if (bySchema.get(key) !== null) bySchema.set(key, (bySchema.get(key) ?? new Set<string>()).add(sub.toLowerCase()));
}

function resolvePicks(kind: ResourceKind, names: string[]): Picks {
  const picks: Picks = new Map();
  const { core, extensions } = schemasOf(kind);
  for (const name of names) {
    const wholeSchema = [core, ...extensions].find((s) => s.id.toLowerCase() === name.toLowerCase());
    if (wholeSchema) {
      for (const a of wholeSchema.attributes) addPick(picks, wholeSchema.id, a.name, undefined);
      continue;
    }
    const attr = resolveAttribute(kind, name);
    if (attr) addPick(picks, attr.schema, attr.attribute.name, attr.subAttribute?.name);
  }
  return picks;
}

type Mode = 'default' | 'only' | 'except';

/** Which sub-attributes of one complex attribute to keep: `selected` is null when the request named the attribute as a whole (or not at all). */
function keepSub(def: AttributeDef | undefined, mode: Mode, selected: Set<string> | null, key: string): boolean {
  const returnedAs = def?.returned ?? 'default';
  if (returnedAs === 'never') return false;
  if (returnedAs === 'always') return true;
  if (selected === null) return returnedAs !== 'request' || mode === 'only';
  const named = selected.has(key.toLowerCase());
  return mode === 'only' ? named : !named && returnedAs !== 'request';
}

function projectComplex(value: unknown, def: AttributeDef, mode: Mode, selected: Set<string> | null): unknown {
  const one = (item: unknown): Record<string, unknown> | undefined => {
    if (!item || typeof item !== 'object' || Array.isArray(item)) return undefined;
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(item as Record<string, unknown>)) {
      if (keepSub(def.subAttributes?.find((s) => s.name === key), mode, selected, key)) out[key] = v;
    }
    return Object.keys(out).length ? out : undefined;
  };
  if (!Array.isArray(value)) return one(value);
  const items = value.map(one).filter((i) => i !== undefined);
  return items.length ? items : undefined;
}

/** The attributes of one schema (the core one with the common attributes, or an extension) that the selection keeps. */
function projectAttributes(source: Record<string, unknown>, defs: AttributeDef[], mode: Mode, picks: Map<string, Set<string> | null> | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(source)) {
    const def = defs.find((a) => a.name === key);
    if (!def || def.returned === 'never') continue;
    const mentioned = picks?.has(key.toLowerCase()) ?? false;
    const subs = picks?.get(key.toLowerCase()) ?? null;
    if (def.returned !== 'always') {
      if (mode === 'only' && !mentioned) continue;
      if (mode === 'except' && mentioned && subs === null) continue;
      if (mode !== 'only' && def.returned === 'request') continue;
    }
    const result = def.type !== 'complex' ? value : projectComplex(value, def, mode, mentioned && def.returned !== 'always' ? subs : null);
    if (result !== undefined) out[key] = result;
  }
  return out;
}

/**
 * The resource as the request asked for it. `resource` is the full canonical
 * representation (canonical attribute names, the extension under its URN);
 * `schemas` keeps an extension's URN only while some of its attributes remain.
 */
export function project(resource: Record<string, unknown>, selection: AttributeSelection, kind: ResourceKind): Record<string, unknown> {
  const mode: Mode = selection.attributes ? 'only' : selection.excluded.length ? 'except' : 'default';
  const picks = resolvePicks(kind, selection.attributes ?? selection.excluded);
  const { core, extensions } = schemasOf(kind);
  const body = projectAttributes(resource, [...COMMON_ATTRIBUTES, ...core.attributes], mode, picks.get(core.id));
  for (const ext of extensions) {
    const value = resource[ext.id];
    if (!value || typeof value !== 'object') continue;
    const projected = projectAttributes(value as Record<string, unknown>, ext.attributes, mode, picks.get(ext.id));
    if (Object.keys(projected).length) body[ext.id] = projected;
  }
  const schemas = Array.isArray(resource.schemas) ? (resource.schemas as string[]) : [core.id];
  return { schemas: schemas.filter((s) => !extensions.some((e) => e.id === s) || s in body), ...body };
}
