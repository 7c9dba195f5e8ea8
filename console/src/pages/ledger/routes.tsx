import type { RouteDef } from '../../route-def.ts';

/** The ledger pages. */
export const routes: RouteDef[] = [];
