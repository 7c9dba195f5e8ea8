import type { RouteDef } from '../../route-def.ts';

/** The directory pages. */
export const routes: RouteDef[] = [];
