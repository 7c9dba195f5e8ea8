import type { Paging } from './paging.ts';

/** A list or search request (GET query or POST `.search` body), after its paging numbers were read. */
export interface ListQuery extends Paging {
  filter?: string;
  sortBy?: string;
  sortOrder?: string;
}
