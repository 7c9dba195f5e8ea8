/** A list or search request (GET query or POST `.search` body), after its paging numbers were read. */
export interface ListQuery {
  filter?: string;
  sortBy?: string;
  sortOrder?: string;
  /** 1-based. */
  startIndex: number;
  count: number;
}

/** The SQL offset and limit of a list request. */
export function pageOf(q: ListQuery): { offset: number; limit: number } {
  return { offset: Math.max(1, q.startIndex) - 1, limit: Math.max(0, q.count) };
}
