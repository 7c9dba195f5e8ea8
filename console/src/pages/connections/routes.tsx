import type { RouteDef } from '../../route-def.ts';

/** The connections pages. */
export const routes: RouteDef[] = [];
