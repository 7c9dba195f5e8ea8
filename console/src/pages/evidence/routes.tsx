import './evidence.css';
import type { RouteDef } from '../../route-def.ts';
import { EvidencePage } from './evidence-page.tsx';

/** The evidence pages. */
export const routes: RouteDef[] = [{ path: '/evidence', title: 'Evidence', component: EvidencePage, nav: { section: 'Evidence', label: 'Evidence exports' } }];
