import type { ResolvedAttribute } from './schemas.ts';

/** The attribute operators of RFC 7644 §3.4.2.2. */
export type CompareOp = 'eq' | 'ne' | 'co' | 'sw' | 'ew' | 'gt' | 'ge' | 'lt' | 'le';
export type FilterValue = string | number | boolean | null;

/**
 * A parsed SCIM filter. Attribute names are resolved (canonical spelling,
 * definitions attached); inside a `valuePath` the attributes are the
 * sub-attributes of the multi-valued attribute in brackets.
 */
export type Filter =
  | { op: 'and' | 'or'; left: Filter; right: Filter }
  | { op: 'not'; filter: Filter }
  | { op: 'pr'; attr: ResolvedAttribute }
  | { op: CompareOp; attr: ResolvedAttribute; value: FilterValue }
  | { op: 'valuePath'; attr: ResolvedAttribute; filter: Filter };

/** A PATCH operation's `path` (RFC 7644 §3.5.2): an attribute, optionally narrowed by a value filter and a sub-attribute. */
export interface PatchPath {
  /** The attribute (for `emails[type eq "work"].value`: `emails`; for `name.givenName`: `name` with subAttribute). */
  attr: ResolvedAttribute;
  /** `emails[type eq "work"]`: the filter on the items of a multi-valued attribute. */
  valueFilter?: Filter;
}
