import type { RouteDef } from '../../route-def.ts';

/** The evidence pages. */
export const routes: RouteDef[] = [];
