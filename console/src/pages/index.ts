import type { RouteDef } from '../route-def.ts';
import { routes as overview } from './overview/routes.tsx';
import { routes as directory } from './directory/routes.tsx';
import { routes as access } from './access/routes.tsx';
import { routes as connections } from './connections/routes.tsx';
import { routes as ledger } from './ledger/routes.tsx';
import { routes as monitoring } from './monitoring/routes.tsx';
import { routes as evidence } from './evidence/routes.tsx';

/** Every console page; each area keeps its own list in pages/<area>/routes.tsx. */
export const ROUTES: RouteDef[] = [...overview, ...directory, ...access, ...connections, ...ledger, ...monitoring, ...evidence];
