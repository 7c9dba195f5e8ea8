import type { RouteDef } from '../../route-def.ts';
import { OverviewPage } from './overview-page.tsx';
import './overview.css';

/** The overview page. */
export const routes: RouteDef[] = [{ path: '/', title: 'Overview', component: OverviewPage, nav: { section: 'Overview', label: 'Overview' } }];
