import { badRequest } from './errors.ts';

/**
 * `startIndex` / `count` (RFC 7644 §3.4.2.4), from a query string (strings)
 * or a SearchRequest body (numbers): `startIndex` is 1-based and below 1 means
 * 1; a negative `count` means 0 (only `totalResults`); `count` is capped at
 * MAX_PAGE_SIZE, which ServiceProviderConfig advertises as
 * `filter.maxResults`. Anything that is not an integer is `invalidValue`.
 */

export const MAX_PAGE_SIZE = 1000;
/** The page size when `count` is absent: a full page of 1000 users with their values is more than most clients want. */
export const DEFAULT_PAGE_SIZE = 100;

export interface Paging {
  /** 1-based index of the first result. */
  startIndex: number;
  /** Results per page, 0..MAX_PAGE_SIZE. */
  count: number;
}

function readInteger(name: string, raw: unknown): number | undefined {
  if (raw === undefined || raw === null) return undefined;
  const text = typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? raw.trim() : undefined;
  if (text === undefined || !/^[+-]?\d+$/.test(text)) throw badRequest('invalidValue', `${name} must be an integer, got ${JSON.stringify(raw)}`);
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : Math.sign(n) * Number.MAX_SAFE_INTEGER;
}

/** Reads `startIndex` and `count` (defaults 1 and DEFAULT_PAGE_SIZE). */
export function readPaging(query: { startIndex?: unknown; count?: unknown }): Paging {
  const startIndex = readInteger('startIndex', query.startIndex) ?? 1;
  const count = readInteger('count', query.count) ?? DEFAULT_PAGE_SIZE;
  return { startIndex: Math.max(1, startIndex), count: Math.min(MAX_PAGE_SIZE, Math.max(0, count)) };
}

/** SQL offset for a page (startIndex 1 is offset 0). */
export function pageOffset(paging: Paging): number {
  return paging.startIndex - 1;
}
