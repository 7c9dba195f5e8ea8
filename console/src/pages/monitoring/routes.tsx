import type { RouteDef } from '../../route-def.ts';

/** The monitoring pages. */
export const routes: RouteDef[] = [];
