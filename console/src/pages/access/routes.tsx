import type { RouteDef } from '../../route-def.ts';

/** The access pages. */
export const routes: RouteDef[] = [];
